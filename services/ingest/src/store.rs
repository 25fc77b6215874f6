//! Ingest's SQL: the listening rules' read model with its per-tenant version. Every query
//! filters on the tenant.

use async_trait::async_trait;
use sqlx::{AnyConnection, Row};
use tagar_kernel::{Change, CommandError, Projection, Refusal};
use tagar_model::{BrandId, Network, TenantId};
use tagar_store::{MigrationSet, Store, StoreError, StoreTx};
use uuid::Uuid;

use crate::domain::{ListeningRule, Pattern, RULE_EXISTS, RuleEvent, RuleKind, RuleState};

/// Ingest's tables, numbered 1000–1999.
pub static MIGRATIONS: MigrationSet = MigrationSet {
    name: "ingest",
    postgres: || sqlx::migrate!("./migrations/postgres"),
    sqlite: || sqlx::migrate!("./migrations/sqlite"),
};

/// Writes `ingest_rules` as rules are added and removed, and bumps the tenant's rules version
/// so every replica recompiles its matcher. A brand has one rule per kind and pattern (a
/// unique index): a second is refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleRows;

#[async_trait]
impl Projection<RuleState> for RuleRows {
    async fn project(
        &self,
        tx: &mut StoreTx,
        change: &Change<'_, RuleState>,
    ) -> Result<(), CommandError> {
        let tenant = change.after.tenant;
        for event in change.events {
            match event {
                RuleEvent::Added(rule) => {
                    if insert_rule(tx, tenant, rule).await? == RuleInsert::Duplicate {
                        return Err(CommandError::Refused(Refusal::duplicate(RULE_EXISTS)));
                    }
                }
                RuleEvent::Removed { rule_id, .. } => delete_rule(tx, tenant, *rule_id).await?,
            }
        }
        bump_rules_version(tx, tenant).await?;
        Ok(())
    }
}

/// Whether inserting a rule's row found the same pattern on the brand already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleInsert {
    /// Inserted.
    Inserted,
    /// The brand has a rule of that kind and pattern already.
    Duplicate,
}

/// Adds an active rule to the read model.
async fn insert_rule(
    tx: &mut StoreTx,
    tenant: TenantId,
    rule: &ListeningRule,
) -> Result<RuleInsert, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO ingest_rules (tenant_id, rule_id, brand_id, kind, pattern, created_at_us) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, brand_id, kind, pattern) DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(rule.rule_id.to_string())
    .bind(rule.brand_id.to_string())
    .bind(rule.kind.as_str())
    .bind(rule.pattern.to_stored(rule.kind))
    .bind(tagar_store::now_us())
    .execute(tx.conn())
    .await?;
    Ok(if inserted.rows_affected() == 1 {
        RuleInsert::Inserted
    } else {
        RuleInsert::Duplicate
    })
}

/// Removes a rule from the read model.
async fn delete_rule(tx: &mut StoreTx, tenant: TenantId, rule_id: Uuid) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM ingest_rules WHERE tenant_id = $1 AND rule_id = $2")
        .bind(tenant.to_string())
        .bind(rule_id.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Bumps the tenant's rules version, so every replica recompiles its matcher.
async fn bump_rules_version(tx: &mut StoreTx, tenant: TenantId) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ingest_rule_versions (tenant_id, version) VALUES ($1, 1) \
         ON CONFLICT (tenant_id) DO UPDATE SET version = ingest_rule_versions.version + 1",
    )
    .bind(tenant.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The tenant's rules version (0 before its first rule).
pub async fn rules_version(store: &Store, tenant: TenantId) -> Result<i64, StoreError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT version FROM ingest_rule_versions WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_optional(store.pool())
            .await?;
    Ok(version.unwrap_or(0))
}

/// The tenant's active rules, of one brand or of all, in the order they were added.
pub async fn active_rules(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: Option<BrandId>,
) -> Result<Vec<ListeningRule>, StoreError> {
    let rows = match brand {
        Some(brand) => {
            sqlx::query(
                "SELECT rule_id, brand_id, kind, pattern FROM ingest_rules \
             WHERE tenant_id = $1 AND brand_id = $2 ORDER BY rule_id",
            )
            .bind(tenant.to_string())
            .bind(brand.to_string())
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT rule_id, brand_id, kind, pattern FROM ingest_rules \
             WHERE tenant_id = $1 ORDER BY rule_id",
            )
            .bind(tenant.to_string())
            .fetch_all(&mut *conn)
            .await?
        }
    };
    rows.iter().map(rule_from_row).collect()
}

fn rule_from_row(row: &sqlx::any::AnyRow) -> Result<ListeningRule, StoreError> {
    let corrupt = |field: &'static str, reason: String| StoreError::Corrupt { field, reason };
    let rule_id: String = row.try_get(0)?;
    let brand_id: String = row.try_get(1)?;
    let kind: String = row.try_get(2)?;
    let pattern: String = row.try_get(3)?;
    let kind = RuleKind::parse(&kind)
        .ok_or_else(|| corrupt("ingest_rules.kind", format!("unknown kind {kind:?}")))?;
    Ok(ListeningRule {
        rule_id: Uuid::parse_str(&rule_id)
            .map_err(|e| corrupt("ingest_rules.rule_id", e.to_string()))?,
        brand_id: BrandId::parse(&brand_id)
            .map_err(|e| corrupt("ingest_rules.brand_id", e.to_string()))?,
        kind,
        pattern: Pattern::parse(kind, &pattern)
            .map_err(|e| corrupt("ingest_rules.pattern", e.to_string()))?,
    })
}

