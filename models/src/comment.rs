//! A hot comment under a track; its liked count says how much listeners agree.
use sea_orm::entity::prelude::*;

/// A comment row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    /// NetEase comment id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// The track it was written under.
    pub track_id: i64,
    /// The comment text.
    pub content: String,
    /// Likes; the seed weighs a comment by `log(likes + 1)`.
    pub liked_count: i64,
}

/// Relations of a comment.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
