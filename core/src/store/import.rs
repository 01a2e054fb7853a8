//! Importing playlists (from a dump or a crawl) with their tracks and artists, idempotently.

use std::collections::{HashMap, HashSet};

use moodtune_models::{artist, playlist, playlist_track, track, track_artist};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, TransactionTrait};

use crate::store::{artist_ids, mark_stale, Catalog, CatalogError, CHUNK};

/// A track as listed in a dump.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpTrack {
    /// NetEase song id.
    pub id: i64,
    /// Song title.
    pub name: String,
    /// Artist names in credit order.
    pub artists: Vec<String>,
    /// NetEase popularity 0..100.
    pub popularity: i32,
    /// Album name, when the source knows it (crawls do, dumps do not).
    pub album: Option<String>,
}

/// A playlist and its tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpPlaylist {
    /// NetEase playlist id.
    pub id: i64,
    /// Its name (crowd text).
    pub name: String,
    /// Times saved.
    pub collections: i64,
    /// The NetEase category it was listed under, when crawled by category.
    pub category: Option<String>,
    /// Tracks in playlist order.
    pub tracks: Vec<DumpTrack>,
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

impl Catalog {
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
        let mut tracks: Vec<&DumpTrack> = Vec::new();
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
}
