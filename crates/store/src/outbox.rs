//! The transactional outbox and its relay.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use sqlx::Row;
use tagar_eventlog::{EventLog, Headers, OutgoingRecord};
use tokio_util::sync::CancellationToken;

use crate::db::{Dialect, Store};
use crate::error::StoreError;
use crate::headers_codec;
use crate::params::{BulkInsert, Placeholders};
use crate::tx::StoreTx;

/// A record to publish once the transaction that wrote it commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// The topic.
    pub topic: String,
    /// The key (an aggregate id, so one aggregate's events stay in order).
    pub key: Bytes,
    /// The value.
    pub payload: Bytes,
    /// Headers (event type, tenant, trace context).
    pub headers: Headers,
}

impl StoreTx {
    /// Writes outbox records in this transaction, after the append lock, so the relay
    /// publishes them in commit order. Each carries the trace context of the span that
    /// writes it (the request's, or the consumed record's), unless it has one already: the
    /// relay publishes later, in a span of its own, and the trace goes on from the writer.
    pub async fn enqueue(&mut self, messages: &[OutboxMessage]) -> Result<(), StoreError> {
        if messages.is_empty() {
            return Ok(());
        }
        self.lock_appends().await?;
        let now = crate::now_us();
        let trace = tagar_eventlog::trace::current_context_headers();
        let headers: Vec<Vec<u8>> = messages
            .iter()
            .map(|m| {
                if trace.is_empty() || m.headers.get("traceparent").is_some() {
                    headers_codec::encode(&m.headers)
                } else {
                    let mut headers = m.headers.clone();
                    for (name, value) in &trace {
                        headers.insert(name.clone(), value.clone());
                    }
                    headers_codec::encode(&headers)
                }
            })
            .collect();
        // Multi-row inserts, in order: ids are handed out in the order of `messages`.
        let insert = BulkInsert::new(
            self.dialect(),
            "INSERT INTO outbox (topic, record_key, payload, headers, created_at_us)",
            5,
        );
        let rows = insert.rows_per_statement();
        for (chunk, headers) in messages.chunks(rows).zip(headers.chunks(rows)) {
            let sql = insert.sql(chunk.len());
            let mut query = sqlx::query(&sql);
            for (m, h) in chunk.iter().zip(headers) {
                query = query
                    .bind(&m.topic)
                    .bind(&m.key[..])
                    .bind(&m.payload[..])
                    .bind(&h[..])
                    .bind(now);
            }
            query.execute(&mut *self.tx).await?;
        }
        self.wrote_outbox = true;
        Ok(())
    }
}

impl Store {
    /// How many outbox records wait to be published (a health and lag figure).
    pub async fn outbox_pending(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE published_at_us IS NULL")
                .fetch_one(self.pool())
                .await?,
        )
    }
}

/// How the relay batches and waits.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// The most outbox records published per round.
    pub batch_size: u32,
    /// How often to look for records written by other processes.
    pub poll_interval: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            poll_interval: Duration::from_millis(200),
        }
    }
}

/// Publishes the outbox to the event log, in order, and marks what it published. Only one
/// relay works at a time per database (PostgreSQL: a session advisory lock held on a
/// connection of its own), so order holds across replicas; a crash after publishing and
/// before marking publishes again (consumers drop the duplicates), never loses.
///
/// It survives every transient failure (the database or the broker down): a failed round is
/// retried, a lost leader connection ends its term and it competes for the lock again. It
/// never keeps the lock when it stops leading: the leader connection is closed, not returned
/// to the pool, so its session and lock end with it, and another replica takes over within a
/// second. When a process dies, its connection (and so its lock) dies with it.
pub struct OutboxRelay {
    store: Store,
    log: Arc<dyn EventLog>,
    config: RelayConfig,
}

struct Pending {
    id: i64,
    topic: String,
    record: OutgoingRecord,
}

const RELAY_LOCK: i64 = 7461676173;

/// How often a waiting relay tries for the lock.
const LOCK_RETRY: Duration = Duration::from_secs(1);

impl OutboxRelay {
    /// A relay from `store`'s outbox to `log`.
    pub fn new(store: Store, log: Arc<dyn EventLog>, config: RelayConfig) -> Self {
        Self { store, log, config }
    }

    /// Relays until cancelled, whatever fails in between.
    pub async fn run(self, cancel: CancellationToken) -> Result<(), StoreError> {
        let mut pause = Duration::from_millis(200);
        while !cancel.is_cancelled() {
            match self.lead(&cancel).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(error = %e, ?pause, "outbox relay lost its footing; trying again");
                    tokio::select! {
                        () = cancel.cancelled() => break,
                        () = tokio::time::sleep(pause) => {}
                    }
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        }
        Ok(())
    }

