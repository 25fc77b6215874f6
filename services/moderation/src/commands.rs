//! Running commands against the aggregates: load, decide (pure domain), record events and
//! read models in one transaction. Used by the gRPC handlers and the consumer.

use tagar_host::events;
use tagar_model::{BrandId, TenantId};
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::{CaseState, Decision, ReviewCaseOpened, envelope::Event};
use tagar_store::{AggregateRef, Store, StoreError, StoreTx};
use uuid::Uuid;

use crate::domain::DomainError;
use crate::domain::case::{self, CaseCommand, CaseEvent, CaseStatus, ReviewCase};
use crate::domain::policy::{self, ModerationPolicy};
use crate::store::{self, CaseRow};

/// Why a command did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The domain refused it.
    #[error(transparent)]
    Refused(#[from] DomainError),
    /// Someone else changed the aggregate first (or the caller's version is stale).
    #[error("version conflict: reload and retry")]
    Conflict,
    /// The outcome could not be recorded.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => CommandError::Conflict,
            other => CommandError::Store(other),
        }
    }
}

/// The event that caused a command: `(event id, correlation id)`.
pub type Cause<'a> = Option<(&'a str, &'a str)>;

fn case_ref(tenant: TenantId, id: Uuid) -> AggregateRef {
    AggregateRef {
        tenant,
        kind: case::KIND,
        id,
    }
}

async fn record(
    tx: &mut StoreTx,
    (tenant, brand, id): (TenantId, BrandId, Uuid),
    state: &ReviewCase,
    new: Vec<CaseEvent>,
    cause: Cause<'_>,
) -> Result<ReviewCase, CommandError> {
    let envelopes: Vec<_> = new
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let b = EnvelopeBuilder::new(tenant, e.clone().into_wire())
                .brand(brand)
                .aggregate(id, state.version + i as u64 + 1);
            match cause {
                Some((event, correlation)) => b.caused_by(event, correlation),
                None => b,
            }
            .build()
        })
        .collect();
    events::append(
        tx,
        &case_ref(tenant, id),
        state.version,
        &envelopes,
        topics::MODERATION_EVENTS,
    )
    .await?;
    Ok(new.iter().fold(state.clone(), case::apply))
}

fn row_of(brand: BrandId, case: &ReviewCase, opened_at_us: i64) -> CaseRow {
    let opened = case.opened.clone().unwrap_or_default();
    let decision = case
        .decided
        .as_ref()
        .map_or(Decision::Unspecified, |d| d.decision());
    let hidden = match decision {
        Decision::Hide | Decision::BlockAuthor => true,
        Decision::Approve => false,
        Decision::Escalate | Decision::Unspecified => opened.hidden,
    };
    let state = match case.status {
        CaseStatus::New | CaseStatus::Open => CaseState::Open,
        CaseStatus::Assigned => CaseState::Assigned,
        CaseStatus::Decided => CaseState::Decided,
    };
    CaseRow {
        case_id: opened.case_id,
        brand_id: brand.to_string(),
        network: opened.network,
        native_id: opened.native_id,
        author_id: opened.author_id,
        text: opened.text,
        reasons: opened.reasons,
        hidden,
        state: state as i32,
        assignee: case.assignee.clone().unwrap_or_default(),
        decision: decision as i32,
        note: case
            .decided
            .as_ref()
            .map(|d| d.note.clone())
            .unwrap_or_default(),
        opened_at_us,
        version: case.version,
    }
}

/// Opens a review case (a new UUIDv7 aggregate) in `tx`, with its queue row.
pub async fn open_case(
    tx: &mut StoreTx,
    tenant: TenantId,
    brand: BrandId,
    mut opened: ReviewCaseOpened,
    cause: Cause<'_>,
) -> Result<CaseRow, CommandError> {
    let id = Uuid::now_v7();
    opened.case_id = id.to_string();
    let fresh = ReviewCase::default();
    let new = case::handle(&fresh, CaseCommand::Open(opened))?;
    let state = record(tx, (tenant, brand, id), &fresh, new, cause).await?;
    let row = row_of(brand, &state, tagar_store::now_us());
    store::save_case(tx.conn(), tenant, &row).await?;
    Ok(row)
}

/// Runs an assign or decide command on a brand's case. `expected` is the version the caller
/// last saw (0: no check). Blocking the author is recorded in the same transaction.
pub async fn execute_case(
    store: &Store,
    (tenant, brand, id): (TenantId, BrandId, Uuid),
    expected: u64,
    command: CaseCommand,
) -> Result<CaseRow, CommandError> {
    let stored = events::load(store, &case_ref(tenant, id)).await?;
    // Another brand's case is as good as missing to this caller.
    if stored
        .first()
        .is_none_or(|e| e.brand_id != brand.to_string())
    {
        return Err(DomainError::CaseNotFound.into());
    }
    let history: Vec<CaseEvent> = stored
        .into_iter()
        .filter_map(|e| e.event.and_then(CaseEvent::from_wire))
        .collect();
    let state = case::replay(&history);
    if expected != 0 && expected != state.version {
        return Err(CommandError::Conflict);
    }
    let new = case::handle(&state, command)?;
    let mut tx = store.begin().await?;
    let state = record(&mut tx, (tenant, brand, id), &state, new, None).await?;
    let opened_at_us = store::case(tx.conn(), tenant, &id.to_string())
        .await?
        .map_or_else(tagar_store::now_us, |r| r.opened_at_us);
    let row = row_of(brand, &state, opened_at_us);
    store::save_case(tx.conn(), tenant, &row).await?;
    if row.decision == Decision::BlockAuthor as i32 {
        store::block_author(
            tx.conn(),
            tenant,
            &row.brand_id,
            row.network,
            &row.author_id,
            &row.case_id,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(row)
}

/// Sets a brand's policy: records `ModerationPolicySet` on the policy aggregate and updates
/// the policy table. Returns the policy and the aggregate's new version.
pub async fn set_policy(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    (review, hide, spam_hide): (f32, f32, f32),
) -> Result<(ModerationPolicy, u64), CommandError> {
    let event = policy::set(review, hide, spam_hide)?;
    let set = ModerationPolicy::from_event(&event);
    let id = policy::aggregate_id(brand);
    let mut tx = store.begin().await?;
    let version = store::policy(tx.conn(), tenant, brand)
        .await?
        .map_or(0, |(_, v)| v);
    let envelope = EnvelopeBuilder::new(tenant, Event::ModerationPolicySet(event))
        .brand(brand)
        .aggregate(id, version + 1)
        .build();
    let aggregate = AggregateRef {
        tenant,
        kind: policy::KIND,
        id,
    };
    let version = events::append(
        &mut tx,
        &aggregate,
        version,
        &[envelope],
        topics::MODERATION_EVENTS,
    )
    .await?;
    store::save_policy(tx.conn(), tenant, brand, &set, version).await?;
    tx.commit().await?;
    Ok((set, version))
}
