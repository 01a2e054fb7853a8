//! What a crawl needs from the database: which playlists and texts are missing, and storing
//! what was fetched (a track's texts with their marks, in one transaction).

use std::collections::HashSet;

use moodtune_models::{comment, crawl_mark, lyric, playlist, playlist_track};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait};

use crate::store::{mark_stale, Catalog, CatalogError, CHUNK};

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

impl Catalog {
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
