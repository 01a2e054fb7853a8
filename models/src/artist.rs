//! A performer; the demo dump knows artists by name only.
use sea_orm::entity::prelude::*;

/// An artist row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "artists")]
pub struct Model {
    /// Our own id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Display name.
    pub name: String,
    /// NetEase artist id, when a crawler has seen it.
    pub netease_id: Option<i64>,
}

/// Links to this table live on the link tables (`track_artists`, `playlist_tracks`, ...).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
