//! A person's 👍 or 👎 on one song: the last verdict wins, so one row per person and song.
use sea_orm::entity::prelude::*;

/// A listener-rating row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "listener_ratings")]
pub struct Model {
    /// The person: a salted hash of platform and user id, never the id itself.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_key: String,
    /// The NetEase song id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub track_id: i64,
    /// 1 for 👍, -1 for 👎.
    pub verdict: i16,
    /// When it was last set, in Unix seconds (retention counts from here).
    pub at: i64,
}

/// Ratings name a track by id but do not depend on it (a rating outlives a re-import).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
