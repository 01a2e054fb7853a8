//! What the bot remembers about a person: the moods it read for them and their 👍/👎 on songs,
//! keyed by the engine's salted user key (the store never sees a platform id).

use moodtune_models::{listener_mood, listener_rating, track_emotion};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::store::{Catalog, CatalogError};

/// One remembered mood.
#[derive(Debug, Clone, PartialEq)]
pub struct MoodRow {
    /// When, in Unix seconds.
    pub at: i64,
    /// The vector's bytes (`Emotion::to_bytes`).
    pub vector: Vec<u8>,
    /// `text`, `photo` or `cheer`.
    pub source: String,
}

/// How many rows a deletion removed, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Removed {
    /// Moods.
    pub moods: u64,
    /// Ratings.
    pub ratings: u64,
}

impl Catalog {
    /// Remembers a mood read for `user`.
    pub async fn record_mood(
        &self,
        user: &str,
        at: i64,
        vector: Vec<u8>,
        source: &str,
    ) -> Result<(), CatalogError> {
        listener_mood::Entity::insert(listener_mood::ActiveModel {
            id: NotSet,
            user_key: Set(user.to_string()),
            at: Set(at),
            vector: Set(vector),
            source: Set(source.to_string()),
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Sets `user`'s verdict on a track (1 or -1); a new verdict replaces the old one.
    pub async fn set_rating(
        &self,
        user: &str,
        track_id: i64,
        verdict: i16,
        at: i64,
    ) -> Result<(), CatalogError> {
        listener_rating::Entity::insert(listener_rating::ActiveModel {
            user_key: Set(user.to_string()),
            track_id: Set(track_id),
            verdict: Set(verdict),
            at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([
                listener_rating::Column::UserKey,
                listener_rating::Column::TrackId,
            ])
            .update_columns([
                listener_rating::Column::Verdict,
                listener_rating::Column::At,
            ])
            .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Every verdict of `user`, as (track, verdict), newest first.
    pub async fn ratings_of(&self, user: &str) -> Result<Vec<(i64, i16)>, CatalogError> {
        Ok(listener_rating::Entity::find()
            .select_only()
            .columns([
                listener_rating::Column::TrackId,
                listener_rating::Column::Verdict,
            ])
            .filter(listener_rating::Column::UserKey.eq(user))
            .order_by_desc(listener_rating::Column::At)
            .order_by_desc(listener_rating::Column::TrackId)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The emotion vectors of `tracks` that have one, as (track, bytes).
    pub async fn track_vectors(&self, tracks: &[i64]) -> Result<Vec<(i64, Vec<u8>)>, CatalogError> {
        if tracks.is_empty() {
            return Ok(Vec::new());
        }
        Ok(track_emotion::Entity::find()
            .select_only()
            .columns([
                track_emotion::Column::TrackId,
                track_emotion::Column::Vector,
            ])
            .filter(track_emotion::Column::TrackId.is_in(tracks.iter().copied()))
            .filter(track_emotion::Column::Dominant.ne(""))
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// A page of `user`'s moods, newest first, and how many there are in all.
    pub async fn moods_of(
        &self,
        user: &str,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<MoodRow>, u64), CatalogError> {
        let query = listener_mood::Entity::find().filter(listener_mood::Column::UserKey.eq(user));
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(listener_mood::Column::At)
            .order_by_desc(listener_mood::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| MoodRow {
                at: r.at,
                vector: r.vector,
                source: r.source,
            })
            .collect();
        Ok((rows, total))
    }

    /// Deletes everything remembered about `user`.
    pub async fn forget_user(&self, user: &str) -> Result<Removed, CatalogError> {
        let moods = listener_mood::Entity::delete_many()
            .filter(listener_mood::Column::UserKey.eq(user))
            .exec(&self.db)
            .await?
            .rows_affected;
        let ratings = listener_rating::Entity::delete_many()
            .filter(listener_rating::Column::UserKey.eq(user))
            .exec(&self.db)
            .await?
            .rows_affected;
        Ok(Removed { moods, ratings })
    }

    /// Deletes every remembered mood and rating older than `before` (Unix seconds).
    pub async fn prune_memory(&self, before: i64) -> Result<Removed, CatalogError> {
        let moods = listener_mood::Entity::delete_many()
            .filter(listener_mood::Column::At.lt(before))
            .exec(&self.db)
            .await?
            .rows_affected;
        let ratings = listener_rating::Entity::delete_many()
            .filter(listener_rating::Column::At.lt(before))
            .exec(&self.db)
            .await?
            .rows_affected;
        Ok(Removed { moods, ratings })
    }
}
