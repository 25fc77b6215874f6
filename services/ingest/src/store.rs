//! Ingest's SQL: the seen-posts table behind the duplicate drop, and the listening rules'
//! read model with its per-tenant version. Every query filters on the tenant.

use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;
use sqlx::{AnyConnection, Row};
use tagar_kernel::{Change, CommandError, Projection, Refusal};
use tagar_model::{BrandId, Network, TenantId};
use tagar_store::{
    BulkInsert, Dialect, MAX_ROWS_PER_STATEMENT, MigrationSet, Placeholders, Store, StoreError,
    StoreTx,
};
use uuid::Uuid;

use crate::domain::{ListeningRule, Pattern, RULE_EXISTS, RuleEvent, RuleKind, RuleState};

/// Ingest's tables, numbered 1000–1999.
pub static MIGRATIONS: MigrationSet = MigrationSet {
    name: "ingest",
    postgres: || sqlx::migrate!("./migrations/postgres"),
    sqlite: || sqlx::migrate!("./migrations/sqlite"),
};

/// A post's identity for the duplicate drop: `(network, native id)`.
pub type SeenKey = (&'static str, String);

/// What claiming a batch's posts found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// Claimed now: the posts to publish.
    pub claimed: HashSet<SeenKey>,
    /// Claimed by another delivery that has not published them yet (and whose claim is not
    /// stale): neither new nor duplicates; the caller must try them again later.
    pub pending: HashSet<SeenKey>,
}

/// Claims the posts of `keys` (distinct) for `tenant`: inserts the ones never seen, and
/// takes over claims older than `stale_before_us` that were never published. Returns the
/// keys claimed (the posts to publish) and those another delivery holds unpublished. All or
/// nothing: one transaction, taking its row locks in key order, so two replicas claiming
/// overlapping batches never deadlock.
pub async fn claim_seen(
    store: &Store,
    tenant: TenantId,
    keys: &[SeenKey],
    now_us: i64,
    stale_before_us: i64,
) -> Result<Claims, StoreError> {
    let tenant_id = tenant;
    let tenant = tenant.to_string();
    let mut ordered: Vec<&SeenKey> = keys.iter().collect();
    ordered.sort_unstable();
    let mut claimed = HashSet::with_capacity(keys.len());
    let claim = BulkInsert::new(
        store.dialect(),
        "INSERT INTO ingest_seen (tenant_id, network, native_id, claimed_at_us, published_at_us)",
        5,
    )
    .tail(&[
        " ON CONFLICT (tenant_id, network, native_id) DO UPDATE \
         SET claimed_at_us = excluded.claimed_at_us \
         WHERE ingest_seen.published_at_us = 0 AND ingest_seen.claimed_at_us < ",
        " RETURNING network, native_id",
    ]);
    let mut tx = store.begin().await?;
    for chunk in ordered.chunks(claim.rows_per_statement()) {
        let sql = claim.sql(chunk.len());
        // Bound in the order written (see `Placeholders`): each row, then the stale bound.
        let mut query = sqlx::query(&sql);
        for (network, native_id) in chunk {
            query = query
                .bind(&tenant)
                .bind(*network)
                .bind(native_id.as_str())
                .bind(now_us)
                .bind(0_i64);
        }
        query = query.bind(stale_before_us);
        for row in query.fetch_all(tx.conn()).await? {
            claimed.insert(seen_key(&row)?);
        }
    }
    let unclaimed: Vec<SeenKey> = keys
        .iter()
        .filter(|k| !claimed.contains(*k))
        .cloned()
        .collect();
    let pending = unpublished(&mut tx, tenant_id, &unclaimed).await?;
    tx.commit().await?;
    Ok(Claims { claimed, pending })
}

fn seen_key(row: &sqlx::any::AnyRow) -> Result<SeenKey, StoreError> {
    let network: String = row.try_get(0)?;
    let native_id: String = row.try_get(1)?;
    let network: Network = network.parse().map_err(|e| StoreError::Corrupt {
        field: "ingest_seen.network",
        reason: format!("{e}"),
    })?;
    Ok((network.as_str(), native_id))
}

