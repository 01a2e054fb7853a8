//! Crawl bookkeeping: which tracks already had their hot comments fetched, so that a crawl that
//! was interrupted resumes where it stopped instead of asking NetEase again. (Lyrics need no mark:
//! a `lyrics` row, even an empty one for an instrumental, says the lyric was fetched.)
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CrawlMarks {
    Table,
    Kind,
    Id,
    DoneAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CrawlMarks::Table)
                .if_not_exists()
                .col(ColumnDef::new(CrawlMarks::Kind).string_len(16).not_null())
                .col(ColumnDef::new(CrawlMarks::Id).big_integer().not_null())
                .col(ColumnDef::new(CrawlMarks::DoneAt).big_integer().not_null())
                .primary_key(Index::create().col(CrawlMarks::Kind).col(CrawlMarks::Id))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CrawlMarks::Table).to_owned())
            .await
    }
}
