//! A song, keyed by its NetEase song id.
use sea_orm::entity::prelude::*;

/// A track row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tracks")]
pub struct Model {
    /// NetEase song id (the link is `https://music.163.com/song?id=ID`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// Title as NetEase shows it.
    pub name: String,
    /// Album name, when known (the demo dump has none).
    pub album: Option<String>,
    /// NetEase popularity, 0..100; breaks ties between equally close tracks.
    pub popularity: i32,
}

/// Links to this table live on the link tables (`track_artists`, `playlist_tracks`, ...).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
