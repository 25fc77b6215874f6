//! A consumer-group member on Kafka: auto-commit off, positions committed explicitly.
//!
//! A member with no partitions also watches for partitions nobody reads (see [`Orphans`]): a
//! group coordinator can settle a rebalance with partitions given to no one (Tansu 0.6 does,
//! when members die in the middle of one), and nothing in the protocol would ever notice.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use futures::FutureExt;
use rdkafka::consumer::{CommitMode, Consumer as _, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers as _, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::client_error;
use crate::log::{Consumer, LogError};
use crate::record::{Position, Record};

/// One member of a Kafka consumer group.
pub struct KafkaConsumer {
    inner: Arc<StreamConsumer>,
    // Topic names are interned so a record costs no String for its topic.
    topics: HashMap<String, Arc<str>>,
    orphans: Orphans,
}

impl KafkaConsumer {
    pub(crate) fn subscribe(config: &ClientConfig, topics: &[&str]) -> Result<Self, LogError> {
        let inner: StreamConsumer = config
            .create()
            .map_err(|e| LogError::Config(e.to_string()))?;
        inner.subscribe(topics).map_err(client_error)?;
        let session = config
            .get("session.timeout.ms")
            .and_then(|ms| ms.parse().ok())
            .map_or(Duration::from_secs(45), Duration::from_millis);
        let orphans = Orphans::new(
            topics.iter().map(|t| (*t).to_owned()).collect(),
            (session * 3).max(Orphans::MIN_WINDOW),
        );
        let topics = topics
            .iter()
            .map(|t| ((*t).to_owned(), Arc::from(*t)))
            .collect();
        Ok(Self {
            inner: Arc::new(inner),
            topics,
            orphans,
        })
    }

    fn record_of(&mut self, m: &BorrowedMessage<'_>) -> Record {
        let topic = match self.topics.get(m.topic()) {
            Some(t) => Arc::clone(t),
            None => {
                let t: Arc<str> = Arc::from(m.topic());
                self.topics.insert(m.topic().to_owned(), Arc::clone(&t));
                t
            }
        };
        let headers = m
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| {
                        (
                            h.key.to_owned(),
                            Bytes::copy_from_slice(h.value.unwrap_or_default()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Record {
            topic,
            partition: m.partition(),
            offset: m.offset(),
            key: m.key().map(Bytes::copy_from_slice).unwrap_or_default(),
            value: m.payload().map(Bytes::copy_from_slice).unwrap_or_default(),
            headers,
            timestamp_ms: m.timestamp().to_millis(),
        }
    }

    /// With nothing assigned: whether partitions of the subscribed topics have gone unread
    /// (records behind the group's committed offset, which has not moved) for a whole
    /// window. Then the group is stuck, and this member leaves it to join again.
    async fn check_orphans(&mut self) -> Result<(), LogError> {
        let assigned = self.inner.assignment().map_err(client_error)?.count();
        let Some(now) = self.orphans.due(assigned, Instant::now()) else {
            return Ok(());
        };
        let consumer = Arc::clone(&self.inner);
        let topics = self.orphans.topics.clone();
        let lags = tokio::task::spawn_blocking(move || unread(&consumer, &topics))
            .await
            .map_err(|e| LogError::Backend(e.to_string()))?;
        match lags {
            // The broker did not answer; the next window asks again.
            Err(e) => {
                tracing::debug!(error = %e, "could not look for unread partitions");
                self.orphans.restart(now);
                Ok(())
            }
            Ok(lags) => match self.orphans.observe(lags, now) {
                None => Ok(()),
                Some(stuck) => {
                    tracing::warn!(
                        partitions = %stuck,
                        window = ?self.orphans.window,
                        "partitions have records no member of the group reads; joining the group again"
                    );
                    Err(LogError::Backend(format!(
                        "no member of the group reads {stuck}: joining it again"
                    )))
                }
            },
        }
    }
}

/// For each partition of `topics`: the group's committed offset (its low watermark when it
/// never committed) and the partition's high watermark.
fn unread(
    consumer: &StreamConsumer,
    topics: &[String],
) -> Result<Vec<Lag>, rdkafka::error::KafkaError> {
    const ASK: Duration = Duration::from_secs(5);
    let mut list = TopicPartitionList::new();
    let mut lows = HashMap::new();
    let mut highs = HashMap::new();
    for topic in topics {
        let metadata = consumer.fetch_metadata(Some(topic), ASK)?;
        for t in metadata.topics() {
            for p in t.partitions() {
                let (low, high) = consumer.fetch_watermarks(topic, p.id(), ASK)?;
                lows.insert((topic.clone(), p.id()), low);
                highs.insert((topic.clone(), p.id()), high);
                list.add_partition(topic, p.id());
            }
        }
    }
    let committed = consumer.committed_offsets(list, ASK)?;
    Ok(committed
        .elements()
        .iter()
        .map(|e| {
            let key = (e.topic().to_owned(), e.partition());
            let low = lows.get(&key).copied().unwrap_or(0);
            let at = match e.offset() {
                Offset::Offset(at) => at,
                _ => low,
            };
            let end = highs.get(&key).copied().unwrap_or(at);
            Lag {
                partition: key,
                committed: at,
                end,
            }
        })
        .collect())
}

/// Where a group stands on one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lag {
    /// Topic and partition.
    partition: (String, i32),
    /// The group's committed offset.
    committed: i64,
    /// The partition's end (high watermark).
    end: i64,
}

/// The watch for partitions nobody reads, kept while the member has nothing assigned: every
/// `window`, the group's committed offsets and the partitions' ends. A partition with
/// records past its committed offset, at the same committed offset as a window ago, is read
/// by no one: in a group that works, its owner moves the offset on. A member that has
/// partitions, or a group that keeps up, never trips it, so members beyond the partition
/// count stay idle without rebalancing anyone.
struct Orphans {
    topics: Vec<String>,
    window: Duration,
    /// Since when the member has had nothing assigned, or the last look.
    since: Option<Instant>,
    /// The committed offsets of the partitions with records unread at the last look.
    behind: HashMap<(String, i32), i64>,
}

impl Orphans {
    /// The shortest window: long enough for any rebalance to settle.
    const MIN_WINDOW: Duration = Duration::from_secs(20);

    fn new(topics: Vec<String>, window: Duration) -> Self {
        Self {
            topics,
            window,
            since: None,
            behind: HashMap::new(),
        }
    }

    /// Whether it is time to look (`Some(now)`), given how many partitions are assigned.
    fn due(&mut self, assigned: usize, now: Instant) -> Option<Instant> {
        if assigned > 0 {
            self.since = None;
            self.behind.clear();
            return None;
        }
        let since = *self.since.get_or_insert(now);
        (now.duration_since(since) >= self.window).then_some(now)
    }

    fn restart(&mut self, now: Instant) {
        self.since = Some(now);
    }

    /// Takes a look's `(partition, committed, end)`: the partitions stuck since the last
    /// look, named, or `None`.
    fn observe(&mut self, lags: Vec<Lag>, now: Instant) -> Option<String> {
        let previous = std::mem::take(&mut self.behind);
        let mut stuck: Vec<String> = Vec::new();
        for lag in lags {
            if lag.committed >= lag.end {
                continue;
            }
            if previous.get(&lag.partition) == Some(&lag.committed) {
                stuck.push(format!("{}[{}]", lag.partition.0, lag.partition.1));
            }
            self.behind.insert(lag.partition, lag.committed);
        }
        self.since = Some(now);
        if stuck.is_empty() {
            return None;
        }
        stuck.sort();
        Some(stuck.join(", "))
    }
}

#[async_trait]
impl Consumer for KafkaConsumer {
    async fn poll(&mut self, max: usize, timeout: Duration) -> Result<Vec<Record>, LogError> {
        let consumer = Arc::clone(&self.inner);
        let first = match tokio::time::timeout(timeout, consumer.recv()).await {
            Err(_) => {
                self.check_orphans().await?;
                return Ok(Vec::new());
            }
            Ok(Err(e)) => return Err(client_error(e)),
            Ok(Ok(m)) => self.record_of(&m),
        };
        let mut batch = Vec::with_capacity(max.min(1024));
        batch.push(first);
        // Drain what is already fetched without waiting again.
        while batch.len() < max {
            match consumer.recv().now_or_never() {
                Some(Ok(m)) => {
                    let record = self.record_of(&m);
                    batch.push(record);
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "consumer error while draining a batch");
                    break;
                }
                None => break,
            }
        }
        Ok(batch)
    }

    async fn commit(&mut self, positions: &[Position]) -> Result<(), LogError> {
        if positions.is_empty() {
            return Ok(());
        }
        let mut list = TopicPartitionList::with_capacity(positions.len());
        for p in positions {
            list.add_partition_offset(&p.topic, p.partition, Offset::Offset(p.offset))
                .map_err(client_error)?;
        }
        let consumer = Arc::clone(&self.inner);
        // A synchronous commit blocks on the broker's answer: keep it off the async threads.
        tokio::task::spawn_blocking(move || consumer.commit(&list, CommitMode::Sync))
            .await
            .map_err(|e| LogError::Backend(e.to_string()))?
            .map_err(client_error)
    }

    async fn assignment(&mut self) -> Result<Vec<(String, i32)>, LogError> {
        let list = self.inner.assignment().map_err(client_error)?;
        Ok(list
            .elements()
            .iter()
            .map(|e| (e.topic().to_owned(), e.partition()))
            .collect())
    }

    async fn close(self: Box<Self>) -> Result<(), LogError> {
        self.inner.unsubscribe();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(lags: &[(i32, i64, i64)]) -> Vec<Lag> {
        lags.iter()
            .map(|&(p, committed, end)| Lag {
                partition: ("t".to_owned(), p),
                committed,
                end,
            })
            .collect()
    }

    #[test]
    fn a_partition_left_unread_for_a_window_is_named() {
        let window = Duration::from_secs(30);
        let mut orphans = Orphans::new(vec!["t".into()], window);
        let t0 = Instant::now();
        assert_eq!(orphans.due(0, t0), None, "the window starts");
        let t1 = t0 + window;
        assert_eq!(orphans.due(0, t1), Some(t1));
        // The first look only remembers where the group stands.
        assert_eq!(orphans.observe(look(&[(0, 5, 9), (1, 3, 3)]), t1), None);
        let t2 = t1 + window;
        assert_eq!(orphans.due(0, t2), Some(t2));
        assert_eq!(
            orphans
                .observe(look(&[(0, 5, 12), (1, 3, 3)]), t2)
                .as_deref(),
            Some("t[0]"),
            "records behind an offset that did not move: nobody reads partition 0"
        );
    }

    #[test]
    fn a_group_that_keeps_up_or_moves_never_trips_it() {
        let window = Duration::from_secs(30);
        let mut orphans = Orphans::new(vec!["t".into()], window);
        let t0 = Instant::now();
        orphans.due(0, t0);
        assert_eq!(orphans.observe(look(&[(0, 5, 9)]), t0 + window), None);
        // Another member read on: an idle member beyond the partition count stays idle.
        assert_eq!(orphans.observe(look(&[(0, 8, 20)]), t0 + window * 2), None);
        // Caught up: nothing unread.
        assert_eq!(orphans.observe(look(&[(0, 20, 20)]), t0 + window * 3), None);
        assert_eq!(orphans.observe(look(&[(0, 20, 20)]), t0 + window * 4), None);
    }

    #[test]
    fn a_member_with_partitions_does_not_look() {
        let mut orphans = Orphans::new(vec!["t".into()], Duration::from_secs(30));
        let t0 = Instant::now();
        orphans.due(0, t0);
        orphans.observe(look(&[(0, 5, 9)]), t0 + Duration::from_secs(30));
        assert_eq!(orphans.due(2, t0 + Duration::from_secs(60)), None);
        assert!(
            orphans.behind.is_empty(),
            "an assignment forgets what was seen"
        );
        assert_eq!(
            orphans.due(0, t0 + Duration::from_secs(61)),
            None,
            "a new window"
        );
    }
}