/// Records that `brand` of `tenant` exists (again: no change).
pub async fn remember_brand(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ingest_brands (tenant_id, brand_id, created_at_us) VALUES ($1, $2, $3) \
         ON CONFLICT (tenant_id, brand_id) DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(tagar_store::now_us())
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Whether `brand` of `tenant` exists, as far as ingest has heard.
pub async fn brand_exists(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
) -> Result<bool, StoreError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT brand_id FROM ingest_brands WHERE tenant_id = $1 AND brand_id = $2",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .fetch_optional(store.pool())
    .await?;
    Ok(found.is_some())
}

/// How many active rules `tenant` has.
pub async fn rule_count(store: &Store, tenant: TenantId) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ingest_rules WHERE tenant_id = $1",
        )
        .bind(tenant.to_string())
        .fetch_one(store.pool())
        .await?,
    )
}

/// Remembers that `account` of `brand` is linked to its network as `native_id` (a new
/// link replaces the old one: a reconnect to the same account).
pub async fn remember_linked_account(
    store: &Store,
    tenant: TenantId,
    account: &str,
    brand: BrandId,
    network: Network,
    native_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ingest_linked_accounts (tenant_id, account_id, brand_id, network, native_account_id, linked_at_us) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, account_id) \
         DO UPDATE SET native_account_id = excluded.native_account_id",
    )
    .bind(tenant.to_string())
    .bind(account)
    .bind(brand.to_string())
    .bind(network.as_str())
    .bind(native_id)
    .bind(tagar_store::now_us())
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Points a linked account at `native_id` (it was reconnected).
pub async fn relink_account(
    store: &Store,
    tenant: TenantId,
    account: &str,
    native_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE ingest_linked_accounts SET native_account_id = $3 WHERE tenant_id = $1 AND account_id = $2",
    )
    .bind(tenant.to_string())
    .bind(account)
    .bind(native_id)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Every account linked to `network`: its tenant, its network id and its brand.
pub async fn linked_accounts(
    store: &Store,
    network: Network,
) -> Result<Vec<(TenantId, String, BrandId)>, StoreError> {
    let rows = sqlx::query(
        "SELECT tenant_id, native_account_id, brand_id FROM ingest_linked_accounts WHERE network = $1",
    )
    .bind(network.as_str())
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let tenant: String = row.try_get("tenant_id")?;
            let tenant = TenantId::parse(&tenant).map_err(|e| StoreError::Corrupt {
                field: "ingest_linked_accounts.tenant_id",
                reason: e.to_string(),
            })?;
            let brand: String = row.try_get("brand_id")?;
            let brand = BrandId::parse(&brand).map_err(|e| StoreError::Corrupt {
                field: "ingest_linked_accounts.brand_id",
                reason: e.to_string(),
            })?;
            Ok((tenant, row.try_get("native_account_id")?, brand))
        })
        .collect()
}

/// Takes or renews the lease on reading `firehose` for `owner` until `until_us`: the stored
/// cursor (`Some(None)` before the first) when the lease is `owner`'s, `None` while another
/// replica holds it.
pub async fn lease_firehose(
    store: &Store,
    firehose: &str,
    owner: &str,
    until_us: i64,
) -> Result<Option<Option<i64>>, StoreError> {
    let now = tagar_store::now_us();
    sqlx::query(
        "INSERT INTO ingest_firehose_cursors (firehose, seq, owner, lease_until_us, updated_at_us) \
         VALUES ($1, NULL, $2, $3, $4) ON CONFLICT (firehose) DO UPDATE \
         SET owner = excluded.owner, lease_until_us = excluded.lease_until_us \
         WHERE ingest_firehose_cursors.owner = excluded.owner OR ingest_firehose_cursors.lease_until_us < $4",
    )
    .bind(firehose)
    .bind(owner)
    .bind(until_us)
    .bind(now)
    .execute(store.pool())
    .await?;
    let row = sqlx::query("SELECT seq, owner FROM ingest_firehose_cursors WHERE firehose = $1")
        .bind(firehose)
        .fetch_one(store.pool())
        .await?;
    let holder: String = row.try_get("owner")?;
    Ok((holder == owner)
        .then(|| row.try_get::<Option<i64>, _>("seq"))
        .transpose()?)
}

/// Stores how far `owner` has taken `firehose` in, and renews its lease; `false` when the
/// lease was lost to another replica (then it stops reading).
pub async fn save_firehose_cursor(
    store: &Store,
    firehose: &str,
    owner: &str,
    seq: i64,
    until_us: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE ingest_firehose_cursors SET seq = $3, lease_until_us = $4, updated_at_us = $5 \
         WHERE firehose = $1 AND owner = $2",
    )
    .bind(firehose)
    .bind(owner)
    .bind(seq)
    .bind(until_us)
    .bind(tagar_store::now_us())
    .execute(store.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}