    /// One term: wins the lock (PostgreSQL), relays until cancelled or until the leader
    /// connection is lost (an error), and lets go of the lock on the way out.
    async fn lead(&self, cancel: &CancellationToken) -> Result<(), StoreError> {
        let mut leader = match self.store.dialect() {
            Dialect::Postgres => match self.win_lock(cancel).await? {
                Some(connection) => Some(connection),
                None => return Ok(()),
            },
            // One process owns a SQLite database: it leads alone.
            Dialect::Sqlite => None,
        };
        let outcome = self.relay_while_leading(leader.as_mut(), cancel).await;
        if let Some(connection) = leader {
            // Closing the connection ends its session, and with it the lock, even when the
            // unlock cannot be sent.
            let _ = connection.close().await;
        }
        outcome
    }

    /// The leader connection once it holds the lock; `None` when cancelled first.
    async fn win_lock(
        &self,
        cancel: &CancellationToken,
    ) -> Result<Option<sqlx::pool::PoolConnection<sqlx::Any>>, StoreError> {
        let mut connection = self.store.acquire().await?;
        loop {
            let won: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(RELAY_LOCK)
                .fetch_one(&mut *connection)
                .await?;
            if won {
                tracing::info!("outbox relay leads");
                return Ok(Some(connection));
            }
            tokio::select! {
                () = cancel.cancelled() => {
                    let _ = connection.close().await;
                    return Ok(None);
                }
                () = tokio::time::sleep(LOCK_RETRY) => {}
            }
        }
    }

    async fn relay_while_leading(
        &self,
        mut leader: Option<&mut sqlx::pool::PoolConnection<sqlx::Any>>,
        cancel: &CancellationToken,
    ) -> Result<(), StoreError> {
        let mut failures: u32 = 0;
        loop {
            // Still leading? The lock lives as long as the leader connection's session.
            if let Some(connection) = leader.as_deref_mut() {
                sqlx::query("SELECT 1").execute(&mut **connection).await?;
            }
            let relayed = match self.relay_once().await {
                Ok(n) => {
                    failures = 0;
                    n
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, failures, "outbox relay round failed; retrying");
                    // Back off while the log or the database is down: up to 32 intervals.
                    let wait = self.config.poll_interval * (1 << failures.min(5));
                    tokio::select! {
                        () = cancel.cancelled() => return Ok(()),
                        () = tokio::time::sleep(wait) => {}
                    }
                    continue;
                }
            };
            if relayed == self.config.batch_size as usize {
                continue;
            }
            tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                () = self.store.signals.outbox.notified() => {}
                () = tokio::time::sleep(self.config.poll_interval) => {}
            }
        }
    }

    /// Publishes one batch of pending records in order and marks them; returns how many.
    pub async fn relay_once(&self) -> Result<usize, StoreError> {
        let rows = sqlx::query(
            "SELECT id, topic, record_key, payload, headers FROM outbox WHERE published_at_us IS NULL ORDER BY id LIMIT $1",
        )
        .bind(i64::from(self.config.batch_size))
        .fetch_all(self.store.pool())
        .await?;
        let mut pending = Vec::with_capacity(rows.len());
        for row in &rows {
            let key: Vec<u8> = row.try_get("record_key")?;
            let payload: Vec<u8> = row.try_get("payload")?;
            let headers: Vec<u8> = row.try_get("headers")?;
            pending.push(Pending {
                id: row.try_get("id")?,
                topic: row.try_get("topic")?,
                record: OutgoingRecord {
                    key: key.into(),
                    value: payload.into(),
                    headers: headers_codec::decode(&headers)?,
                },
            });
        }
        // Consecutive records of one topic go in one publish; topics alternate in id order.
        for run in pending.chunk_by(|a, b| a.topic == b.topic) {
            let records: Vec<OutgoingRecord> = run.iter().map(|p| p.record.clone()).collect();
            self.log.publish(&run[0].topic, &records).await?;
            self.mark_published(run).await?;
        }
        Ok(pending.len())
    }

    async fn mark_published(&self, run: &[Pending]) -> Result<(), StoreError> {
        let mut sql = String::from("UPDATE outbox SET published_at_us = ");
        let mut params = Placeholders::new(self.store.dialect());
        params.push(&mut sql);
        sql.push_str(" WHERE id IN (");
        params.list(&mut sql, run.len());
        sql.push(')');
        let mut query = sqlx::query(&sql).bind(crate::now_us());
        for p in run {
            query = query.bind(p.id);
        }
        query.execute(self.store.pool()).await?;
        Ok(())
    }
}
