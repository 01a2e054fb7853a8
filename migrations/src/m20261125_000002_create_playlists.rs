//! Playlists (crowd text) and their tracks.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Playlists {
    Table,
    Id,
    Name,
    Collections,
    Category,
}

#[derive(DeriveIden)]
enum PlaylistTracks {
    Table,
    PlaylistId,
    TrackId,
    Position,
}

#[derive(DeriveIden)]
enum Tracks {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Playlists::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Playlists::Id)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Playlists::Name).text().not_null())
                .col(
                    ColumnDef::new(Playlists::Collections)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(ColumnDef::new(Playlists::Category).text().null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PlaylistTracks::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(PlaylistTracks::PlaylistId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PlaylistTracks::TrackId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PlaylistTracks::Position)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .primary_key(
                    Index::create()
                        .col(PlaylistTracks::PlaylistId)
                        .col(PlaylistTracks::TrackId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PlaylistTracks::Table, PlaylistTracks::PlaylistId)
                        .to(Playlists::Table, Playlists::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PlaylistTracks::Table, PlaylistTracks::TrackId)
                        .to(Tracks::Table, Tracks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_playlist_tracks_track")
                .table(PlaylistTracks::Table)
                .col(PlaylistTracks::TrackId)
                .if_not_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PlaylistTracks::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Playlists::Table).to_owned())
            .await
    }
}
