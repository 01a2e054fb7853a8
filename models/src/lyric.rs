//! A track's lyric text, time tags and credit lines already stripped.
use sea_orm::entity::prelude::*;

/// A lyric row (at most one per track).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lyrics")]
pub struct Model {
    /// The track.
    #[sea_orm(primary_key, auto_increment = false)]
    pub track_id: i64,
    /// Plain lyric text; empty for instrumentals.
    pub content: String,
    /// NetEase said the track has no lyric (`nolyric`).
    pub instrumental: bool,
}

/// Relations of a lyric.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
