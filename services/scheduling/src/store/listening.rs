//! Listening by polling: which accounts are polled, where each was read up to, and the lease
//! of the replica polling it. Unlike every other query here, `polled_accounts` spans every
//! tenant: it is the listener's work list, as claiming due posts is the dispatcher's.

use sqlx::Row;
use tagar_model::{AccountId, BrandId, Network, TenantId};
use tagar_store::{Store, StoreError, StoreTx};

use super::{corrupt, uuid};

/// An account listened to by polling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Polled {
    /// Its tenant.
    pub tenant: TenantId,
    /// The account.
    pub account: AccountId,
    /// Its brand.
    pub brand: BrandId,
    /// Its network.
    pub network: Network,
}

/// Every account linked to one of `networks` whose credentials work.
pub async fn polled_accounts(
    store: &Store,
    networks: &[Network],
) -> Result<Vec<Polled>, StoreError> {
    let rows = sqlx::query(
        "SELECT tenant_id, account_id, brand_id, network FROM scheduling_accounts \
         WHERE native_account_id <> '' AND needs_reconnect = '' ORDER BY tenant_id, account_id",
    )
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for row in &rows {
        let network: String = row.try_get("network")?;
        let network: Network = network
            .parse()
            .map_err(|e| corrupt("scheduling_accounts.network", e))?;
        if !networks.contains(&network) {
            continue;
        }
        out.push(Polled {
            tenant: TenantId::from_uuid(uuid(row, "tenant_id")?),
            account: AccountId::from_uuid(uuid(row, "account_id")?),
            brand: BrandId::from_uuid(uuid(row, "brand_id")?),
            network,
        });
    }
    Ok(out)
}

/// Takes (or renews) the lease on polling `account` for `owner` until `until_us`: its cursor
/// (`Some(None)` before the first look), or `None` while another replica holds it.
pub async fn lease(
    store: &Store,
    polled: &Polled,
    owner: &str,
    until_us: i64,
) -> Result<Option<Option<String>>, StoreError> {
    let now = tagar_store::now_us();
    sqlx::query(
        "INSERT INTO scheduling_listen_cursors (tenant_id, account_id, cursor, owner, lease_until_us, updated_at_us) \
         VALUES ($1, $2, NULL, $3, $4, $5) ON CONFLICT (tenant_id, account_id) DO UPDATE \
         SET owner = excluded.owner, lease_until_us = excluded.lease_until_us \
         WHERE scheduling_listen_cursors.owner = excluded.owner OR scheduling_listen_cursors.lease_until_us < $5",
    )
    .bind(polled.tenant.to_string())
    .bind(polled.account.to_string())
    .bind(owner)
    .bind(until_us)
    .bind(now)
    .execute(store.pool())
    .await?;
    let row = sqlx::query(
        "SELECT cursor, owner FROM scheduling_listen_cursors WHERE tenant_id = $1 AND account_id = $2",
    )
    .bind(polled.tenant.to_string())
    .bind(polled.account.to_string())
    .fetch_one(store.pool())
    .await?;
    let holder: String = row.try_get("owner")?;
    Ok((holder == owner)
        .then(|| row.try_get::<Option<String>, _>("cursor"))
        .transpose()?)
}

/// Stores where `account` was read up to, in `tx` (with the deliveries it read).
pub async fn save_cursor(
    tx: &mut StoreTx,
    polled: &Polled,
    cursor: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE scheduling_listen_cursors SET cursor = $3, updated_at_us = $4 WHERE tenant_id = $1 AND account_id = $2",
    )
    .bind(polled.tenant.to_string())
    .bind(polled.account.to_string())
    .bind(cursor)
    .bind(tagar_store::now_us())
    .execute(tx.conn())
    .await?;
    Ok(())
}
