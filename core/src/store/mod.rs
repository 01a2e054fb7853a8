//! Every database query of moodtune lives here: connecting and migrating, importing playlist
//! dumps, the texts to label and the labels written back, vectors for the index, track details
//! for replies, crawl progress and the labelling lease.
//!
//! The same code runs on SQLite (the embedded default) and PostgreSQL (`DATABASE_URL=postgres://`).
//!
//! Invariant: the store runs no analysis and knows no other room but `emotion` (the vector's
//! bytes): callers hand it rows and get rows back. Files: `import` (playlist dumps), `labels`
//! (texts to label, labels, vectors), `tracks` (details for replies), `crawl` (crawl progress and
//! fetched texts), `lease` (one labeller per database), `memory` (what is remembered about a
//! person: moods and 👍/👎, under the engine's salted key).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use moodtune_migrations::{Migrator, MigratorTrait};
use moodtune_models::{artist, catalog_meta, comment, lyric, playlist, track, track_emotion};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

mod crawl;
mod import;
mod labels;
mod lease;
mod memory;
mod tracks;

pub use crawl::{FetchedComment, FetchedLyric, FetchedTexts, TrackTodo};
pub use import::{DumpPlaylist, DumpTrack, ImportSummary};
pub use labels::{LabelRow, StoredTexts, StoredVector};
pub use memory::{MoodRow, Removed};
pub use tracks::{track_url, TrackInfo};

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK: usize = 1000;
/// Key in `catalog_meta` that counts catalog changes; indexes follow it.
const VERSION_KEY: &str = "catalog_version";
/// Advisory-lock key that serialises migrations of processes sharing one PostgreSQL database.
const MIGRATION_LOCK: i64 = 0x6d6f_6f64_7475_6e65; // "moodtune"

/// Applies migrations on PostgreSQL under an advisory lock, on a connection of its own (a session
/// lock must be taken and released on the same connection), so processes starting together do
/// not race to create the same tables.
async fn migrate_guarded(url: &str, timeout: Duration) -> Result<(), CatalogError> {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(1)
        .min_connections(1)
        .connect_timeout(timeout)
        .sqlx_logging(false);
    let conn = Database::connect(opts)
        .await
        .map_err(|source| CatalogError::Connect {
            url: redact_url(url),
            source,
        })?;
    conn.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .await?;
    let result = Migrator::up(&conn, None).await;
    let _ = conn
        .execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
        .await;
    let _ = conn.close().await;
    result.map_err(CatalogError::Migrate)
}

/// Why a catalog operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The database could not be reached or opened.
    #[error("cannot open the database at {url}: {source}")]
    Connect {
        /// The URL, with any password removed.
        url: String,
        /// The driver's error.
        source: DbErr,
    },
    /// Applying migrations failed.
    #[error("cannot apply database migrations: {0}")]
    Migrate(DbErr),
    /// A query failed (the database went away, a constraint failed...).
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Removes the password from a database URL so it can be logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Catalog counts, for `moodtune catalog stats` and start-up logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CatalogStats {
    /// Playlists.
    pub playlists: u64,
    /// Tracks.
    pub tracks: u64,
    /// Artists.
    pub artists: u64,
    /// Lyrics.
    pub lyrics: u64,
    /// Comments.
    pub comments: u64,
    /// Tracks with an emotion vector.
    pub labelled: u64,
}

/// A handle on the catalog database.
#[derive(Debug, Clone)]
pub struct Catalog {
    db: DatabaseConnection,
    /// Who this handle is when it claims the labelling lease.
    owner: String,
}

