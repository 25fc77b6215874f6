//! Scheduling's SQL: the brand, account and post read models (each written by its
//! aggregate's projection, in the transaction that records its events), their queries, and
//! claiming due posts. Every query filters on the tenant, except the dispatcher's claim,
//! which works for all.

use sqlx::Row;
use sqlx::any::AnyRow;
use tagar_model::{AccountId, BrandId, Network, TenantId};
use tagar_store::{Store, StoreError};
use uuid::Uuid;

mod brands;
mod chats;
pub mod credentials;
pub mod listening;
mod posts;

pub use brands::{AccountRows, BrandRows};
pub use chats::{ChatRows, chat_tag_at, list_chats, post_states};
pub use posts::{
    PostRows, any_due, claim_due, counts_due, held_posts, list_posts, posts_of_account_between,
};

/// A brand as the read model holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandRow {
    /// Its id.
    pub brand_id: BrandId,
    /// Its name.
    pub name: String,
    /// Its IANA zone.
    pub time_zone: String,
    /// Its queue's pause, while paused.
    pub pause: Option<crate::domain::Pause>,
    /// Its aggregate's version.
    pub version: u64,
}

/// A social account as the read model holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// Its id.
    pub account_id: AccountId,
    /// Its brand.
    pub brand_id: BrandId,
    /// Its network.
    pub network: Network,
    /// Its handle.
    pub handle: String,
    /// The network's id of it when linked to its network; empty on the loopback network.
    pub native_account_id: String,
    /// Why its credentials were refused; empty while they work.
    pub needs_reconnect: String,
}

/// A scheduled post whose time has come, claimed by a dispatcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The tenant.
    pub tenant: TenantId,
    /// The post.
    pub post_id: Uuid,
    /// The version the read model holds.
    pub version: u64,
}

pub(crate) fn corrupt(field: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        field,
        reason: reason.to_string(),
    }
}

pub(crate) fn uuid(row: &AnyRow, column: &'static str) -> Result<Uuid, StoreError> {
    let text: String = row.try_get(column)?;
    Uuid::parse_str(&text).map_err(|e| corrupt(column, e))
}

fn brand_row(row: &AnyRow) -> Result<BrandRow, StoreError> {
    let pause = match row.try_get::<Option<i64>, _>("paused_at_us")? {
        None => None,
        Some(us) => Some(crate::domain::Pause {
            crisis_id: Some(row.try_get::<String, _>("pause_crisis_id")?).filter(|c| !c.is_empty()),
            reason: row.try_get("pause_reason")?,
            by: row.try_get("paused_by")?,
            at: chrono::DateTime::from_timestamp_micros(us)
                .ok_or_else(|| corrupt("scheduling_brands.paused_at_us", us))?,
        }),
    };
    Ok(BrandRow {
        brand_id: BrandId::from_uuid(uuid(row, "brand_id")?),
        name: row.try_get("name")?,
        time_zone: row.try_get("time_zone")?,
        pause,
        version: row.try_get::<i64, _>("version")?.max(1) as u64,
    })
}

/// The columns `brand_row` reads.
const BRAND_COLUMNS: &str =
    "brand_id, name, time_zone, paused_at_us, pause_crisis_id, pause_reason, paused_by, version";

/// The tenant's brands, oldest first.
pub async fn list_brands(store: &Store, tenant: TenantId) -> Result<Vec<BrandRow>, StoreError> {
    let sql = format!(
        "SELECT {BRAND_COLUMNS} FROM scheduling_brands WHERE tenant_id = $1 ORDER BY created_at_us, brand_id"
    );
    let rows = sqlx::query(&sql)
        .bind(tenant.to_string())
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(brand_row).collect()
}

/// One of the tenant's brands.
pub async fn get_brand(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
) -> Result<Option<BrandRow>, StoreError> {
    let sql = format!(
        "SELECT {BRAND_COLUMNS} FROM scheduling_brands WHERE tenant_id = $1 AND brand_id = $2"
    );
    let row = sqlx::query(&sql)
        .bind(tenant.to_string())
        .bind(brand.to_string())
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(brand_row).transpose()
}

fn account_row(row: &AnyRow) -> Result<AccountRow, StoreError> {
    let network: String = row.try_get("network")?;
    Ok(AccountRow {
        account_id: AccountId::from_uuid(uuid(row, "account_id")?),
        brand_id: BrandId::from_uuid(uuid(row, "brand_id")?),
        network: network
            .parse()
            .map_err(|e| corrupt("scheduling_accounts.network", e))?,
        handle: row.try_get("handle")?,
        native_account_id: row.try_get("native_account_id")?,
        needs_reconnect: row.try_get("needs_reconnect")?,
    })
}

/// The tenant's accounts, of one brand or of all, by brand and then oldest first.
pub async fn list_accounts(
    store: &Store,
    tenant: TenantId,
    brand: Option<BrandId>,
) -> Result<Vec<AccountRow>, StoreError> {
    let rows = match brand {
        Some(brand) => sqlx::query(
            "SELECT account_id, brand_id, network, handle, native_account_id, needs_reconnect FROM scheduling_accounts \
             WHERE tenant_id = $1 AND brand_id = $2 ORDER BY connected_at_us, account_id",
        )
        .bind(tenant.to_string())
        .bind(brand.to_string()),
        None => sqlx::query(
            "SELECT account_id, brand_id, network, handle, native_account_id, needs_reconnect FROM scheduling_accounts \
             WHERE tenant_id = $1 ORDER BY brand_id, connected_at_us, account_id",
        )
        .bind(tenant.to_string()),
    }
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(account_row).collect()
}

/// One of the tenant's accounts.
pub async fn get_account(
    store: &Store,
    tenant: TenantId,
    account: AccountId,
) -> Result<Option<AccountRow>, StoreError> {
    let row = sqlx::query(
        "SELECT account_id, brand_id, network, handle, native_account_id, needs_reconnect FROM scheduling_accounts WHERE tenant_id = $1 AND account_id = $2",
    )
    .bind(tenant.to_string())
    .bind(account.to_string())
    .fetch_optional(store.pool())
    .await?;
    row.as_ref().map(account_row).transpose()
}

/// Whether `consumer` recorded `event_id` as processed.
pub async fn was_processed(
    store: &Store,
    consumer: &str,
    event_id: Uuid,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM processed_events WHERE consumer = $1 AND event_id = $2",
    )
    .bind(consumer)
    .bind(event_id.to_string())
    .fetch_one(store.pool())
    .await?;
    Ok(n > 0)
}
