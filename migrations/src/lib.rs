//! Dated schema migrations of the moodtune catalog, applied at start-up by core.
//!
//! Each file is frozen once it lands: change the schema with a new dated file, never by editing an
//! old one, so every database (SQLite or PostgreSQL) reaches the same shape by the same steps.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_tracks;
mod m20261125_000002_create_playlists;
mod m20261125_000003_create_texts;
mod m20261125_000004_create_track_emotions;
mod m20261125_000005_create_crawl_marks;
mod m20261203_000006_create_listener_memory;

/// The list of migrations, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_tracks::Migration),
            Box::new(m20261125_000002_create_playlists::Migration),
            Box::new(m20261125_000003_create_texts::Migration),
            Box::new(m20261125_000004_create_track_emotions::Migration),
            Box::new(m20261125_000005_create_crawl_marks::Migration),
            Box::new(m20261203_000006_create_listener_memory::Migration),
        ]
    }
}
