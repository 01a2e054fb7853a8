//! A note that one step of a crawl finished for one item (for example `("comments", song id)`),
//! so an interrupted crawl resumes without asking again.
use sea_orm::entity::prelude::*;

/// A crawl mark row.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "crawl_marks")]
pub struct Model {
    /// What was done (`comments`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// The NetEase id it was done for.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// When, in Unix seconds.
    pub done_at: i64,
}

/// Marks stand alone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
