//! The dispatcher: every tick it claims the scheduled posts whose time has come and
//! publishes each exactly once.
//!
//! Why never twice and never lost, even with several replicas and crashes: for each due
//! post, one transaction (1) holds the post's read-model row (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`, so another replica skips it; SQLite: the transaction is the database's one
//! writer), (2) lets the publisher record the delivery (the loopback network's outbox
//! record), (3) appends `PostPublished` with the version it read, and (4) moves the read
//! model to `published`. These commit together or not at all. A crash before the commit
//! leaves the post scheduled with no delivery recorded, and the next tick publishes it; after
//! the commit the post is no longer due. A dispatcher that somehow read the same version
//! loses the append with a version conflict and rolls back its delivery. The outbox relay
//! then hands the delivery to the log at least once, and consumers drop a redelivered event
//! id.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus::IntCounter;
use tagar_kernel::{CommandError, Expected};
use tagar_runtime::Metrics;
use tagar_store::{Store, StoreError, StoreTx};
use tokio_util::sync::CancellationToken;

use crate::commands::Commands;
use crate::domain::post::{PostCommand, Stage};
use crate::network::{Outgoing, PublishError, Publisher};
use crate::store::{self as sql, Due};

/// How often and how much the dispatcher works.
#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    /// Time between looks for due posts.
    pub interval: Duration,
    /// The most posts claimed per transaction.
    pub batch: u32,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(250),
            batch: 32,
        }
    }
}

/// Publishes due posts through a [`Publisher`].
pub struct Dispatcher {
    store: Store,
    commands: Commands,
    publisher: Arc<dyn Publisher>,
    config: DispatcherConfig,
    published: IntCounter,
}

impl Dispatcher {
    /// A dispatcher over `store` publishing through `publisher`, counting in `metrics`.
    pub fn new(
        store: Store,
        publisher: Arc<dyn Publisher>,
        metrics: &Metrics,
        config: DispatcherConfig,
    ) -> anyhow::Result<Self> {
        let published = metrics.counter(
            "posts_published_total",
            "Scheduled posts published to their network.",
        )?;
        Ok(Self {
            commands: Commands::new(store.clone()),
            store,
            publisher,
            config,
            published,
        })
    }

    /// Dispatches every interval until `cancel`; a failed round is logged and tried again.
    pub async fn run(self, cancel: CancellationToken) {
        loop {
            match self.dispatch_once(Utc::now()).await {
                Ok(n) if n == self.config.batch as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "dispatch round failed; retrying"),
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(self.config.interval) => {}
            }
        }
    }

    /// Claims the posts due at `now` and publishes them in one transaction; returns how many
    /// were claimed.
    pub async fn dispatch_once(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        if !sql::any_due(&self.store, now).await? {
            return Ok(0);
        }
        let mut tx = self.store.begin().await?;
        let due = sql::claim_due(&mut tx, now, self.config.batch).await?;
        if due.is_empty() {
            tx.rollback().await?;
            return Ok(0);
        }
        let mut published = 0;
        for post in &due {
            if self.publish(&mut tx, post, now).await? {
                published += 1;
            }
        }
        tx.commit().await?;
        self.published.inc_by(published);
        Ok(due.len())
    }

    /// Publishes one claimed post in `tx`; `false` when it turned out not to be due.
    async fn publish(
        &self,
        tx: &mut StoreTx,
        due: &Due,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(view) = self
            .commands
            .posts
            .load_in(tx, due.tenant, due.post_id)
            .await?
        else {
            tracing::warn!(post = %due.post_id, "claimed post has no stream; skipped");
            return Ok(false);
        };
        let post = &view.state;
        let is_due = post.slot.as_ref().is_some_and(|s| s.publish_at <= now);
        if view.version != due.version || post.stage != Stage::Scheduled || !is_due {
            return Ok(false);
        }
        let (Some(brand), Some(account_id)) = (post.brand, post.account) else {
            return Ok(false);
        };
        let account = self
            .commands
            .accounts
            .load_in(tx, due.tenant, *account_id.as_uuid())
            .await?
            .and_then(|a| a.state.profile);
        let outcome = match account {
            None => Err(PublishError::Refused(
                "the account is no longer connected".into(),
            )),
            Some(profile) => {
                let outgoing = Outgoing {
                    tenant: due.tenant,
                    brand,
                    post_id: due.post_id,
                    account: account_id,
                    network: profile.network,
                    handle: profile.handle.as_str(),
                    text: &post.text,
                    media: &post.media,
                    at: now,
                };
                self.publisher.publish(tx, &outgoing).await
            }
        };
        let command = match outcome {
            Ok(d) => PostCommand::Publish {
                network: d.network,
                native_id: d.native_id,
                published_at: d.published_at,
            },
            Err(PublishError::Store(e)) => return Err(e),
            Err(e @ PublishError::Refused(_)) => PostCommand::FailPublish {
                reason: e.to_string(),
                retryable: false,
            },
            Err(e @ PublishError::Unavailable(_)) => PostCommand::FailPublish {
                reason: e.to_string(),
                retryable: true,
            },
        };
        let after = self
            .commands
            .posts
            .execute_in(tx, &view, Expected::Exactly(due.version), command, None)
            .await
            .map_err(|e| match e {
                CommandError::Store(e) => e,
                CommandError::Conflict { expected, actual } => StoreError::Conflict {
                    aggregate_id: due.post_id.to_string(),
                    expected,
                    actual,
                },
                CommandError::Refused(refusal) => StoreError::Corrupt {
                    field: "scheduling_posts.state",
                    reason: refusal.to_string(),
                },
            })?;
        let published = after.state.stage == Stage::Published;
        if published {
            tracing::info!(post = %due.post_id, "published");
        }
        Ok(published)
    }
}
