//! The one event-sourced repository: executes a command against an aggregate's stream.
//!
//! Every command takes the same steps, whatever the aggregate: load the stream (scoped to the
//! tenant), decode and replay it, check the caller's expected version, let the aggregate
//! decide, number the new events' envelopes after the stream's version, write the read model
//! (the aggregate's [`Projection`]), append the events with the version that was loaded, and
//! commit. The append checks the version again under the store's append lock, so a writer
//! that got there first turns this into a [`CommandError::Conflict`], never a lost update.
//!
//! The projection runs before the append, so a transaction that touches a read-model row
//! takes that row's lock before the store's append lock, in every transaction alike: no
//! lock-order deadlock.

use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use prost::Message as _;
use tagar_model::{BrandId, TenantId};
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::v1::Envelope;
use tagar_store::{AggregateRef, Store, StoreError, StoreTx, StoredEvent};
use uuid::Uuid;

use crate::aggregate::{Aggregate, Expected, Loaded};
use crate::api_error::CommandError;

/// The event or command that caused a command: its id, and the correlation id it carries on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cause<'a> {
    /// The causing event's id.
    pub event_id: &'a str,
    /// The correlation id of the flow it belongs to.
    pub correlation_id: &'a str,
}

/// A change about to be recorded: the aggregate before and after, and the events between.
#[derive(Debug)]
pub struct Change<'a, A: Aggregate> {
    /// As it was loaded.
    pub before: &'a Loaded<A>,
    /// As its new events leave it (its version counts them).
    pub after: &'a Loaded<A>,
    /// The new events.
    pub events: &'a [A::Event],
}

/// An aggregate's read model, written in the transaction that appends its events.
#[async_trait]
pub trait Projection<A: Aggregate>: Send + Sync {
    /// Writes what `change` changes in the read model. It may refuse the command (a unique
    /// index found a duplicate, say): the transaction is then rolled back.
    async fn project(
        &self,
        tx: &mut StoreTx,
        change: &Change<'_, A>,
    ) -> Result<(), CommandError<A::Error>>;
}

/// The projection of an aggregate with no read model of its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReadModel;

#[async_trait]
impl<A: Aggregate> Projection<A> for NoReadModel {
    async fn project(
        &self,
        _tx: &mut StoreTx,
        _change: &Change<'_, A>,
    ) -> Result<(), CommandError<A::Error>> {
        Ok(())
    }
}

/// Loads aggregates of type `A` and records their commands' events, with their outbox records
/// for `topic`, keyed by the aggregate id so its events stay in order.
pub struct Repository<A: Aggregate> {
    store: Store,
    topic: &'static str,
    projection: Arc<dyn Projection<A>>,
    _aggregate: PhantomData<fn() -> A>,
}

impl<A: Aggregate> Clone for Repository<A> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            topic: self.topic,
            projection: Arc::clone(&self.projection),
            _aggregate: PhantomData,
        }
    }
}

