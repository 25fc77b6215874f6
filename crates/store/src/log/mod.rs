//! The event log as tables in the store, for the standalone mode: topics split into
//! partitions, records appended with per-partition offsets, consumer groups that split
//! partitions by lease and commit checkpoints. The same contract as the Kafka backend.

mod consumer;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use tagar_eventlog::{Consumer, EventLog, LogError, OutgoingRecord, TopicSpec, partition_for_key};

use crate::db::{Dialect, Store};
use crate::error::StoreError;
use crate::headers_codec;
use crate::params::BulkInsert;
pub use consumer::SqlConsumer;

/// Group settings of the store's log.
#[derive(Debug, Clone)]
pub struct SqlLogConfig {
    /// A member that has not polled for this long loses its partitions to the others.
    pub session_timeout: Duration,
    /// How often an idle consumer looks for records written by other processes.
    pub poll_interval: Duration,
}

impl Default for SqlLogConfig {
    fn default() -> Self {
        Self {
            session_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(100),
        }
    }
}

/// The event log on the store's tables.
#[derive(Clone)]
pub struct SqlLog {
    store: Store,
    config: SqlLogConfig,
    partitions: Arc<RwLock<HashMap<String, i32>>>,
}

pub(crate) fn backend(e: impl std::fmt::Display) -> LogError {
    LogError::Backend(e.to_string())
}

impl From<StoreError> for LogError {
    fn from(e: StoreError) -> Self {
        backend(e)
    }
}

impl SqlLog {
    /// A log on `store`.
    pub fn new(store: Store, config: SqlLogConfig) -> Self {
        Self {
            store,
            config,
            partitions: Arc::default(),
        }
    }

    async fn partition_count(&self, topic: &str) -> Result<i32, LogError> {
        if let Some(n) = self
            .partitions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(topic)
        {
            return Ok(*n);
        }
        let n: Option<i64> =
            sqlx::query_scalar("SELECT partitions FROM log_topics WHERE topic = $1")
                .bind(topic)
                .fetch_optional(self.store.pool())
                .await
                .map_err(backend)?;
        let n = n.ok_or_else(|| LogError::UnknownTopic(topic.to_owned()))? as i32;
        self.partitions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(topic.to_owned(), n);
        Ok(n)
    }
}

#[async_trait]
impl EventLog for SqlLog {
    async fn provision(&self, topics: &[TopicSpec]) -> Result<(), LogError> {
        let mut tx = self.store.pool().begin().await.map_err(backend)?;
        for t in topics {
            if t.partitions < 1 {
                return Err(LogError::Config(format!(
                    "topic {}: partitions must be at least 1",
                    t.name
                )));
            }
            sqlx::query("INSERT INTO log_topics (topic, partitions, retention_ms) VALUES ($1, $2, $3) ON CONFLICT (topic) DO NOTHING")
                .bind(&t.name)
                .bind(i64::from(t.partitions))
                .bind(t.retention.map(|r| r.as_millis() as i64))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            for p in 0..t.partitions {
                sqlx::query("INSERT INTO log_partitions (topic, partition_no, next_offset) VALUES ($1, $2, 0) ON CONFLICT (topic, partition_no) DO NOTHING")
                    .bind(&t.name)
                    .bind(i64::from(p))
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
        }
        tx.commit().await.map_err(backend)
    }

    #[tracing::instrument(skip_all, fields(topic = %topic, records = records.len()), err)]
    async fn publish(&self, topic: &str, records: &[OutgoingRecord]) -> Result<(), LogError> {
        if records.is_empty() {
            return Ok(());
        }
        let partitions = self.partition_count(topic).await?;
        // Partitions in ascending order, so concurrent publishers lock them in one order.
        let mut by_partition: BTreeMap<i32, Vec<&OutgoingRecord>> = BTreeMap::new();
        for r in records {
            by_partition
                .entry(partition_for_key(&r.key, partitions))
                .or_default()
                .push(r);
        }
        let trace = tagar_eventlog::trace::current_context_headers();
        let now_ms = chrono::Utc::now().timestamp_millis();
        let mut tx = self.store.pool().begin().await.map_err(backend)?;
        for (partition, rs) in by_partition {
            let end: i64 = sqlx::query_scalar(
                "UPDATE log_partitions SET next_offset = next_offset + $1 WHERE topic = $2 AND partition_no = $3 RETURNING next_offset",
            )
            .bind(rs.len() as i64)
            .bind(topic)
            .bind(i64::from(partition))
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            let first = end - rs.len() as i64;
            let insert = record_insert(self.store.dialect());
            let per_statement = insert.rows_per_statement();
            for (chunk_no, chunk) in rs.chunks(per_statement).enumerate() {
                let base = first + (chunk_no * per_statement) as i64;
                insert_records(
                    &mut tx,
                    &insert.sql(chunk.len()),
                    (topic, partition, base),
                    chunk,
                    &trace,
                    now_ms,
                )
                .await?;
            }
        }
        tx.commit().await.map_err(backend)?;
        self.store.signals.log_appended();
        Ok(())
    }

    async fn subscribe(&self, group: &str, topics: &[&str]) -> Result<Box<dyn Consumer>, LogError> {
        for topic in topics {
            self.partition_count(topic).await?;
        }
        let consumer =
            SqlConsumer::join(self.store.clone(), self.config.clone(), group, topics).await?;
        Ok(Box::new(consumer))
    }
}

/// The multi-row insert of records.
fn record_insert(dialect: Dialect) -> BulkInsert<'static> {
    BulkInsert::new(
        dialect,
        "INSERT INTO log_records (topic, partition_no, record_offset, record_key, payload, headers, appended_at_ms)",
        7,
    )
}

async fn insert_records(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    sql: &str,
    (topic, partition, base): (&str, i32, i64),
    records: &[&OutgoingRecord],
    trace: &[(String, String)],
    now_ms: i64,
) -> Result<(), LogError> {
    let mut query = sqlx::query(sql);
    for (i, r) in records.iter().enumerate() {
        let headers = if r.headers.get("traceparent").is_none() && !trace.is_empty() {
            let mut h = r.headers.clone();
            for (k, v) in trace {
                h.insert(k.clone(), v.clone());
            }
            headers_codec::encode(&h)
        } else {
            headers_codec::encode(&r.headers)
        };
        query = query
            .bind(topic)
            .bind(i64::from(partition))
            .bind(base + i as i64)
            .bind(&r.key[..])
            .bind(&r.value[..])
            .bind(headers)
            .bind(now_ms);
    }
    query.execute(&mut **tx).await.map_err(backend)?;
    Ok(())
}
