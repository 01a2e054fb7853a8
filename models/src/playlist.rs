//! A NetEase playlist; its name is crowd-written text about the mood of its tracks.
use sea_orm::entity::prelude::*;

/// A playlist row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "playlists")]
pub struct Model {
    /// NetEase playlist id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// The name its author gave it.
    pub name: String,
    /// Times saved by listeners: how much the crowd agrees with it.
    pub collections: i64,
    /// The NetEase category it was found under, when crawled by category.
    pub category: Option<String>,
}

/// Links to this table live on the link tables (`track_artists`, `playlist_tracks`, ...).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
