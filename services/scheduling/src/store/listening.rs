//! Listening by polling: which accounts are polled, where each was read up to, the lease of
//! the replica polling it, and the brands' search terms. Unlike every other query here, `polled_accounts` spans every
//! tenant: it is the listener's work list, as claiming due posts is the dispatcher's.

use sqlx::Row;
use tagar_model::{AccountId, BrandId, Network, TenantId};
use tagar_networks::SearchTerm;
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

/// Where an account's listening was read up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursors {
    /// Its mentions; `None` before the first look.
    pub mentions: Option<String>,
    /// Its brand's search terms; `None` before the first search.
    pub search: Option<String>,
}

/// Takes (or renews) the lease on polling `account` for `owner` until `until_us`: its
/// cursors, or `None` while another replica holds it.
pub async fn lease(
    store: &Store,
    polled: &Polled,
    owner: &str,
    until_us: i64,
) -> Result<Option<Cursors>, StoreError> {
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
        "SELECT cursor, search_cursor, owner FROM scheduling_listen_cursors WHERE tenant_id = $1 AND account_id = $2",
    )
    .bind(polled.tenant.to_string())
    .bind(polled.account.to_string())
    .fetch_one(store.pool())
    .await?;
    let holder: String = row.try_get("owner")?;
    if holder != owner {
        return Ok(None);
    }
    Ok(Some(Cursors {
        mentions: row.try_get("cursor")?,
        search: row.try_get("search_cursor")?,
    }))
}

/// Stores where `account` was read up to, in `tx` (with the deliveries it read); a cursor
/// that is `None` stays as it was.
pub async fn save_cursors(
    tx: &mut StoreTx,
    polled: &Polled,
    cursors: &Cursors,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE scheduling_listen_cursors SET cursor = COALESCE($3, cursor), \
         search_cursor = COALESCE($4, search_cursor), updated_at_us = $5 \
         WHERE tenant_id = $1 AND account_id = $2",
    )
    .bind(polled.tenant.to_string())
    .bind(polled.account.to_string())
    .bind(cursors.mentions.as_deref())
    .bind(cursors.search.as_deref())
    .bind(tagar_store::now_us())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The brand's search terms, from its listening rules, in the order they were made.
pub async fn search_terms(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
) -> Result<Vec<SearchTerm>, StoreError> {
    let rows = sqlx::query(
        "SELECT kind, term FROM scheduling_search_terms WHERE tenant_id = $1 AND brand_id = $2 ORDER BY rule_id",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .fetch_all(store.pool())
    .await?;
    let mut terms = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        let term: String = row.try_get("term")?;
        terms.push(match kind.as_str() {
            "hashtag" => SearchTerm::Hashtag(term),
            "handle" => SearchTerm::Handle(term),
            "keyword" => SearchTerm::Keyword(term),
            other => return Err(corrupt("scheduling_search_terms.kind", other)),
        });
    }
    Ok(terms)
}

/// Keeps rule `rule_id` of `brand` as a search term (again: no change).
pub async fn remember_term(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    rule_id: &str,
    term: &SearchTerm,
) -> Result<(), StoreError> {
    let (kind, text) = match term {
        SearchTerm::Hashtag(t) => ("hashtag", t),
        SearchTerm::Handle(t) => ("handle", t),
        SearchTerm::Keyword(t) => ("keyword", t),
    };
    sqlx::query(
        "INSERT INTO scheduling_search_terms (tenant_id, rule_id, brand_id, kind, term) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, rule_id) DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(rule_id)
    .bind(brand.to_string())
    .bind(kind)
    .bind(text)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Forgets rule `rule_id`'s search term.
pub async fn forget_term(store: &Store, tenant: TenantId, rule_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM scheduling_search_terms WHERE tenant_id = $1 AND rule_id = $2")
        .bind(tenant.to_string())
        .bind(rule_id)
        .execute(store.pool())
        .await?;
    Ok(())
}
