//! The event store: append with an expected version, read a stream, read everything.

use bytes::Bytes;
use sqlx::Row;
use sqlx::any::AnyRow;
use tagar_model::TenantId;
use uuid::Uuid;

use crate::db::Store;
use crate::error::StoreError;
use crate::outbox::OutboxMessage;
use crate::tx::StoreTx;

/// Which aggregate a stream belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRef {
    /// The tenant that owns it: every read is scoped to it.
    pub tenant: TenantId,
    /// The aggregate's type, e.g. `scheduled_post`.
    pub kind: &'static str,
    /// Its id.
    pub id: Uuid,
}

/// An event to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Unique id (UUIDv7).
    pub event_id: Uuid,
    /// The event's type name.
    pub event_type: String,
    /// The encoded event (Tagar stores the protobuf `Envelope`).
    pub payload: Bytes,
    /// When it happened, microseconds since the epoch.
    pub occurred_at_us: i64,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Its place in the store's one global order.
    pub global_position: i64,
    /// Unique id.
    pub event_id: Uuid,
    /// The owning tenant.
    pub tenant: TenantId,
    /// The aggregate's type.
    pub aggregate_type: String,
    /// The aggregate's id.
    pub aggregate_id: Uuid,
    /// The aggregate's version after this event (1 for its first).
    pub version: u64,
    /// The event's type name.
    pub event_type: String,
    /// The encoded event.
    pub payload: Bytes,
    /// When it happened, microseconds since the epoch.
    pub occurred_at_us: i64,
}

macro_rules! select_events {
    () => {
        "SELECT global_position, event_id, tenant_id, aggregate_type, aggregate_id, version, \
         event_type, payload, occurred_at_us FROM events"
    };
}

const SELECT_EVENTS: &str = select_events!();

fn uuid_column(row: &AnyRow, column: &'static str) -> Result<Uuid, StoreError> {
    let text: String = row.try_get(column)?;
    Uuid::parse_str(&text).map_err(|e| StoreError::Corrupt {
        field: column,
        reason: e.to_string(),
    })
}

fn stored_event(row: &AnyRow) -> Result<StoredEvent, StoreError> {
    let payload: Vec<u8> = row.try_get("payload")?;
    Ok(StoredEvent {
        global_position: row.try_get("global_position")?,
        event_id: uuid_column(row, "event_id")?,
        tenant: TenantId::from_uuid(uuid_column(row, "tenant_id")?),
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: uuid_column(row, "aggregate_id")?,
        version: row.try_get::<i64, _>("version")? as u64,
        event_type: row.try_get("event_type")?,
        payload: Bytes::from(payload),
        occurred_at_us: row.try_get("occurred_at_us")?,
    })
}

impl StoreTx {
    /// Appends `events` to the aggregate's stream if it is still at `expected` (0 for a new
    /// aggregate) and returns the new version. Another writer that got there first makes this
    /// a [`StoreError::Conflict`]; the transaction must then be dropped.
    pub async fn append(
        &mut self,
        aggregate: &AggregateRef,
        expected: u64,
        events: &[NewEvent],
    ) -> Result<u64, StoreError> {
        self.lock_appends().await?;
        let id = aggregate.id.to_string();
        let actual: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM events WHERE aggregate_id = $1",
        )
        .bind(&id)
        .fetch_one(&mut *self.tx)
        .await?;
        let conflict = |actual: u64| StoreError::Conflict {
            aggregate_id: id.clone(),
            expected,
            actual,
        };
        if actual as u64 != expected {
            return Err(conflict(actual as u64));
        }
        let tenant = aggregate.tenant.to_string();
        for (i, event) in events.iter().enumerate() {
            let inserted = sqlx::query(
                "INSERT INTO events (event_id, tenant_id, aggregate_type, aggregate_id, version, event_type, payload, occurred_at_us) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(event.event_id.to_string())
            .bind(&tenant)
            .bind(aggregate.kind)
            .bind(&id)
            .bind((expected + i as u64 + 1) as i64)
            .bind(&event.event_type)
            .bind(&event.payload[..])
            .bind(event.occurred_at_us)
            .execute(&mut *self.tx)
            .await;
            match inserted {
                Ok(_) => {}
                // Only reachable if a writer bypassed the append lock: still a conflict, not a crash.
                Err(e) if StoreError::is_unique_violation(&e) => {
                    return Err(conflict(expected + i as u64 + 1));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(expected + events.len() as u64)
    }
}

const SELECT_STREAM: &str = concat!(
    select_events!(),
    " WHERE tenant_id = $1 AND aggregate_id = $2 ORDER BY version"
);

fn stream_query(
    tenant: TenantId,
    aggregate_id: Uuid,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>> {
    sqlx::query(SELECT_STREAM)
        .bind(tenant.to_string())
        .bind(aggregate_id.to_string())
}

impl StoreTx {
    /// Like [`Store::read_stream`], inside this transaction.
    pub async fn read_stream(
        &mut self,
        tenant: TenantId,
        aggregate_id: Uuid,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = stream_query(tenant, aggregate_id)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(stored_event).collect()
    }
}

impl Store {
    /// Appends events and their outbox records in one transaction; see [`StoreTx::append`].
    #[tracing::instrument(skip_all, fields(aggregate = %aggregate.id, expected = expected, events = events.len()), err)]
    pub async fn append(
        &self,
        aggregate: &AggregateRef,
        expected: u64,
        events: &[NewEvent],
        outbox: &[OutboxMessage],
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let version = tx.append(aggregate, expected, events).await?;
        tx.enqueue(outbox).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The aggregate's events in version order; empty when the tenant has no such aggregate.
    pub async fn read_stream(
        &self,
        tenant: TenantId,
        aggregate_id: Uuid,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = stream_query(tenant, aggregate_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(stored_event).collect()
    }

    /// Up to `limit` events after global position `after` (0 reads from the start), across
    /// every tenant: for rebuilding read models.
    pub async fn read_all(&self, after: i64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_EVENTS} WHERE global_position > $1 ORDER BY global_position LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored_event).collect()
    }

    /// Like [`Store::read_all`], only one tenant's events.
    pub async fn read_all_for_tenant(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_EVENTS} WHERE tenant_id = $1 AND global_position > $2 ORDER BY global_position LIMIT $3"
        ))
        .bind(tenant.to_string())
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored_event).collect()
    }
}
