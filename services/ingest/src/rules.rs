//! Listening-rule commands against the store: load the aggregate, decide, and append its
//! events (with their outbox records for `tagar.ingest.rules.v1`), the read-model row and
//! the tenant's rules version in one transaction.

use tagar_model::{BrandId, TenantId};
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1;
use tagar_store::{AggregateRef, Store, StoreError};
use uuid::Uuid;

use crate::domain::{self, ListeningRule, RuleCommand, RuleError, RuleEvent};
use crate::store::{self, RuleInsert};
use crate::wire;

/// The aggregate type of listening rules in the event store.
pub const AGGREGATE: &str = "listening_rule";

/// A rule command failed.
#[derive(Debug, thiserror::Error)]
pub enum RuleCommandError {
    /// The command was refused.
    #[error(transparent)]
    Refused(#[from] RuleError),
    /// The outcome could not be recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn aggregate(tenant: TenantId, rule_id: Uuid) -> AggregateRef {
    AggregateRef {
        tenant,
        kind: AGGREGATE,
        id: rule_id,
    }
}

/// The rule's events so far, read back from the event store (tenant-scoped).
async fn history(store: &Store, at: &AggregateRef) -> Result<Vec<RuleEvent>, StoreError> {
    let envelopes = tagar_host::events::load(store, at).await?;
    envelopes
        .iter()
        .map(|e| {
            wire::rule_event_from(e).map_err(|reason| StoreError::Corrupt {
                field: "events.payload",
                reason,
            })
        })
        .collect()
}

/// Runs `command` on rule `rule_id` and records its events; returns them.
async fn execute(
    store: &Store,
    tenant: TenantId,
    rule_id: Uuid,
    command: RuleCommand,
) -> Result<Vec<RuleEvent>, RuleCommandError> {
    let at = aggregate(tenant, rule_id);
    let past = history(store, &at).await?;
    let events = domain::handle(&domain::replay(&past), command)?;
    let expected = past.len() as u64;
    let envelopes: Vec<v1::Envelope> = events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let (brand, payload) = wire::rule_event_to(event);
            EnvelopeBuilder::new(tenant, payload)
                .brand(brand)
                .aggregate(rule_id, expected + i as u64 + 1)
                .build()
        })
        .collect();
    let mut tx = store.begin().await?;
    for event in &events {
        match event {
            RuleEvent::Added(rule) => {
                if store::insert_rule(&mut tx, tenant, rule).await? == RuleInsert::Duplicate {
                    return Err(RuleError::AlreadyExists.into());
                }
            }
            RuleEvent::Removed { rule_id, .. } => {
                store::delete_rule(&mut tx, tenant, *rule_id).await?
            }
        }
    }
    tagar_host::events::append(&mut tx, &at, expected, &envelopes, topics::LISTENING_RULES).await?;
    store::bump_rules_version(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(events)
}

/// Adds a rule to `brand`; returns it with its new id.
pub async fn add(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    kind: domain::RuleKind,
    pattern: &str,
) -> Result<ListeningRule, RuleCommandError> {
    let rule_id = Uuid::now_v7();
    let command = RuleCommand::Add {
        rule_id,
        brand_id: brand,
        kind,
        pattern: pattern.to_owned(),
    };
    let events = execute(store, tenant, rule_id, command).await?;
    match events.into_iter().next() {
        Some(RuleEvent::Added(rule)) => Ok(rule),
        _ => Err(StoreError::Corrupt {
            field: "listening_rule",
            reason: "adding a rule recorded no ListeningRuleAdded".into(),
        }
        .into()),
    }
}

/// Removes rule `rule_id` of `brand`.
pub async fn remove(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    rule_id: Uuid,
) -> Result<(), RuleCommandError> {
    execute(
        store,
        tenant,
        rule_id,
        RuleCommand::Remove { brand_id: brand },
    )
    .await?;
    Ok(())
}

/// The brand's active rules, oldest first.
pub async fn list(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
) -> Result<Vec<ListeningRule>, StoreError> {
    let mut conn = store.pool().acquire().await?;
    store::active_rules(&mut conn, tenant, Some(brand)).await
}
