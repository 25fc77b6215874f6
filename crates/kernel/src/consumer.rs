//! The one way a service runs a consumer: a [`Subscription`] (group, topics, batch size) and
//! a handler, started with [`Platform::consume`]. The handler runs as a member of its group
//! until the process shuts down, and joins again after any failure, resuming at the group's
//! last commit (see `tagar_eventlog::supervise`).

use std::sync::Arc;

use async_trait::async_trait;
use tagar_eventlog::{ConsumerWatch, RecordHandler, RunnerConfig, supervise};
use tagar_runtime::HealthState;

use crate::process::Platform;

/// What a consumer reads: its group, its topics and how many records it handles between two
/// commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscription {
    /// The consumer group; every replica of the service joins the same one.
    pub group: &'static str,
    /// The topics it reads.
    pub topics: &'static [&'static str],
    /// The most records handled (and flushed) between two commits.
    pub batch_size: usize,
}

impl Subscription {
    /// `group` reading `topics`, 1,000 records a batch.
    pub const fn new(group: &'static str, topics: &'static [&'static str]) -> Self {
        Self {
            group,
            topics,
            batch_size: 1_000,
        }
    }

    /// The same, `batch_size` records a batch.
    pub const fn batch(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    fn runner_config(&self, health: &HealthState) -> RunnerConfig {
        RunnerConfig {
            batch_size: self.batch_size,
            watch: Some(Arc::new(Readiness {
                health: health.clone(),
            })),
            ..RunnerConfig::default()
        }
    }
}

/// A stalled consumer makes the process not ready (`/readyz` names it `consumer <group>`)
/// until it moves again: a replica whose store is down should get no new work.
struct Readiness {
    health: HealthState,
}

fn component(group: &str) -> String {
    format!("consumer {group}")
}

#[async_trait]
impl ConsumerWatch for Readiness {
    async fn stalled(&self, group: &str, why: &str) {
        tracing::warn!(group, why, "consumer stalled; it keeps trying");
        self.health.set_unready(&component(group)).await;
    }

    async fn moving(&self, group: &str) {
        self.health.set_ready(&component(group)).await;
    }
}

impl Platform {
    /// Starts `handler` as a member of `subscription`'s group, as a task of the process: it
    /// stops and drains with the process.
    pub fn consume<H: RecordHandler + 'static>(&self, subscription: Subscription, mut handler: H) {
        let log = Arc::clone(&self.log);
        let token = self.shutdown.token();
        let config = subscription.runner_config(&self.health);
        self.shutdown.spawn(subscription.group, async move {
            supervise(
                log,
                subscription.group,
                subscription.topics,
                config,
                &mut handler,
                token,
            )
            .await;
        });
    }
}
