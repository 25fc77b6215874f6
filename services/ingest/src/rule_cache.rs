//! Each tenant's compiled matcher, shared read-mostly by every request of a replica.
//!
//! How replicas see each other's rule changes: every change bumps the tenant's row in
//! `ingest_rule_versions` in the same transaction as the rule itself. A replica checks that
//! one-row primary-key lookup at most once per [`RuleCache::refresh`] (250 ms by default),
//! lazily, when a batch of that tenant arrives, and recompiles the tenant's matcher from
//! `ingest_rules` when the version moved. Only tenants with traffic cost anything, there is
//! no background task, and a change made on this replica is seen at once (it invalidates its
//! own entry). Consuming `tagar.ingest.rules.v1` instead would need a consumer group per
//! replica and still a read of the table to start from.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tagar_model::TenantId;
use tagar_store::{Store, StoreError};

use crate::domain::Matcher;
use crate::store;

struct Entry {
    version: i64,
    checked: Instant,
    matcher: Arc<Matcher>,
}

/// Per-tenant matchers, reloaded when the tenant's rules version changes.
pub struct RuleCache {
    store: Store,
    refresh: Duration,
    entries: RwLock<HashMap<TenantId, Entry>>,
}

impl RuleCache {
    /// A cache over `store` that checks a tenant's version at most every `refresh`.
    pub fn new(store: Store, refresh: Duration) -> Self {
        Self {
            store,
            refresh,
            entries: RwLock::default(),
        }
    }

    /// The tenant's matcher, recompiled if its rules changed since it was built.
    pub async fn matcher(&self, tenant: TenantId) -> Result<Arc<Matcher>, StoreError> {
        let cached_version = {
            let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
            match entries.get(&tenant) {
                Some(e) if e.checked.elapsed() < self.refresh => return Ok(Arc::clone(&e.matcher)),
                Some(e) => Some(e.version),
                None => None,
            }
        };
        let version = store::rules_version(&self.store, tenant).await?;
        if cached_version == Some(version) {
            let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
            if let Some(e) = entries.get_mut(&tenant) {
                e.checked = Instant::now();
                return Ok(Arc::clone(&e.matcher));
            }
        }
        // Read the rules after the version: a change committed in between only makes the
        // matcher newer than its version says, and the next check reloads it again.
        let mut conn = self.store.acquire().await?;
        let rules = store::active_rules(&mut conn, tenant, None).await?;
        drop(conn);
        // Compiling a tenant's automaton is CPU work that grows with its rules: off the
        // async workers.
        let count = rules.len();
        let matcher = tokio::task::spawn_blocking(move || Arc::new(Matcher::new(&rules)))
            .await
            .map_err(|e| StoreError::Corrupt {
                field: "ingest_rules",
                reason: format!("compiling the matcher failed: {e}"),
            })?;
        tracing::debug!(%tenant, version, rules = count, "listening rules compiled");
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                tenant,
                Entry {
                    version,
                    checked: Instant::now(),
                    matcher: Arc::clone(&matcher),
                },
            );
        Ok(matcher)
    }

    /// Forgets the tenant's matcher, after a rule change on this replica.
    pub fn invalidate(&self, tenant: TenantId) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&tenant);
    }
}
