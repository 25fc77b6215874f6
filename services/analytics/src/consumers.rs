//! The consumers that fold the other services' events into the read models: one consumer
//! group per topic, so the hot posts topic never waits behind the others.

use std::sync::Arc;

use async_trait::async_trait;
use prometheus::IntCounter;
use tagar_eventlog::{HandleError, Record, RecordHandler, RunnerConfig, supervise};
use tagar_host::Platform;
use tagar_proto::topics;
use tagar_store::Store;
use uuid::Uuid;

use crate::domain::fold::{Fold, fold};
use crate::metrics::events_counter;
use crate::store;

/// The topics analytics reads and the consumer group of each.
pub const SUBSCRIPTIONS: [(&str, &str); 3] = [
    (topics::POSTS_INGESTED, "tagar-analytics-posts"),
    (topics::MODERATION_EVENTS, "tagar-analytics-moderation"),
    (topics::SCHEDULING_EVENTS, "tagar-analytics-scheduling"),
];

/// Folds a batch of records in memory and writes it in one transaction at flush.
pub struct ReadModelFolder {
    store: Store,
    group: String,
    batch: Vec<(Uuid, Fold)>,
    events: IntCounter,
}

impl ReadModelFolder {
    /// A folder for consumer group `group`, counting folded events in `events`.
    pub fn new(store: Store, group: impl Into<String>, events: IntCounter) -> Self {
        Self {
            store,
            group: group.into(),
            batch: Vec::new(),
            events,
        }
    }
}

#[async_trait]
impl RecordHandler for ReadModelFolder {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = tagar_host::events::decode(record)?;
        let folded = fold(&meta, envelope).map_err(|e| HandleError::Poison(e.to_string()))?;
        if !folded.is_empty() {
            self.batch.push((meta.event_id, folded));
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), HandleError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let new = store::flush(&self.store, &self.group, &self.batch)
            .await
            .map_err(|e| HandleError::Retry(e.to_string()))?;
        self.events.inc_by(new as u64);
        self.batch.clear();
        Ok(())
    }

    fn reset(&mut self) {
        // Handled but not flushed: it will be delivered again.
        self.batch.clear();
    }
}

/// Starts one consumer per subscribed topic, each stopping with the process. A topic is
/// provisioned by the service that writes it, which may start later: the member joins again
/// until it can (nothing is lost, the group resumes at its last commit).
pub fn spawn(platform: &Platform) {
    for (topic, group) in SUBSCRIPTIONS {
        let log = Arc::clone(&platform.log);
        let store = platform.store.clone();
        let events = events_counter(&platform.metrics, topic);
        let token = platform.shutdown.token();
        let config = RunnerConfig {
            batch_size: if topic == topics::POSTS_INGESTED {
                2_000
            } else {
                500
            },
            ..RunnerConfig::default()
        };
        platform.shutdown.spawn(group, async move {
            let mut folder = ReadModelFolder::new(store, group, events);
            supervise(log, group, &[topic], config, &mut folder, token).await;
        });
    }
}
