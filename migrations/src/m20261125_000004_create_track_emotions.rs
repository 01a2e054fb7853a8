//! Labelled emotion vectors, and small facts about the catalog (its version, the demo load).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TrackEmotions {
    Table,
    TrackId,
    Vector,
    Strength,
    Dominant,
    Version,
}

#[derive(DeriveIden)]
enum CatalogMeta {
    Table,
    Key,
    Value,
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
                .table(TrackEmotions::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(TrackEmotions::TrackId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(TrackEmotions::Vector).binary().not_null())
                .col(
                    ColumnDef::new(TrackEmotions::Strength)
                        .float()
                        .not_null()
                        .default(0.0),
                )
                .col(
                    ColumnDef::new(TrackEmotions::Dominant)
                        .string_len(4)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TrackEmotions::Version)
                        .integer()
                        .not_null()
                        .default(1),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TrackEmotions::Table, TrackEmotions::TrackId)
                        .to(Tracks::Table, Tracks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CatalogMeta::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(CatalogMeta::Key)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(CatalogMeta::Value).text().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CatalogMeta::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TrackEmotions::Table).to_owned())
            .await
    }
}
