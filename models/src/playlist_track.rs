//! Membership of a track in a playlist.
use sea_orm::entity::prelude::*;

/// A playlist-track link.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "playlist_tracks")]
pub struct Model {
    /// The playlist.
    #[sea_orm(primary_key, auto_increment = false)]
    pub playlist_id: i64,
    /// The track.
    #[sea_orm(primary_key, auto_increment = false)]
    pub track_id: i64,
    /// Position in the playlist, 0 first.
    pub position: i32,
}

/// Relations of a link.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The playlist.
    #[sea_orm(
        belongs_to = "super::playlist::Entity",
        from = "Column::PlaylistId",
        to = "super::playlist::Column::Id"
    )]
    Playlist,
    /// The track.
    #[sea_orm(
        belongs_to = "super::track::Entity",
        from = "Column::TrackId",
        to = "super::track::Column::Id"
    )]
    Track,
}

impl Related<super::playlist::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Playlist.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
