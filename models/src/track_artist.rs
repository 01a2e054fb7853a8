//! Which artists perform a track, in credit order.
use sea_orm::entity::prelude::*;

/// A track-artist link.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "track_artists")]
pub struct Model {
    /// The track.
    #[sea_orm(primary_key, auto_increment = false)]
    pub track_id: i64,
    /// The artist.
    #[sea_orm(primary_key, auto_increment = false)]
    pub artist_id: i64,
    /// Credit order, 0 first.
    pub position: i32,
}

/// Relations of a link.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The track.
    #[sea_orm(
        belongs_to = "super::track::Entity",
        from = "Column::TrackId",
        to = "super::track::Column::Id"
    )]
    Track,
    /// The artist.
    #[sea_orm(
        belongs_to = "super::artist::Entity",
        from = "Column::ArtistId",
        to = "super::artist::Column::Id"
    )]
    Artist,
}

impl Related<super::artist::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Artist.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
