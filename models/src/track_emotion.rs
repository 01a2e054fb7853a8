//! The labelled 21-dim emotion vector of a track, what the index is built from.
use sea_orm::entity::prelude::*;

/// A track-emotion row (at most one per track).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "track_emotions")]
pub struct Model {
    /// The track.
    #[sea_orm(primary_key, auto_increment = false)]
    pub track_id: i64,
    /// 21 little-endian f32 in DLUT order (84 bytes), softmaxed.
    pub vector: Vec<u8>,
    /// How convincingly the track carries its emotion (`label::track_strength`): among tracks with
    /// the same vector, the better-attested ones are recommended first.
    pub strength: f32,
    /// Dominant category code, for humans reading the table.
    pub dominant: String,
    /// Labeller version that produced the vector; a newer labeller relabels older rows.
    pub version: i32,
}

/// Relations of a track emotion.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The track.
    #[sea_orm(
        belongs_to = "super::track::Entity",
        from = "Column::TrackId",
        to = "super::track::Column::Id"
    )]
    Track,
}

impl Related<super::track::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Track.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
