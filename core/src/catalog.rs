//! Every database query of moodtune lives here: connecting and migrating, importing playlist
//! dumps, labelling tracks, loading vectors for the index and fetching track details for replies.
//!
//! The same code runs on SQLite (the embedded default) and PostgreSQL (`DATABASE_URL=postgres://`).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures_util::TryStreamExt;
use moodtune_migrations::{Migrator, MigratorTrait};
use moodtune_models::{
    artist, catalog_meta, comment, crawl_mark, lyric, playlist, playlist_track, track,
    track_artist, track_emotion,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, TransactionTrait,
};

use crate::dump::DumpPlaylist;
use crate::emotion::{Emotion, EmotionScores};
use crate::label::{track_scores, track_strength, TrackTexts, LABEL_VERSION};
use crate::text::TextAnalyzer;

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK: usize = 1000;
/// Above this many tracks, names and artists are read by scanning the tables rather than by id.
const WHOLE_TABLE_ABOVE: usize = 20_000;
/// Tracks labelled per database round trip.
const LABEL_BATCH: usize = 2000;
/// Key in `catalog_meta` that counts catalog changes; indexes follow it.
const VERSION_KEY: &str = "catalog_version";
/// Key in `catalog_meta` of the labelling lease.
const LEASE_KEY: &str = "label_lease";
/// How long a labelling lease lasts unless renewed (it is renewed after every batch).
const LEASE_SECS: i64 = 120;
/// Advisory-lock key that serialises migrations of processes sharing one PostgreSQL database.
const MIGRATION_LOCK: i64 = 0x6d6f_6f64_7475_6e65; // "moodtune"

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A name for this catalog handle: process id and a clock reading, unique enough for a lease.
fn lease_owner() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{nanos:09}", std::process::id())
}

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

/// Counts of what an import added or touched.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Playlists upserted.
    pub playlists: usize,
    /// Distinct tracks upserted.
    pub tracks: usize,
    /// Artists newly created.
    pub new_artists: usize,
    /// Playlist-track pairs in the input.
    pub pairs: usize,
}

/// Counts of a labelling run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LabelSummary {
    /// Tracks examined.
    pub tracks: usize,
    /// Tracks that received an emotion vector.
    pub labelled: usize,
    /// Tracks whose texts carry no emotion (stored as such, not indexed).
    pub no_emotion: usize,
    /// Another process holds the labelling lease: nothing was done here.
    pub busy: bool,
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

/// A labelled track as the index sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredVector {
    /// NetEase song id.
    pub track_id: i64,
    /// Popularity, which orders tracks that share a vector and are equally well attested.
    pub popularity: i32,
    /// Evidence behind the vector (raw score total); orders tracks that share a vector.
    pub strength: f32,
    /// The track's emotion.
    pub emotion: Emotion,
}

/// What a reply shows about a track.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrackInfo {
    /// NetEase song id.
    pub id: i64,
    /// Title.
    pub name: String,
    /// Artist names in credit order.
    pub artists: Vec<String>,
    /// NetEase popularity.
    pub popularity: i32,
}

impl TrackInfo {
    /// The NetEase link of the song.
    pub fn url(&self) -> String {
        track_url(self.id)
    }
}

/// The NetEase link of a song id.
pub fn track_url(id: i64) -> String {
    format!("https://music.163.com/song?id={id}")
}

/// A track's lyric as fetched by a crawler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedLyric {
    /// Plain text (time tags and credits stripped); empty when there is none.
    pub content: String,
    /// NetEase marks the track as having no lyric (`nolyric`).
    pub instrumental: bool,
}

/// A hot comment as fetched by a crawler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedComment {
    /// NetEase comment id (the upsert key).
    pub id: i64,
    /// Text.
    pub content: String,
    /// Likes.
    pub liked_count: i64,
}

/// What a crawler fetched for one track; `None` means "not fetched this time", which is not the
/// same as "fetched, and there is none" (`Some` with empty content or an empty list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedTexts {
    /// The track.
    pub track_id: i64,
    /// Its lyric, if fetched.
    pub lyric: Option<FetchedLyric>,
    /// Its hot comments, if fetched.
    pub comments: Option<Vec<FetchedComment>>,
}

/// A track that still lacks crawled texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackTodo {
    /// The track.
    pub track_id: i64,
    /// Its lyric was never fetched.
    pub lyric: bool,
    /// Its hot comments were never fetched.
    pub comments: bool,
}

