//! Retention: what the store keeps only for a while, pruned by age, so a long run keeps its
//! database bounded. Processed-event ids (they only need to outlive redelivery), published
//! outbox records, the standalone log's records (their topic's retention, or the default), and
//! any service table that asks ([`Prune`]). Deletes go in small batches, so no prune holds a
//! lock for long.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::db::{Dialect, Store};
use crate::error::StoreError;

/// `[retention]`: how long what is pruned is kept. Hours may be fractions (`0.5`); `0` keeps
/// forever (that table is never pruned).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetentionConfig {
    /// How often the prune runs, in seconds (`TAGAR__RETENTION__INTERVAL_SECONDS`).
    pub interval_seconds: u64,
    /// Processed-event ids, in hours: longer than any redelivery (Kafka keeps records 168 h
    /// by default) (`TAGAR__RETENTION__PROCESSED_EVENTS_HOURS`).
    pub processed_events_hours: f64,
    /// Published outbox records, in hours (`TAGAR__RETENTION__OUTBOX_HOURS`).
    pub outbox_hours: f64,
    /// The standalone log's records, in hours, for topics provisioned without a retention of
    /// their own (`TAGAR__RETENTION__LOG_HOURS`).
    pub log_hours: f64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            interval_seconds: 300,
            processed_events_hours: 192.0,
            outbox_hours: 24.0,
            log_hours: 168.0,
        }
    }
}

/// `h` hours; forever (never pruned) for 0, a negative, not a number, or too many to hold.
fn hours(h: f64) -> Duration {
    if h.is_nan() || h <= 0.0 {
        return Duration::MAX;
    }
    Duration::try_from_secs_f64(h * 3_600.0).unwrap_or(Duration::MAX)
}

impl RetentionConfig {
    /// How often the prune runs.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval_seconds.max(1))
    }
}

/// The unit of a time column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Microseconds since the epoch (`…_us`).
    Micros,
    /// Milliseconds since the epoch (`…_ms`).
    Millis,
}

/// Rows of a table older than `keep` by a time column: what a service asks to be pruned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prune {
    /// The table.
    pub table: &'static str,
    /// Its time column (indexed, so the prune finds rows without a scan).
    pub column: &'static str,
    /// The column's unit.
    pub unit: TimeUnit,
    /// How long rows are kept.
    pub keep: Duration,
}

/// What one prune deleted, by table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// `(table, rows deleted)`.
    pub deleted: Vec<(&'static str, u64)>,
}

impl PruneReport {
    /// Rows deleted in all.
    pub fn total(&self) -> u64 {
        self.deleted.iter().map(|(_, n)| n).sum()
    }
}

/// Rows deleted per statement.
const BATCH: i64 = 5_000;

impl Store {
    /// Deletes, in batches, what `config` and `extra` say is old enough, as of now.
    pub async fn prune(
        &self,
        config: &RetentionConfig,
        extra: &[Prune],
    ) -> Result<PruneReport, StoreError> {
        let mut report = PruneReport::default();
        let mut prunes = vec![
            Prune {
                table: "processed_events",
                column: "processed_at_us",
                unit: TimeUnit::Micros,
                keep: hours(config.processed_events_hours),
            },
            Prune {
                table: "outbox",
                column: "published_at_us",
                unit: TimeUnit::Micros,
                keep: hours(config.outbox_hours),
            },
        ];
        prunes.extend_from_slice(extra);
        for prune in &prunes {
            let deleted = self.delete_older(prune).await?;
            report.deleted.push((prune.table, deleted));
        }
        report.deleted.push((
            "log_records",
            self.prune_log(hours(config.log_hours)).await?,
        ));
        Ok(report)
    }

    async fn delete_older(&self, prune: &Prune) -> Result<u64, StoreError> {
        let now_us = crate::now_us();
        let keep_us = i64::try_from(prune.keep.as_micros()).unwrap_or(i64::MAX);
        let cutoff_us = now_us.saturating_sub(keep_us);
        let cutoff = match prune.unit {
            TimeUnit::Micros => cutoff_us,
            TimeUnit::Millis => cutoff_us / 1_000,
        };
        // Names come from our own code, never from a request.
        let condition = format!("{} < $1", prune.column);
        self.delete_in_batches(prune.table, &condition, &[Bound::Int(cutoff)])
            .await
    }

    /// The standalone log's records older than their topic's retention (or `default`).
    async fn prune_log(&self, default: Duration) -> Result<u64, StoreError> {
        let topics: Vec<(String, Option<i64>)> =
            sqlx::query_as("SELECT topic, retention_ms FROM log_topics")
                .fetch_all(self.pool())
                .await?;
        let now_ms = crate::now_us() / 1_000;
        let default_ms = i64::try_from(default.as_millis()).unwrap_or(i64::MAX);
        let mut deleted = 0;
        for (topic, retention) in topics {
            let cutoff = now_ms.saturating_sub(retention.unwrap_or(default_ms));
            deleted += self
                .delete_in_batches(
                    "log_records",
                    "topic = $1 AND appended_at_ms < $2",
                    &[Bound::Text(&topic), Bound::Int(cutoff)],
                )
                .await?;
        }
        Ok(deleted)
    }

    /// Deletes the rows of `table` where `condition` holds (its placeholders bound to
    /// `values`, in order), `BATCH` at a time so no statement holds locks long, until fewer
    /// than a batch were left. Returns how many went.
    async fn delete_in_batches(
        &self,
        table: &str,
        condition: &str,
        values: &[Bound<'_>],
    ) -> Result<u64, StoreError> {
        let limit = values.len() + 1;
        let sql = match self.dialect() {
            Dialect::Postgres => format!(
                "DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE {condition} LIMIT ${limit}))"
            ),
            Dialect::Sqlite => format!(
                "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {condition} LIMIT ${limit})"
            ),
        };
        let mut deleted = 0;
        loop {
            let mut query = sqlx::query(&sql);
            for value in values {
                query = match *value {
                    Bound::Int(v) => query.bind(v),
                    Bound::Text(v) => query.bind(v),
                };
            }
            let done = query
                .bind(BATCH)
                .execute(self.pool())
                .await?
                .rows_affected();
            deleted += done;
            if done < BATCH as u64 {
                return Ok(deleted);
            }
        }
    }
}

/// A value bound to a prune's condition.
#[derive(Clone, Copy)]
enum Bound<'a> {
    Int(i64),
    Text(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_hours_keeps_forever_and_fractions_are_taken() {
        assert_eq!(hours(0.0), Duration::MAX, "0 turns a prune off");
        assert_eq!(hours(-3.0), Duration::MAX);
        assert_eq!(hours(f64::NAN), Duration::MAX);
        assert_eq!(hours(f64::INFINITY), Duration::MAX);
        assert_eq!(hours(0.5), Duration::from_secs(1_800));
        assert_eq!(hours(168.0), Duration::from_secs(168 * 3_600));
    }
}
