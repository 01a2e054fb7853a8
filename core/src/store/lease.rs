//! The labelling lease: one labeller per database, however many processes share it.

use moodtune_models::catalog_meta;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::store::{Catalog, CatalogError};

/// Key in `catalog_meta` of the labelling lease.
const LEASE_KEY: &str = "label_lease";
/// How long a labelling lease lasts unless renewed (it is renewed after every batch).
const LEASE_SECS: i64 = 120;

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A name for this catalog handle: process id and a clock reading, unique enough for a lease.
pub(super) fn owner() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{nanos:09}", std::process::id())
}

impl Catalog {
    /// Claims (or renews) the labelling lease for `LEASE_SECS`: several processes may share one
    /// database, and only the holder labels, so the work is not done twice. Returns whether this
    /// catalog holds it. The lease is a row in `catalog_meta` whose value starts with its expiry
    /// (zero-padded Unix seconds, so text order is time order), so one conditional UPDATE claims it
    /// atomically on SQLite and PostgreSQL alike.
    pub async fn claim_label_lease(&self) -> Result<bool, CatalogError> {
        let now = unix_now();
        catalog_meta::Entity::insert(catalog_meta::ActiveModel {
            key: sea_orm::Set(LEASE_KEY.to_string()),
            value: sea_orm::Set(format!("{:012}:", 0)),
        })
        .on_conflict(
            OnConflict::column(catalog_meta::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        let mine = format!("{:012}:{}", now + LEASE_SECS, self.owner);
        let claimed = catalog_meta::Entity::update_many()
            .col_expr(
                catalog_meta::Column::Value,
                sea_orm::sea_query::Expr::value(mine),
            )
            .filter(catalog_meta::Column::Key.eq(LEASE_KEY))
            .filter(
                sea_orm::Condition::any()
                    .add(catalog_meta::Column::Value.lt(format!("{now:012}:")))
                    .add(catalog_meta::Column::Value.ends_with(format!(":{}", self.owner))),
            )
            .exec(&self.db)
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    /// Gives the labelling lease back (if held), so another process need not wait for it to expire.
    pub async fn release_label_lease(&self) -> Result<(), CatalogError> {
        catalog_meta::Entity::update_many()
            .col_expr(
                catalog_meta::Column::Value,
                sea_orm::sea_query::Expr::value(format!("{:012}:", 0)),
            )
            .filter(catalog_meta::Column::Key.eq(LEASE_KEY))
            .filter(catalog_meta::Column::Value.ends_with(format!(":{}", self.owner)))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
