//! A consumer-group member on the store's log.
//!
//! Members heartbeat into `log_members`. Every member computes the same split of the group's
//! partitions over the live members (sorted by id, partition *j* to member *j mod n*), and
//! reads only partitions it holds a lease on. A lease is taken only when it is free, expired
//! or already ours, and is renewed at each heartbeat, so two live members never read one
//! partition at once; a member that dies loses its leases after the session timeout.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use sqlx::Row;
use tagar_eventlog::{Consumer, LogError, Position, Record};
use tokio::sync::watch;

use super::{SqlLogConfig, backend};
use crate::db::Store;
use crate::headers_codec;

type Slot = (Arc<str>, i32);

/// One member of a consumer group on the store's log.
pub struct SqlConsumer {
    store: Store,
    config: SqlLogConfig,
    group: String,
    member: String,
    topics: Vec<Arc<str>>,
    /// Partitions leased to this member, with the next offset to fetch.
    owned: BTreeMap<Slot, i64>,
    last_rebalance: Option<Instant>,
    appended: watch::Receiver<u64>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl SqlConsumer {
    pub(crate) async fn join(
        store: Store,
        config: SqlLogConfig,
        group: &str,
        topics: &[&str],
    ) -> Result<Self, LogError> {
        let appended = store.signals.log.subscribe();
        let mut consumer = Self {
            store,
            config,
            group: group.to_owned(),
            member: uuid::Uuid::now_v7().to_string(),
            topics: topics.iter().map(|t| Arc::from(*t)).collect(),
            owned: BTreeMap::new(),
            last_rebalance: None,
            appended,
        };
        consumer.rebalance().await?;
        Ok(consumer)
    }

    fn rebalance_interval(&self) -> Duration {
        self.config.session_timeout / 3
    }

    async fn maybe_rebalance(&mut self) -> Result<(), LogError> {
        match self.last_rebalance {
            Some(at) if at.elapsed() < self.rebalance_interval() => Ok(()),
            _ => self.rebalance().await,
        }
    }

    /// Heartbeats, forgets dead members, and takes or gives up leases to match the split.
    async fn rebalance(&mut self) -> Result<(), LogError> {
        let pool = self.store.pool();
        let now = now_ms();
        let expiry = now + self.config.session_timeout.as_millis() as i64;
        sqlx::query(
            "INSERT INTO log_members (consumer_group, member_id, heartbeat_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (consumer_group, member_id) DO UPDATE SET heartbeat_at_ms = excluded.heartbeat_at_ms",
        )
        .bind(&self.group)
        .bind(&self.member)
        .bind(now)
        .execute(pool)
        .await
        .map_err(backend)?;
        sqlx::query("DELETE FROM log_members WHERE consumer_group = $1 AND heartbeat_at_ms < $2")
            .bind(&self.group)
            .bind(now - self.config.session_timeout.as_millis() as i64)
            .execute(pool)
            .await
            .map_err(backend)?;
        let members: Vec<String> = sqlx::query_scalar(
            "SELECT member_id FROM log_members WHERE consumer_group = $1 ORDER BY member_id",
        )
        .bind(&self.group)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
        let me = members.iter().position(|m| *m == self.member).unwrap_or(0);
        let target: BTreeSet<Slot> = self
            .all_slots()
            .await?
            .into_iter()
            .enumerate()
            .filter(|(j, _)| j % members.len().max(1) == me)
            .map(|(_, s)| s)
            .collect();

        let lost: Vec<Slot> = self
            .owned
            .keys()
            .filter(|s| !target.contains(*s))
            .cloned()
            .collect();
        for slot in lost {
            self.release(&slot).await?;
            self.owned.remove(&slot);
        }
        for slot in target {
            let claimed = sqlx::query(
                "INSERT INTO log_leases (consumer_group, topic, partition_no, member_id, expires_at_ms) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (consumer_group, topic, partition_no) DO UPDATE \
                 SET member_id = excluded.member_id, expires_at_ms = excluded.expires_at_ms \
                 WHERE log_leases.member_id = excluded.member_id OR log_leases.expires_at_ms < $6",
            )
            .bind(&self.group)
            .bind(&*slot.0)
            .bind(i64::from(slot.1))
            .bind(&self.member)
            .bind(expiry)
            .bind(now)
            .execute(pool)
            .await
            .map_err(backend)?
            .rows_affected()
                == 1;
            match (claimed, self.owned.contains_key(&slot)) {
                (true, false) => {
                    let from = self.checkpoint(&slot).await?;
                    self.owned.insert(slot, from);
                }
                (false, true) => {
                    self.owned.remove(&slot);
                }
                _ => {}
            }
        }
        self.last_rebalance = Some(Instant::now());
        Ok(())
    }

    async fn all_slots(&self) -> Result<Vec<Slot>, LogError> {
        let mut slots = Vec::new();
        for topic in &self.topics {
            let n: i64 = sqlx::query_scalar("SELECT partitions FROM log_topics WHERE topic = $1")
                .bind(&**topic)
                .fetch_optional(self.store.pool())
                .await
                .map_err(backend)?
                .ok_or_else(|| LogError::UnknownTopic(topic.to_string()))?;
            slots.extend((0..n as i32).map(|p| (Arc::clone(topic), p)));
        }
        Ok(slots)
    }

    async fn checkpoint(&self, slot: &Slot) -> Result<i64, LogError> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT next_offset FROM log_checkpoints WHERE consumer_group = $1 AND topic = $2 AND partition_no = $3",
        )
        .bind(&self.group)
        .bind(&*slot.0)
        .bind(i64::from(slot.1))
        .fetch_optional(self.store.pool())
        .await
        .map_err(backend)?;
        Ok(at.unwrap_or(0))
    }

    async fn release(&self, slot: &Slot) -> Result<(), LogError> {
        sqlx::query("DELETE FROM log_leases WHERE consumer_group = $1 AND topic = $2 AND partition_no = $3 AND member_id = $4")
            .bind(&self.group)
            .bind(&*slot.0)
            .bind(i64::from(slot.1))
            .bind(&self.member)
            .execute(self.store.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// Fetches up to `max` records from owned partitions that have any, in offset order.
    async fn fetch(&mut self, max: usize) -> Result<Vec<Record>, LogError> {
        let mut batch = Vec::new();
        for topic in self.topics.clone() {
            // One cheap query tells which partitions have anything new.
            let ends: Vec<(i64, i64)> = sqlx::query(
                "SELECT partition_no, next_offset FROM log_partitions WHERE topic = $1",
            )
            .bind(&*topic)
            .fetch_all(self.store.pool())
            .await
            .map_err(backend)?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(backend)?;
            for (partition, end) in ends {
                let slot = (Arc::clone(&topic), partition as i32);
                let Some(&from) = self.owned.get(&slot) else {
                    continue;
                };
                if from >= end || batch.len() >= max {
                    continue;
                }
                let got = self.fetch_partition(&slot, from, max - batch.len()).await?;
                if let Some(last) = got.last() {
                    self.owned.insert(slot, last.offset + 1);
                }
                batch.extend(got);
            }
        }
        Ok(batch)
    }

    async fn fetch_partition(
        &self,
        slot: &Slot,
        from: i64,
        max: usize,
    ) -> Result<Vec<Record>, LogError> {
        let rows = sqlx::query(
            "SELECT record_offset, record_key, payload, headers, appended_at_ms FROM log_records \
             WHERE topic = $1 AND partition_no = $2 AND record_offset >= $3 ORDER BY record_offset LIMIT $4",
        )
        .bind(&*slot.0)
        .bind(i64::from(slot.1))
        .bind(from)
        .bind(max as i64)
        .fetch_all(self.store.pool())
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|row| {
                let key: Vec<u8> = row.try_get("record_key").map_err(backend)?;
                let value: Vec<u8> = row.try_get("payload").map_err(backend)?;
                let headers: Vec<u8> = row.try_get("headers").map_err(backend)?;
                Ok(Record {
                    topic: Arc::clone(&slot.0),
                    partition: slot.1,
                    offset: row.try_get("record_offset").map_err(backend)?,
                    key: Bytes::from(key),
                    value: Bytes::from(value),
                    headers: headers_codec::decode(&headers)?,
                    timestamp_ms: Some(row.try_get("appended_at_ms").map_err(backend)?),
                })
            })
            .collect()
    }
}