/// Of `keys`, those claimed but not published yet.
async fn unpublished(
    tx: &mut StoreTx,
    tenant: TenantId,
    keys: &[SeenKey],
) -> Result<HashSet<SeenKey>, StoreError> {
    let mut pending = HashSet::new();
    if keys.is_empty() {
        return Ok(pending);
    }
    let tenant = tenant.to_string();
    for (sql, network, ids) in per_network(
        tx.dialect(),
        keys,
        (
            "SELECT network, native_id FROM ingest_seen WHERE published_at_us = ",
            " AND",
        ),
    )
    .0
    {
        let mut query = sqlx::query(&sql).bind(0_i64).bind(&tenant).bind(network);
        for id in ids {
            query = query.bind(id);
        }
        for row in query.fetch_all(tx.conn()).await? {
            pending.insert(seen_key(&row)?);
        }
    }
    Ok(pending)
}

/// Marks claimed posts published: they are duplicates for good from now on.
pub async fn mark_published(
    store: &Store,
    tenant: TenantId,
    keys: &[SeenKey],
    now_us: i64,
) -> Result<(), StoreError> {
    per_network(
        store.dialect(),
        keys,
        ("UPDATE ingest_seen SET published_at_us = ", " WHERE"),
    )
    .run(store, tenant, now_us)
    .await
}

/// Releases the claims made at `claimed_at_us` whose posts could not be published, so a
/// retry takes them in (a claim another replica took over since is left alone).
pub async fn release(
    store: &Store,
    tenant: TenantId,
    keys: &[SeenKey],
    claimed_at_us: i64,
) -> Result<(), StoreError> {
    per_network(
        store.dialect(),
        keys,
        (
            "DELETE FROM ingest_seen WHERE claimed_at_us = ",
            " AND published_at_us = 0 AND",
        ),
    )
    .run(store, tenant, claimed_at_us)
    .await
}

/// Statements over keys grouped by network, `MAX_ROWS_PER_STATEMENT` ids each.
struct PerNetwork<'k>(Vec<(String, &'static str, Vec<&'k str>)>);

/// One statement per network and `MAX_ROWS_PER_STATEMENT` ids: `around.0`, the time's placeholder,
/// `around.1`, then ` tenant_id = … AND network = … AND native_id IN (…)`.
fn per_network<'k>(dialect: Dialect, keys: &'k [SeenKey], around: (&str, &str)) -> PerNetwork<'k> {
    let mut by_network: BTreeMap<&'static str, Vec<&'k str>> = BTreeMap::new();
    for (network, id) in keys {
        by_network.entry(network).or_default().push(id.as_str());
    }
    let mut statements = Vec::new();
    for (network, ids) in by_network {
        for chunk in ids.chunks(MAX_ROWS_PER_STATEMENT) {
            let mut sql = String::from(around.0);
            let mut params = Placeholders::new(dialect);
            params.push(&mut sql);
            sql.push_str(around.1);
            sql.push_str(" tenant_id = ");
            params.push(&mut sql);
            sql.push_str(" AND network = ");
            params.push(&mut sql);
            sql.push_str(" AND native_id IN (");
            params.list(&mut sql, chunk.len());
            sql.push(')');
            statements.push((sql, network, chunk.to_vec()));
        }
    }
    PerNetwork(statements)
}

impl PerNetwork<'_> {
    /// Runs each statement, binding in the order its placeholders are written: `at_us`, the
    /// tenant, the network, then the ids.
    async fn run(self, store: &Store, tenant: TenantId, at_us: i64) -> Result<(), StoreError> {
        let tenant = tenant.to_string();
        for (sql, network, ids) in self.0 {
            let mut query = sqlx::query(&sql).bind(at_us).bind(&tenant).bind(network);
            for id in ids {
                query = query.bind(id);
            }
            query.execute(store.pool()).await?;
        }
        Ok(())
    }
}

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