impl<A: Aggregate> std::fmt::Debug for Repository<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repository")
            .field("kind", &A::KIND)
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl<A: Aggregate> Repository<A> {
    /// A repository over `store` whose events go to `topic`, with no read model.
    pub fn new(store: Store, topic: &'static str) -> Self {
        Self {
            store,
            topic,
            projection: Arc::new(NoReadModel),
            _aggregate: PhantomData,
        }
    }

    /// The same repository, writing `projection` with every change.
    pub fn with_projection(mut self, projection: impl Projection<A> + 'static) -> Self {
        self.projection = Arc::new(projection);
        self
    }

    /// The store it works on.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The aggregate `id` of `tenant`; `None` when the tenant has no stream of this kind by
    /// that id (another tenant's, or another kind's, is as good as missing).
    pub async fn load(&self, tenant: TenantId, id: Uuid) -> Result<Option<Loaded<A>>, StoreError> {
        let stored = self.store.read_stream(tenant, id).await?;
        rebuild(tenant, id, &stored)
    }

    /// Like [`Repository::load`], inside `tx`.
    pub async fn load_in(
        &self,
        tx: &mut StoreTx,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<Loaded<A>>, StoreError> {
        let stored = tx.read_stream(tenant, id).await?;
        rebuild(tenant, id, &stored)
    }

    /// The aggregate `id` of `tenant` if it belongs to `brand`: another brand's is as good as
    /// missing to a caller scoped to this one.
    pub async fn load_of_brand(
        &self,
        tenant: TenantId,
        brand: BrandId,
        id: Uuid,
    ) -> Result<Option<Loaded<A>>, StoreError> {
        Ok(self
            .load(tenant, id)
            .await?
            .filter(|a| a.state.brand() == Some(brand)))
    }

    /// Runs `command` on `loaded` in a transaction of its own; returns the aggregate after.
    pub async fn execute(
        &self,
        loaded: &Loaded<A>,
        expected: Expected,
        command: A::Command,
    ) -> Result<Loaded<A>, CommandError<A::Error>> {
        let mut tx = self.store.begin().await?;
        let after = self
            .execute_in(&mut tx, loaded, expected, command, None)
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Runs `command` on a new aggregate `id` of `tenant` (its first events).
    pub async fn create(
        &self,
        tenant: TenantId,
        id: Uuid,
        command: A::Command,
    ) -> Result<Loaded<A>, CommandError<A::Error>> {
        self.execute(&Loaded::new(tenant, id), Expected::Exactly(0), command)
            .await
    }

    /// Runs `command` on `loaded` inside `tx` (which the caller commits): checks `expected`,
    /// decides, writes the read model, appends. `cause` names what caused it, for the
    /// envelopes. A command that decides no event records nothing.
    pub async fn execute_in(
        &self,
        tx: &mut StoreTx,
        loaded: &Loaded<A>,
        expected: Expected,
        command: A::Command,
        cause: Option<Cause<'_>>,
    ) -> Result<Loaded<A>, CommandError<A::Error>> {
        let Decided { after, events } = decide(loaded, expected, command)?;
        if events.is_empty() {
            return Ok(after);
        }
        let envelopes = envelopes(loaded, &events, cause);
        self.projection
            .project(
                tx,
                &Change {
                    before: loaded,
                    after: &after,
                    events: &events,
                },
            )
            .await?;
        let aggregate = AggregateRef {
            tenant: loaded.tenant,
            kind: A::KIND,
            id: loaded.id,
        };
        crate::events::append(tx, &aggregate, loaded.version, &envelopes, self.topic).await?;
        Ok(after)
    }
}

/// What a command decided: its events, and the aggregate they leave.
#[derive(Debug, Clone)]
pub struct Decided<A: Aggregate> {
    /// The aggregate after the events.
    pub after: Loaded<A>,
    /// The new events.
    pub events: Vec<A::Event>,
}

/// The pure part of a command: the version check, the aggregate's decision, and the state
/// after its events.
pub fn decide<A: Aggregate>(
    loaded: &Loaded<A>,
    expected: Expected,
    command: A::Command,
) -> Result<Decided<A>, CommandError<A::Error>> {
    if let Expected::Exactly(version) = expected
        && version != loaded.version
    {
        return Err(CommandError::Conflict {
            expected: version,
            actual: loaded.version,
        });
    }
    let events = loaded
        .state
        .handle(command)
        .map_err(CommandError::Refused)?;
    let after = Loaded {
        tenant: loaded.tenant,
        id: loaded.id,
        state: events.iter().fold(loaded.state.clone(), A::apply),
        version: loaded.version + events.len() as u64,
    };
    Ok(Decided { after, events })
}

/// The envelopes of `events`, numbered after `loaded`'s version, each naming the brand of the
/// state it leaves.
fn envelopes<A: Aggregate>(
    loaded: &Loaded<A>,
    events: &[A::Event],
    cause: Option<Cause<'_>>,
) -> Vec<Envelope> {
    let mut state = loaded.state.clone();
    events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            state = state.clone().apply(event);
            let mut builder = EnvelopeBuilder::new(loaded.tenant, A::to_wire(event))
                .aggregate(loaded.id, loaded.version + i as u64 + 1);
            if let Some(brand) = state.brand() {
                builder = builder.brand(brand);
            }
            if let Some(cause) = cause {
                builder = builder.caused_by(cause.event_id, cause.correlation_id);
            }
            builder.build()
        })
        .collect()
}

fn rebuild<A: Aggregate>(
    tenant: TenantId,
    id: Uuid,
    stored: &[StoredEvent],
) -> Result<Option<Loaded<A>>, StoreError> {
    if stored.first().is_none_or(|e| e.aggregate_type != A::KIND) {
        return Ok(None);
    }
    let mut state = A::default();
    for event in stored {
        let corrupt = |reason: String| StoreError::Corrupt {
            field: "events.payload",
            reason: format!("{} {id} version {}: {reason}", A::KIND, event.version),
        };
        let envelope = Envelope::decode(&event.payload[..]).map_err(|e| corrupt(e.to_string()))?;
        state = state.apply(&A::from_wire(&envelope).map_err(corrupt)?);
    }
    Ok(Some(Loaded {
        tenant,
        id,
        state,
        version: stored.len() as u64,
    }))
}