#[async_trait]
impl Consumer for SqlConsumer {
    async fn poll(&mut self, max: usize, timeout: Duration) -> Result<Vec<Record>, LogError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            self.appended.mark_unchanged();
            self.maybe_rebalance().await?;
            let batch = self.fetch(max).await?;
            if !batch.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(batch);
            }
            let wait = self
                .config
                .poll_interval
                .min(deadline - tokio::time::Instant::now());
            tokio::select! {
                _ = self.appended.changed() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn commit(&mut self, positions: &[Position]) -> Result<(), LogError> {
        let mut tx = self.store.pool().begin().await.map_err(backend)?;
        for p in positions {
            sqlx::query(
                "INSERT INTO log_checkpoints (consumer_group, topic, partition_no, next_offset) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (consumer_group, topic, partition_no) DO UPDATE SET next_offset = \
                 CASE WHEN excluded.next_offset > log_checkpoints.next_offset THEN excluded.next_offset ELSE log_checkpoints.next_offset END",
            )
            .bind(&self.group)
            .bind(&*p.topic)
            .bind(i64::from(p.partition))
            .bind(p.offset)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn assignment(&mut self) -> Result<Vec<(String, i32)>, LogError> {
        self.maybe_rebalance().await?;
        Ok(self
            .owned
            .keys()
            .map(|(t, p)| (t.to_string(), *p))
            .collect())
    }

    async fn close(self: Box<Self>) -> Result<(), LogError> {
        let pool = self.store.pool();
        sqlx::query("DELETE FROM log_leases WHERE consumer_group = $1 AND member_id = $2")
            .bind(&self.group)
            .bind(&self.member)
            .execute(pool)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM log_members WHERE consumer_group = $1 AND member_id = $2")
            .bind(&self.group)
            .bind(&self.member)
            .execute(pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
