//! Lyrics and hot comments: the texts a track is labelled from.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Lyrics {
    Table,
    TrackId,
    Content,
    Instrumental,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    TrackId,
    Content,
    LikedCount,
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
                .table(Lyrics::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Lyrics::TrackId)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Lyrics::Content).text().not_null())
                .col(
                    ColumnDef::new(Lyrics::Instrumental)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Lyrics::Table, Lyrics::TrackId)
                        .to(Tracks::Table, Tracks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Comments::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Comments::Id)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Comments::TrackId).big_integer().not_null())
                .col(ColumnDef::new(Comments::Content).text().not_null())
                .col(
                    ColumnDef::new(Comments::LikedCount)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Comments::Table, Comments::TrackId)
                        .to(Tracks::Table, Tracks::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_comments_track")
                .table(Comments::Table)
                .col(Comments::TrackId)
                .if_not_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Comments::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Lyrics::Table).to_owned())
            .await
    }
}
