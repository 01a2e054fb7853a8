//! A mood moodtune read for a person (from a text or a photo), kept for their `/history`.
//! The message itself is never stored: only when, the mood, and whether it was a text or a photo.
use sea_orm::entity::prelude::*;

/// A listener-mood row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "listener_moods")]
pub struct Model {
    /// Row id (order of arrival).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The person: a salted hash of platform and user id, never the id itself.
    pub user_key: String,
    /// When, in Unix seconds.
    pub at: i64,
    /// 21 little-endian f32 in DLUT order, as `track_emotions.vector`.
    pub vector: Vec<u8>,
    /// `text`, `photo` or `cheer`.
    pub source: String,
}

/// Moods stand alone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