impl Catalog {
    /// Connects (creating a SQLite file if needed) and applies pending migrations.
    pub async fn open(
        url: &str,
        max_connections: u32,
        timeout: Duration,
    ) -> Result<Catalog, CatalogError> {
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(max_connections.max(1))
            .connect_timeout(timeout)
            .acquire_timeout(timeout)
            .sqlx_logging(false);
        let db = Database::connect(opts)
            .await
            .map_err(|source| CatalogError::Connect {
                url: redact_url(url),
                source,
            })?;
        if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            // WAL lets readers (the bot) and a writer (an import) work at the same time.
            for pragma in [
                "PRAGMA journal_mode=WAL",
                "PRAGMA foreign_keys=ON",
                "PRAGMA busy_timeout=5000",
            ] {
                db.execute_unprepared(pragma).await?;
            }
        }
        if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            migrate_guarded(url, timeout).await?;
        } else {
            Migrator::up(&db, None)
                .await
                .map_err(CatalogError::Migrate)?;
        }
        Ok(Catalog {
            db,
            owner: lease::owner(),
        })
    }

    /// Closes the pool (tools that open many databases in one run, such as `moodtune bench`).
    pub async fn close(self) {
        let _ = self.db.close().await;
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.db.ping().await.is_ok()
    }

    /// Number of tracks.
    pub async fn track_count(&self) -> Result<u64, CatalogError> {
        Ok(track::Entity::find().count(&self.db).await?)
    }

    /// Catalog counts.
    pub async fn stats(&self) -> Result<CatalogStats, CatalogError> {
        Ok(CatalogStats {
            playlists: playlist::Entity::find().count(&self.db).await?,
            tracks: track::Entity::find().count(&self.db).await?,
            artists: artist::Entity::find().count(&self.db).await?,
            lyrics: lyric::Entity::find().count(&self.db).await?,
            comments: comment::Entity::find().count(&self.db).await?,
            labelled: track_emotion::Entity::find()
                .filter(track_emotion::Column::Dominant.ne(""))
                .count(&self.db)
                .await?,
        })
    }

    /// The catalog version: bumped by every import and labelling run, followed by indexes.
    pub async fn version(&self) -> Result<i64, CatalogError> {
        let row = catalog_meta::Entity::find_by_id(VERSION_KEY.to_string())
            .one(&self.db)
            .await?;
        Ok(row.and_then(|r| r.value.parse().ok()).unwrap_or(0))
    }

    /// Counts one change of the catalog (in `db`, which may be a transaction): indexes follow it.
    async fn bump_version<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
        let current = catalog_meta::Entity::find_by_id(VERSION_KEY.to_string())
            .one(db)
            .await?
            .and_then(|r| r.value.parse::<i64>().ok())
            .unwrap_or(0);
        let row = catalog_meta::ActiveModel {
            key: sea_orm::Set(VERSION_KEY.to_string()),
            value: sea_orm::Set((current + 1).to_string()),
        };
        catalog_meta::Entity::insert(row)
            .on_conflict(
                OnConflict::column(catalog_meta::Column::Key)
                    .update_column(catalog_meta::Column::Value)
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        Ok(())
    }
}

/// Marks the labels of `tracks` as stale (version 0): the next labelling run recomputes them,
/// and until then the old vectors keep serving, so a running bot never loses tracks mid-crawl.
pub(crate) async fn mark_stale<C: ConnectionTrait>(db: &C, tracks: &[i64]) -> Result<(), DbErr> {
    for chunk in tracks.chunks(CHUNK) {
        track_emotion::Entity::update_many()
            .col_expr(
                track_emotion::Column::Version,
                sea_orm::sea_query::Expr::value(0),
            )
            .filter(track_emotion::Column::TrackId.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Ids of the `wanted` artist names that exist (the oldest row wins if a name is there twice).
/// Looks up only those names, so importing a small batch into a big catalog stays cheap.
pub(crate) async fn artist_ids<C: ConnectionTrait>(
    db: &C,
    wanted: &HashSet<&str>,
) -> Result<HashMap<String, i64>, DbErr> {
    let names: Vec<&str> = wanted.iter().copied().collect();
    let mut map = HashMap::with_capacity(names.len());
    for chunk in names.chunks(CHUNK) {
        let rows: Vec<(i64, String)> = artist::Entity::find()
            .select_only()
            .columns([artist::Column::Id, artist::Column::Name])
            .filter(artist::Column::Name.is_in(chunk.iter().copied()))
            .order_by_asc(artist::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        for (id, name) in rows {
            map.entry(name).or_insert(id);
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_hide_passwords() {
        let table = [
            (
                "postgres://bob:secret@db:5432/x",
                "postgres://bob:***@db:5432/x",
            ),
            ("postgres://bob@db/x", "postgres://bob:***@db/x"),
            (
                "sqlite://moodtune.db?mode=rwc",
                "sqlite://moodtune.db?mode=rwc",
            ),
        ];
        for (url, want) in table {
            assert_eq!(redact_url(url), want);
        }
    }
}
