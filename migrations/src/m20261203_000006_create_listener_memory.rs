//! What moodtune remembers about a person: the moods it read for them and their 👍/👎 on songs.
//!
//! People are keys, never names: `user_key` is a salted hash of the platform and the platform's
//! user id (`engine::memory`), so the tables alone cannot say who anyone is. Every row has a time
//! (Unix seconds) so the retention setting can prune it.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ListenerMoods {
    Table,
    Id,
    UserKey,
    At,
    Vector,
    Source,
}

#[derive(DeriveIden)]
enum ListenerRatings {
    Table,
    UserKey,
    TrackId,
    Verdict,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ListenerMoods::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(ListenerMoods::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ListenerMoods::UserKey)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(ListenerMoods::At).big_integer().not_null())
                .col(ColumnDef::new(ListenerMoods::Vector).binary().not_null())
                .col(
                    ColumnDef::new(ListenerMoods::Source)
                        .string_len(8)
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_listener_moods_user_at")
                .table(ListenerMoods::Table)
                .col(ListenerMoods::UserKey)
                .col(ListenerMoods::At)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_listener_moods_at")
                .table(ListenerMoods::Table)
                .col(ListenerMoods::At)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ListenerRatings::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(ListenerRatings::UserKey)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ListenerRatings::TrackId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ListenerRatings::Verdict)
                        .small_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(ListenerRatings::At).big_integer().not_null())
                .primary_key(
                    Index::create()
                        .col(ListenerRatings::UserKey)
                        .col(ListenerRatings::TrackId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_listener_ratings_at")
                .table(ListenerRatings::Table)
                .col(ListenerRatings::At)
                .if_not_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ListenerRatings::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ListenerMoods::Table).to_owned())
            .await
    }
}
