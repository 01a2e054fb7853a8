//! Tracks, artists and who performs what.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tracks {
    Table,
    Id,
    Name,
    Album,
    Popularity,
}

#[derive(DeriveIden)]
enum Artists {
    Table,
    Id,
    Name,
    NeteaseId,
}

#[derive(DeriveIden)]
enum TrackArtists {
    Table,
    TrackId,
    ArtistId,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tracks::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Tracks::Id)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Tracks::Name).text().not_null())
                .col(ColumnDef::new(Tracks::Album).text().null())
                .col(
                    ColumnDef::new(Tracks::Popularity)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Artists::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Artists::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Artists::Name).text().not_null())
                .col(ColumnDef::new(Artists::NeteaseId).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_artists_name")
                .table(Artists::Table)
                .col(Artists::Name)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TrackArtists::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(TrackArtists::TrackId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TrackArtists::ArtistId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TrackArtists::Position)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .primary_key(
                    Index::create()
                        .col(TrackArtists::TrackId)
                        .col(TrackArtists::ArtistId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TrackArtists::Table, TrackArtists::TrackId)
                        .to(Tracks::Table, Tracks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TrackArtists::Table, TrackArtists::ArtistId)
                        .to(Artists::Table, Artists::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TrackArtists::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Artists::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Tracks::Table).to_owned())
            .await
    }
}
