//! The consumers that fold the other services' events into the read models: one consumer
//! group per topic, so the hot posts topic never waits behind the others.

use async_trait::async_trait;
use prometheus::IntCounter;
use tagar_eventlog::{HandleError, Record, RecordHandler};
use tagar_kernel::{Platform, Subscription};
use tagar_proto::topics;
use tagar_store::Store;
use uuid::Uuid;

use crate::domain::fold::{Fold, fold};
use crate::metrics::events_counter;
use crate::store;

/// The topics analytics reads, each with a consumer group of its own. The posts topic is the
/// busy one: it folds larger batches.
pub const SUBSCRIPTIONS: [Subscription; 3] = [
    Subscription::new("tagar-analytics-posts", &[topics::POSTS_INGESTED]).batch(2_000),
    Subscription::new("tagar-analytics-moderation", &[topics::MODERATION_EVENTS]).batch(500),
    Subscription::new("tagar-analytics-scheduling", &[topics::SCHEDULING_EVENTS]).batch(500),
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
        let (meta, envelope) = tagar_kernel::events::decode(record)?;
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
pub fn spawn(platform: &Platform) -> anyhow::Result<()> {
    for subscription in SUBSCRIPTIONS {
        let events = events_counter(&platform.metrics, subscription.topics[0])?;
        let folder = ReadModelFolder::new(platform.background.clone(), subscription.group, events);
        platform.consume(subscription, folder);
    }
    Ok(())
}
