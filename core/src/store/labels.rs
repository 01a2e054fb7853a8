//! Labelling's half in the database: the texts to label are read out, the vectors computed
//! elsewhere (`ingest::label`) are written back, and the index reads them all.

use std::collections::HashSet;

use futures_util::TryStreamExt;
use moodtune_models::{comment, lyric, playlist, playlist_track, track, track_emotion};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, TransactionTrait,
};

use crate::emotion::Emotion;
use crate::store::{Catalog, CatalogError, CHUNK};

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

/// The crowd texts of a batch of tracks, as stored.
#[derive(Debug, Clone, Default)]
pub struct StoredTexts {
    /// (track id, playlist id) of every playlist holding one of the tracks.
    pub playlists: Vec<(i64, i64)>,
    /// (track id, lyric text).
    pub lyrics: Vec<(i64, String)>,
    /// (track id, comment text, likes).
    pub comments: Vec<(i64, String, i64)>,
}

/// One track's label, as the labeller computed it: `None` when its texts carry no emotion
/// (stored as such, so the track is not labelled again, and not indexed).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelRow {
    /// The track.
    pub track_id: i64,
    /// Its emotion.
    pub emotion: Option<Emotion>,
    /// How convincingly it carries it (orders tracks that share a vector).
    pub strength: f32,
}

impl Catalog {
    /// Tracks whose label was written by labeller `version` or later.
    pub async fn labelled_since(&self, version: i32) -> Result<HashSet<i64>, CatalogError> {
        Ok(track_emotion::Entity::find()
            .select_only()
            .column(track_emotion::Column::TrackId)
            .filter(track_emotion::Column::Version.gte(version))
            .into_tuple::<i64>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect())
    }

    /// Every playlist: (id, name, times saved).
    pub async fn playlist_names(&self) -> Result<Vec<(i64, String, i64)>, CatalogError> {
        Ok(playlist::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name, p.collections))
            .collect())
    }

    /// Every (playlist id, track id) membership, streamed: the playlist graph that labelling
    /// propagates moods over, and that `eval songs` checks songs against.
    pub async fn memberships(&self) -> Result<Vec<(i64, i64)>, CatalogError> {
        let mut rows = playlist_track::Entity::find()
            .select_only()
            .columns([
                playlist_track::Column::PlaylistId,
                playlist_track::Column::TrackId,
            ])
            .into_tuple::<(i64, i64)>()
            .stream(&self.db)
            .await?;
        let mut out = Vec::new();
        while let Some(pair) = rows.try_next().await? {
            out.push(pair);
        }
        Ok(out)
    }

    /// Up to `limit` tracks with ids above `after`, in id order: (id, title).
    pub async fn tracks_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, String)>, CatalogError> {
        Ok(track::Entity::find()
            .select_only()
            .columns([track::Column::Id, track::Column::Name])
            .filter(track::Column::Id.gt(after))
            .order_by_asc(track::Column::Id)
            .limit(limit as u64)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The playlists, lyrics and comments of `ids`.
    pub async fn texts_of(&self, ids: &[i64]) -> Result<StoredTexts, CatalogError> {
        let playlists = playlist_track::Entity::find()
            .select_only()
            .columns([
                playlist_track::Column::TrackId,
                playlist_track::Column::PlaylistId,
            ])
            .filter(playlist_track::Column::TrackId.is_in(ids.iter().copied()))
            .into_tuple::<(i64, i64)>()
            .all(&self.db)
            .await?;
        let lyrics = lyric::Entity::find()
            .filter(lyric::Column::TrackId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| (l.track_id, l.content))
            .collect();
        let comments = comment::Entity::find()
            .filter(comment::Column::TrackId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.track_id, c.content, c.liked_count))
            .collect();
        Ok(StoredTexts {
            playlists,
            lyrics,
            comments,
        })
    }

    /// Writes `rows` as labeller `version`'s labels, in one transaction (a label replaces the
    /// track's previous one). Call [`Catalog::labels_changed`] when a run wrote any.
    pub async fn write_labels(&self, rows: &[LabelRow], version: i32) -> Result<(), CatalogError> {
        let models: Vec<track_emotion::ActiveModel> = rows
            .iter()
            .map(|r| {
                let (vector, dominant) = match &r.emotion {
                    Some(e) => (e.to_bytes(), e.dominant().code().to_string()),
                    None => (Vec::new(), String::new()),
                };
                track_emotion::ActiveModel {
                    track_id: sea_orm::Set(r.track_id),
                    vector: sea_orm::Set(vector),
                    strength: sea_orm::Set(r.strength),
                    dominant: sea_orm::Set(dominant),
                    version: sea_orm::Set(version),
                }
            })
            .collect();
        let txn = self.db.begin().await?;
        for chunk in models.chunks(CHUNK) {
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
        Ok(())
    }

    /// Tells the processes sharing this catalog that labels changed (their indexes reload).
    pub async fn labels_changed(&self) -> Result<(), CatalogError> {
        Ok(Self::bump_version(&self.db).await?)
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
}
