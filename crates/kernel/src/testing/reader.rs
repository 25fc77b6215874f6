//! Reading a topic back in a test, as a consumer of its own would.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use prost::Message as _;
use tagar_eventlog::{Consumer, EventLog, Record};
use tagar_proto::v1::Envelope;

/// A consumer of one topic, in a group no one else uses, reading from the start.
///
/// A poll that fails (a broker's group coordinator that lost the member, say: the consumer
/// then asks to join again) joins the group again, and what it reads again is dropped: each
/// record is seen once.
pub struct TopicReader {
    topic: String,
    log: Arc<dyn EventLog>,
    group: String,
    consumer: Box<dyn Consumer>,
    /// Per partition, the offset after the last record read.
    next: HashMap<i32, i64>,
}

/// How often a reader joins its group again after failed polls before the test fails.
const REJOINS: usize = 5;

impl TopicReader {
    /// Joins a fresh group on `topic` of `log`.
    pub async fn open(log: Arc<dyn EventLog>, topic: &str) -> Self {
        let group = tagar_testkit::unique("test-reader");
        let consumer = log
            .subscribe(&group, &[topic])
            .await
            .unwrap_or_else(|e| panic!("subscribe to {topic}: {e}"));
        Self {
            topic: topic.to_owned(),
            log,
            group,
            consumer,
            next: HashMap::new(),
        }
    }

    /// The records that arrive within `wait`, each once.
    async fn records(&mut self, wait: Duration) -> Vec<Record> {
        let mut failures = 0;
        let records = loop {
            match self.consumer.poll(1_000, wait).await {
                Ok(records) => break records,
                Err(e) if failures < REJOINS => {
                    failures += 1;
                    tracing::warn!(topic = %self.topic, error = %e, "test reader joins its group again");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    match self
                        .log
                        .subscribe(&self.group, &[self.topic.as_str()])
                        .await
                    {
                        Ok(consumer) => {
                            let old = std::mem::replace(&mut self.consumer, consumer);
                            let _ = old.close().await;
                        }
                        Err(e) => tracing::warn!(error = %e, "subscribing again failed"),
                    }
                }
                Err(e) => panic!("poll {}: {e}", self.topic),
            }
        };
        records
            .into_iter()
            .filter(|r| {
                let next = self.next.entry(r.partition).or_insert(0);
                let new = r.offset >= *next;
                *next = (*next).max(r.offset + 1);
                new
            })
            .collect()
    }

    /// The envelopes that arrive within `wait` (all of them, or those already there).
    pub async fn poll(&mut self, wait: Duration) -> Vec<Envelope> {
        self.records(wait)
            .await
            .iter()
            .map(|r| Envelope::decode(&r.value[..]).expect("an envelope"))
            .collect()
    }

    /// The first record (headers and all) for which `find` gives something, failing the test
    /// after `within` naming `what`.
    pub async fn find_record<T>(
        &mut self,
        within: Duration,
        what: &str,
        mut find: impl FnMut(&Record) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            let records = self.records(Duration::from_millis(250)).await;
            for record in &records {
                if let Some(found) = find(record) {
                    return found;
                }
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {within:?} reading {} for {what}",
                self.topic
            );
        }
    }

    /// The first envelope for which `find` gives something, failing the test after `within`
    /// naming `what`.
    pub async fn find<T>(
        &mut self,
        within: Duration,
        what: &str,
        mut find: impl FnMut(&Envelope) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            for envelope in self.poll(Duration::from_millis(250)).await {
                if let Some(found) = find(&envelope) {
                    return found;
                }
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {within:?} reading {} for {what}",
                self.topic
            );
        }
    }

    /// Everything read until `done` holds for it, failing the test after `within` naming
    /// `what`.
    pub async fn until(
        &mut self,
        within: Duration,
        what: &str,
        done: impl Fn(&[Envelope]) -> bool,
    ) -> Vec<Envelope> {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        while !done(&seen) {
            assert!(
                Instant::now() < deadline,
                "timed out after {within:?} reading {} for {what}; read {} envelopes",
                self.topic,
                seen.len()
            );
            seen.extend(self.poll(Duration::from_millis(250)).await);
        }
        seen
    }

    /// Everything read in `window`: to check that nothing more arrives.
    pub async fn for_a_while(&mut self, window: Duration) -> Vec<Envelope> {
        let deadline = Instant::now() + window;
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            seen.extend(self.poll(Duration::from_millis(250)).await);
        }
        seen
    }

    /// Leaves the group.
    pub async fn close(self) {
        let _ = self.consumer.close().await;
    }
}