/// Crawl-mark kind for "hot comments fetched".
const MARK_COMMENTS: &str = "comments";

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
            owner: lease_owner(),
        })
    }

    /// Claims (or renews) the labelling lease for `LEASE_SECS`: several processes may share one
    /// database, and only the holder labels, so the work is not done twice. Returns whether this
    /// catalog holds it. The lease is a row in `catalog_meta` whose value starts with its expiry
    /// (zero-padded Unix seconds, so text order is time order), so one conditional UPDATE claims it
    /// atomically on SQLite and PostgreSQL alike.
    pub async fn claim_label_lease(&self) -> Result<bool, CatalogError> {
        let now = unix_now();
        catalog_meta::Entity::insert(catalog_meta::ActiveModel {
            key: sea_orm::Set(LEASE_KEY.to_string()),
            value: sea_orm::Set(format!("{:012}:", 0)),
        })
        .on_conflict(
            OnConflict::column(catalog_meta::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        let mine = format!("{:012}:{}", now + LEASE_SECS, self.owner);
        let claimed = catalog_meta::Entity::update_many()
            .col_expr(
                catalog_meta::Column::Value,
                sea_orm::sea_query::Expr::value(mine),
            )
            .filter(catalog_meta::Column::Key.eq(LEASE_KEY))
            .filter(
                sea_orm::Condition::any()
                    .add(catalog_meta::Column::Value.lt(format!("{now:012}:")))
                    .add(catalog_meta::Column::Value.ends_with(format!(":{}", self.owner))),
            )
            .exec(&self.db)
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    /// Gives the labelling lease back (if held), so another process need not wait for it to expire.
    pub async fn release_label_lease(&self) -> Result<(), CatalogError> {
        catalog_meta::Entity::update_many()
            .col_expr(
                catalog_meta::Column::Value,
                sea_orm::sea_query::Expr::value(format!("{:012}:", 0)),
            )
            .filter(catalog_meta::Column::Key.eq(LEASE_KEY))
            .filter(catalog_meta::Column::Value.ends_with(format!(":{}", self.owner)))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The underlying connection, for tests and tools.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
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

    /// Imports playlists with their tracks and artists. Idempotent: rows are upserted by NetEase
    /// id, links are inserted once, so importing the same dump twice changes nothing.
    pub async fn import_playlists(
        &self,
        playlists: &[DumpPlaylist],
    ) -> Result<ImportSummary, CatalogError> {
        let mut summary = ImportSummary {
            playlists: playlists.len(),
            ..Default::default()
        };
        let txn = self.db.begin().await?;

        // Playlists (last occurrence of an id wins).
        let mut pl_rows: HashMap<i64, playlist::ActiveModel> = HashMap::new();
        for p in playlists {
            pl_rows.insert(
                p.id,
                playlist::ActiveModel {
                    id: sea_orm::Set(p.id),
                    name: sea_orm::Set(p.name.clone()),
                    collections: sea_orm::Set(p.collections),
                    category: sea_orm::Set(p.category.clone()),
                },
            );
        }
        let mut pl_rows: Vec<_> = pl_rows.into_values().collect();
        pl_rows.sort_by_key(|r| *r.id.as_ref());
        for chunk in pl_rows.chunks(CHUNK) {
            playlist::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(playlist::Column::Id)
                        .update_columns([
                            playlist::Column::Name,
                            playlist::Column::Collections,
                            playlist::Column::Category,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }

        // Tracks, deduplicated (a song appears in many playlists).
        let mut tracks: Vec<&crate::dump::DumpTrack> = Vec::new();
        let mut seen = HashSet::new();
        for t in playlists.iter().flat_map(|p| p.tracks.iter()) {
            summary.pairs += 1;
            if seen.insert(t.id) {
                tracks.push(t);
            }
        }
        summary.tracks = tracks.len();
        for chunk in tracks.chunks(CHUNK) {
            let rows = chunk.iter().map(|t| track::ActiveModel {
                id: sea_orm::Set(t.id),
                name: sea_orm::Set(t.name.clone()),
                album: sea_orm::Set(t.album.clone()),
                popularity: sea_orm::Set(t.popularity),
            });
            track::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::column(track::Column::Id)
                        .update_columns([
                            track::Column::Name,
                            track::Column::Popularity,
                            track::Column::Album,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }

        // Artists by name: create the missing ones, then map names to ids.
        let wanted: HashSet<&str> = tracks
            .iter()
            .flat_map(|t| t.artists.iter().map(|a| a.as_str()))
            .collect();
        let mut ids = artist_ids(&txn, &wanted).await?;
        let mut missing: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|n| !ids.contains_key(*n))
            .collect();
        missing.sort_unstable();
        summary.new_artists = missing.len();
        for chunk in missing.chunks(CHUNK) {
            let rows = chunk.iter().map(|n| artist::ActiveModel {
                name: sea_orm::Set(n.to_string()),
                netease_id: sea_orm::Set(None),
                ..Default::default()
            });
            artist::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
        }
        if !missing.is_empty() {
            ids = artist_ids(&txn, &wanted).await?;
        }

        let mut links = Vec::new();
        for t in &tracks {
            let mut seen_artist = HashSet::new();
            for (pos, a) in t.artists.iter().enumerate() {
                if let Some(aid) = ids.get(a.as_str()) {
                    if seen_artist.insert(*aid) {
                        links.push(track_artist::ActiveModel {
                            track_id: sea_orm::Set(t.id),
                            artist_id: sea_orm::Set(*aid),
                            position: sea_orm::Set(pos as i32),
                        });
                    }
                }
            }
        }
        for chunk in links.chunks(CHUNK) {
            track_artist::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        track_artist::Column::TrackId,
                        track_artist::Column::ArtistId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }

        let mut pairs = Vec::new();
        let mut seen_pair = HashSet::new();
        for p in playlists {
            for (pos, t) in p.tracks.iter().enumerate() {
                if seen_pair.insert((p.id, t.id)) {
                    pairs.push(playlist_track::ActiveModel {
                        playlist_id: sea_orm::Set(p.id),
                        track_id: sea_orm::Set(t.id),
                        position: sea_orm::Set(pos as i32),
                    });
                }
            }
        }
        for chunk in pairs.chunks(CHUNK) {
            playlist_track::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        playlist_track::Column::PlaylistId,
                        playlist_track::Column::TrackId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        // Imported tracks' texts changed: mark their labels stale.
        let touched: Vec<i64> = tracks.iter().map(|t| t.id).collect();
        mark_stale(&txn, &touched).await?;
        Self::bump_version(&txn).await?;
        txn.commit().await?;
        Ok(summary)
    }

    /// Labels tracks that have no current label (none yet, or from an older labeller version);
    /// with `all`, relabels every track. Playlist names are analysed once each and reused.
    pub async fn label_tracks(
        &self,
        analyzer: &TextAnalyzer,
        all: bool,
    ) -> Result<LabelSummary, CatalogError> {
        let mut summary = LabelSummary::default();
        if !self.claim_label_lease().await? {
            tracing::info!("another process is labelling this catalog; leaving it the work");
            summary.busy = true;
            return Ok(summary);
        }
        let result = self.label_claimed(analyzer, all, &mut summary).await;
        let _ = self.release_label_lease().await;
        result.map(|()| summary)
    }

    async fn label_claimed(
        &self,
        analyzer: &TextAnalyzer,
        all: bool,
        summary: &mut LabelSummary,
    ) -> Result<(), CatalogError> {
        let current: HashSet<i64> = if all {
            HashSet::new()
        } else {
            track_emotion::Entity::find()
                .select_only()
                .column(track_emotion::Column::TrackId)
                .filter(track_emotion::Column::Version.gte(LABEL_VERSION))
                .into_tuple::<i64>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect()
        };
        let playlists: HashMap<i64, (EmotionScores, i64)> = playlist::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, (analyzer.label_scores(&p.name), p.collections)))
            .collect();

        let mut last_id = i64::MIN;
        let mut changed = false;
        loop {
            let batch: Vec<(i64, String)> = track::Entity::find()
                .select_only()
                .columns([track::Column::Id, track::Column::Name])
                .filter(track::Column::Id.gt(last_id))
                .order_by_asc(track::Column::Id)
                .limit(LABEL_BATCH as u64)
                .into_tuple()
                .all(&self.db)
                .await?;
            let Some((max_id, _)) = batch.last() else {
                break;
            };
            last_id = *max_id;
            let todo: Vec<(i64, String)> = batch
                .into_iter()
                .filter(|(id, _)| !current.contains(id))
                .collect();
            if todo.is_empty() {
                continue;
            }
            let ids: Vec<i64> = todo.iter().map(|(id, _)| *id).collect();
            let mut texts: HashMap<i64, TrackTexts> = HashMap::new();
            for (pid, tid) in playlist_track::Entity::find()
                .select_only()
                .columns([
                    playlist_track::Column::PlaylistId,
                    playlist_track::Column::TrackId,
                ])
                .filter(playlist_track::Column::TrackId.is_in(ids.iter().copied()))
                .into_tuple::<(i64, i64)>()
                .all(&self.db)
                .await?
            {
                if let Some(p) = playlists.get(&pid) {
                    texts.entry(tid).or_default().playlists.push(*p);
                }
            }
            for l in lyric::Entity::find()
                .filter(lyric::Column::TrackId.is_in(ids.iter().copied()))
                .all(&self.db)
                .await?
            {
                if !l.content.trim().is_empty() {
                    texts.entry(l.track_id).or_default().lyrics =
                        Some(analyzer.label_scores(&l.content));
                }
            }
            for c in comment::Entity::find()
                .filter(comment::Column::TrackId.is_in(ids.iter().copied()))
                .all(&self.db)
                .await?
            {
                texts
                    .entry(c.track_id)
                    .or_default()
                    .comments
                    .push((analyzer.label_scores(&c.content), c.liked_count));
            }
            let mut rows = Vec::with_capacity(todo.len());
            for (id, name) in &todo {
                let mut t = texts.remove(id).unwrap_or_default();
                t.title = analyzer.label_scores(name);
                let scores = track_scores(&t);
                summary.tracks += 1;
                let (vector, dominant, strength) = match scores.finish() {
                    Some(e) => {
                        summary.labelled += 1;
                        (
                            e.to_bytes(),
                            e.dominant().code().to_string(),
                            track_strength(&t, &e),
                        )
                    }
                    None => {
                        summary.no_emotion += 1;
                        (Vec::new(), String::new(), 0.0)
                    }
                };
                rows.push(track_emotion::ActiveModel {
                    track_id: sea_orm::Set(*id),
                    vector: sea_orm::Set(vector),
                    strength: sea_orm::Set(strength),
                    dominant: sea_orm::Set(dominant),
                    version: sea_orm::Set(LABEL_VERSION),
                });
            }
            let txn = self.db.begin().await?;
            for chunk in rows.chunks(CHUNK) {
                track_emotion::Entity::insert_many(chunk.to_vec())
                    .on_conflict(
                        OnConflict::column(track_emotion::Column::TrackId)
                            .update_columns([
                                track_emotion::Column::Vector,
                                track_emotion::Column::Strength,
                                track_emotion::Column::Dominant,
                                track_emotion::Column::Version,
                            ])
                            .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await?;
            }
            txn.commit().await?;
            changed = true;
            self.claim_label_lease().await?;
        }
        if changed {
            Self::bump_version(&self.db).await?;
        }
        Ok(())
    }

    /// Every stored emotion vector with its track id, strength and popularity; rows that are not valid vectors (no emotion, or corrupt) are skipped.
    pub async fn load_vectors(&self) -> Result<Vec<StoredVector>, CatalogError> {
        let rows: Vec<(i64, Vec<u8>, f32, i32)> = track_emotion::Entity::find()
            .select_only()
            .columns([
                track_emotion::Column::TrackId,
                track_emotion::Column::Vector,
                track_emotion::Column::Strength,
            ])
            .column(track::Column::Popularity)
            .join(
                sea_orm::JoinType::InnerJoin,
                track_emotion::Relation::Track.def(),
            )
            .filter(track_emotion::Column::Dominant.ne(""))
            .order_by_desc(track::Column::Popularity)
            .order_by_asc(track_emotion::Column::TrackId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut bad = 0usize;
        let out: Vec<StoredVector> = rows
            .into_iter()
            .filter_map(|(track_id, blob, strength, popularity)| {
                let e = Emotion::from_bytes(&blob);
                if e.is_none() {
                    bad += 1;
                }
                e.map(|emotion| StoredVector {
                    track_id,
                    popularity,
                    strength,
                    emotion,
                })
            })
            .collect();
        if bad > 0 {
            tracing::warn!(bad, "skipped stored emotion vectors that do not decode");
        }
        Ok(out)
    }

    /// [`Catalog::track_infos`] for any number of tracks (queried in chunks that stay under the
    /// databases' bind-parameter limits).
    pub async fn track_infos_many(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, TrackInfo>, CatalogError> {
        if ids.len() > WHOLE_TABLE_ABOVE {
            return self.track_infos_by_scan(ids).await;
        }
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            out.extend(self.track_infos(chunk).await?);
        }
        Ok(out)
    }

    /// [`Catalog::track_infos`] for a large part of the catalog (the index's tracks at start-up):
    /// two whole-table reads instead of a thousand `IN (...)` queries per million tracks, which
    /// took 27 s of a 35 s start-up at 995,834 tracks.
    async fn track_infos_by_scan(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, TrackInfo>, CatalogError> {
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        let mut out: HashMap<i64, TrackInfo> = HashMap::with_capacity(ids.len());
        // Streamed, not collected: a million rows held at once would add to start-up memory.
        let mut rows = track::Entity::find()
            .select_only()
            .columns([
                track::Column::Id,
                track::Column::Name,
                track::Column::Popularity,
            ])
            .into_tuple::<(i64, String, i32)>()
            .stream(&self.db)
            .await?;
        while let Some((id, name, popularity)) = rows.try_next().await? {
            if wanted.contains(&id) {
                out.insert(
                    id,
                    TrackInfo {
                        id,
                        name,
                        artists: Vec::new(),
                        popularity,
                    },
                );
            }
        }
        drop(rows);
        let mut links = track_artist::Entity::find()
            .select_only()
            .column(track_artist::Column::TrackId)
            .column(artist::Column::Name)
            .join(
                sea_orm::JoinType::InnerJoin,
                track_artist::Relation::Artist.def(),
            )
            .order_by_asc(track_artist::Column::TrackId)
            .order_by_asc(track_artist::Column::Position)
            .into_tuple::<(i64, String)>()
            .stream(&self.db)
            .await?;
        while let Some((track_id, name)) = links.try_next().await? {
            if let Some(t) = out.get_mut(&track_id) {
                // Two processes importing one new artist at once can create it twice; show it once.
                if !t.artists.contains(&name) {
                    t.artists.push(name);
                }
            }
        }
        Ok(out)
    }

    /// Titles, artists and popularity of the given tracks, keyed by id.
    pub async fn track_infos(&self, ids: &[i64]) -> Result<HashMap<i64, TrackInfo>, CatalogError> {
        let mut out: HashMap<i64, TrackInfo> = HashMap::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(out);
        }
        for t in track::Entity::find()
            .filter(track::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?
        {
            out.insert(
                t.id,
                TrackInfo {
                    id: t.id,
                    name: t.name,
                    artists: Vec::new(),
                    popularity: t.popularity,
                },
            );
        }
        let links = track_artist::Entity::find()
            .filter(track_artist::Column::TrackId.is_in(ids.iter().copied()))
            .order_by_asc(track_artist::Column::Position)
            .find_also_related(artist::Entity)
            .all(&self.db)
            .await?;
        for (link, a) in links {
            if let (Some(t), Some(a)) = (out.get_mut(&link.track_id), a) {
                // Two processes importing one new artist at once can create it twice; show it once.
                if !t.artists.contains(&a.name) {
                    t.artists.push(a.name);
                }
            }
        }
        Ok(out)
    }

    /// Which of `ids` are stored playlists (a crawl skips those unless asked to refresh).
    pub async fn stored_playlists(&self, ids: &[i64]) -> Result<HashSet<i64>, CatalogError> {
        let mut out = HashSet::new();
        for chunk in ids.chunks(CHUNK) {
            let rows: Vec<i64> = playlist::Entity::find()
                .select_only()
                .column(playlist::Column::Id)
                .filter(playlist::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&self.db)
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Distinct ids of the tracks in the given playlists, ascending.
    pub async fn playlist_track_ids(&self, playlists: &[i64]) -> Result<Vec<i64>, CatalogError> {
        let mut out = HashSet::new();
        for chunk in playlists.chunks(CHUNK) {
            let rows: Vec<i64> = playlist_track::Entity::find()
                .select_only()
                .column(playlist_track::Column::TrackId)
                .filter(playlist_track::Column::PlaylistId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&self.db)
                .await?;
            out.extend(rows);
        }
        let mut out: Vec<i64> = out.into_iter().collect();
        out.sort_unstable();
        Ok(out)
    }

    /// Of `tracks`, those whose lyric was never fetched or (with `comments`) whose hot comments
    /// were never fetched, in id order.
    pub async fn crawl_todo(
        &self,
        tracks: &[i64],
        comments: bool,
    ) -> Result<Vec<TrackTodo>, CatalogError> {
        let mut out = Vec::new();
        for chunk in tracks.chunks(CHUNK) {
            let have_lyric: HashSet<i64> = lyric::Entity::find()
                .select_only()
                .column(lyric::Column::TrackId)
                .filter(lyric::Column::TrackId.is_in(chunk.iter().copied()))
                .into_tuple::<i64>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect();
            let have_comments: HashSet<i64> = if comments {
                crawl_mark::Entity::find()
                    .select_only()
                    .column(crawl_mark::Column::Id)
                    .filter(crawl_mark::Column::Kind.eq(MARK_COMMENTS))
                    .filter(crawl_mark::Column::Id.is_in(chunk.iter().copied()))
                    .into_tuple::<i64>()
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .collect()
            } else {
                HashSet::new()
            };
            for &id in chunk {
                let todo = TrackTodo {
                    track_id: id,
                    lyric: !have_lyric.contains(&id),
                    comments: comments && !have_comments.contains(&id),
                };
                if todo.lyric || todo.comments {
                    out.push(todo);
                }
            }
        }
        Ok(out)
    }

    /// Stores crawled lyrics and comments in one transaction: upserts by track and comment id,
    /// marks comments as fetched, and drops the touched tracks' labels so they get relabelled.
    pub async fn store_track_texts(&self, batch: &[FetchedTexts]) -> Result<(), CatalogError> {
        if batch.is_empty() {
            return Ok(());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let txn = self.db.begin().await?;
        let lyrics: Vec<lyric::ActiveModel> = batch
            .iter()
            .filter_map(|t| {
                t.lyric.as_ref().map(|l| lyric::ActiveModel {
                    track_id: sea_orm::Set(t.track_id),
                    content: sea_orm::Set(l.content.clone()),
                    instrumental: sea_orm::Set(l.instrumental),
                })
            })
            .collect();
        for chunk in lyrics.chunks(CHUNK) {
            lyric::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(lyric::Column::TrackId)
                        .update_columns([lyric::Column::Content, lyric::Column::Instrumental])
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        // A comment id appears once per insert statement (PostgreSQL refuses an upsert that
        // touches one row twice).
        let mut seen = HashSet::new();
        let comments: Vec<comment::ActiveModel> = batch
            .iter()
            .flat_map(|t| t.comments.iter().flatten().map(move |c| (t.track_id, c)))
            .filter(|(_, c)| seen.insert(c.id))
            .map(|(track_id, c)| comment::ActiveModel {
                id: sea_orm::Set(c.id),
                track_id: sea_orm::Set(track_id),
                content: sea_orm::Set(c.content.clone()),
                liked_count: sea_orm::Set(c.liked_count),
            })
            .collect();
        for chunk in comments.chunks(CHUNK) {
            comment::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(comment::Column::Id)
                        .update_columns([comment::Column::Content, comment::Column::LikedCount])
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        let marks: Vec<crawl_mark::ActiveModel> = batch
            .iter()
            .filter(|t| t.comments.is_some())
            .map(|t| crawl_mark::ActiveModel {
                kind: sea_orm::Set(MARK_COMMENTS.to_string()),
                id: sea_orm::Set(t.track_id),
                done_at: sea_orm::Set(now),
            })
            .collect();
        for chunk in marks.chunks(CHUNK) {
            crawl_mark::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([crawl_mark::Column::Kind, crawl_mark::Column::Id])
                        .update_column(crawl_mark::Column::DoneAt)
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        let touched: Vec<i64> = batch.iter().map(|t| t.track_id).collect();
        mark_stale(&txn, &touched).await?;
        Self::bump_version(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Marks the labels of `tracks` as stale (version 0): the next labelling run recomputes them,
/// and until then the old vectors keep serving, so a running bot never loses tracks mid-crawl.
async fn mark_stale<C: ConnectionTrait>(db: &C, tracks: &[i64]) -> Result<(), DbErr> {
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
async fn artist_ids<C: ConnectionTrait>(
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
