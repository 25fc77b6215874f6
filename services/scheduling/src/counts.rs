//! A published post's performance over time: its counts (likes, reposts, replies, quotes,
//! views) read back from its network at growing intervals after publishing
//! ([`COUNT_AFTER`](crate::domain::post::COUNT_AFTER): 5 and 30 minutes, 2 and 6 hours, then
//! 1, 3, 7 and 30 days), each reading a `PublishedPostCounted` event of the post, so the
//! read model and every consumer of `tagar.scheduling.events.v1` (analytics) see them.
//!
//! A network that does not give counts (a Bluesky PDS without an AppView), a post gone from the
//! network, or an account no longer linked stops the counting (`PostCountingStopped`, with
//! the reason). A rate limit or an outage leaves the post due and pauses its account until
//! the network's reset (or a minute). Replicas may look at the same post at once: the event
//! is appended at the version read, so one of them records it and the other's conflict is
//! dropped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus::IntCounter;
use tagar_kernel::{CommandError, Expected};
use tagar_model::AccountId;
use tagar_networks::{Account, NetworkError};
use tagar_runtime::Metrics;
use tagar_runtime::vault::Vault;
use tagar_store::{Store, StoreError};
use tokio_util::sync::CancellationToken;

use crate::commands::Commands;
use crate::domain::Link;
use crate::domain::post::PostCommand;
use crate::network::Networks;
use crate::store::{self as sql, Due, credentials};

/// Posts looked at per round.
const BATCH: u32 = 64;

/// Reads published posts' counts when they are due.
pub struct Counter {
    store: Store,
    commands: Commands,
    networks: Networks,
    vault: Option<Arc<Vault>>,
    interval: Duration,
    paused: HashMap<AccountId, DateTime<Utc>>,
    counted: IntCounter,
}

/// What looking at one due post came to.
enum Look {
    /// Counted or stopped (`true`), or left alone (`false`: another replica recorded
    /// first, or its account is paused).
    Done(bool),
    /// Left due: its account is paused until then.
    Later(AccountId, DateTime<Utc>),
}

impl Counter {
    /// A counter over `store`, reading through `networks` with credentials `vault` opens, a
    /// round every `interval`.
    pub fn new(
        store: Store,
        networks: Networks,
        vault: Option<Arc<Vault>>,
        metrics: &Metrics,
        interval: Duration,
    ) -> anyhow::Result<Self> {
        let counted = metrics.counter(
            "post_counts_read_total",
            "Published posts' counts read back from their network.",
        )?;
        Ok(Self {
            commands: Commands::new(store.clone()),
            store,
            networks,
            vault,
            interval,
            paused: HashMap::new(),
            counted,
        })
    }

    /// A round every interval until `cancel`; a failed round is logged and tried again.
    pub async fn run(mut self, cancel: CancellationToken) {
        loop {
            match self.count_once(Utc::now()).await {
                Ok(n) if n == BATCH as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "counting round failed; retrying"),
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(self.interval) => {}
            }
        }
    }

    /// Reads the counts of the posts due at `now`; how many it recorded (counts or a stop).
    /// Posts of a paused account stay due and are not counted here, so a full batch means
    /// more may be waiting.
    pub async fn count_once(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.paused.retain(|_, until| *until > now);
        let due = sql::counts_due(&self.store, now, BATCH).await?;
        let mut recorded = 0;
        for post in &due {
            match self.look(post, now).await? {
                Look::Done(true) => recorded += 1,
                Look::Done(false) => {}
                Look::Later(account, until) => {
                    self.paused.insert(account, until);
                }
            }
        }
        Ok(recorded)
    }

    async fn look(&self, due: &Due, now: DateTime<Utc>) -> Result<Look, StoreError> {
        let Some(view) = self.commands.posts.load(due.tenant, due.post_id).await? else {
            return Ok(Look::Done(false));
        };
        let post = &view.state;
        let (Some(account_id), Some(network)) = (post.account, post.network) else {
            return self
                .stop(due, view.version, "the post has no account")
                .await;
        };
        if self.paused.contains_key(&account_id) {
            return Ok(Look::Done(false));
        }
        let account = self
            .commands
            .accounts
            .load(due.tenant, *account_id.as_uuid())
            .await?
            .map(|a| a.state);
        let linked = account.is_some_and(|a| a.link != Link::Loopback && a.profile.is_some());
        let (Some(connector), Some(vault), true) =
            (self.networks.get(network), self.vault.as_ref(), linked)
        else {
            return self
                .stop(
                    due,
                    view.version,
                    "the account is not linked to its network",
                )
                .await;
        };
        let mut tx = self.store.begin().await?;
        let opened = credentials::load(&mut tx, vault, due.tenant, account_id).await;
        tx.rollback().await?;
        let Some(creds) = opened? else {
            return self
                .stop(due, view.version, "the account has no credentials")
                .await;
        };
        let acting = Account {
            id: *account_id.as_uuid(),
            credentials: &creds,
        };
        let read = connector.counts(&acting, &post.native_id).await;
        if let Some(renewed) = connector.refreshed(*account_id.as_uuid()) {
            let mut tx = self.store.begin().await?;
            credentials::save(&mut tx, vault, due.tenant, account_id, &renewed).await?;
            tx.commit().await?;
        }
        match read {
            Ok(metrics) => {
                let command = PostCommand::RecordCounts { metrics, at: now };
                let recorded = self.execute(due, view.version, command).await?;
                if recorded {
                    self.counted.inc();
                }
                Ok(Look::Done(recorded))
            }
            Err(NetworkError::RateLimited { retry_at, .. }) => {
                Ok(Look::Later(account_id, retry_at))
            }
            Err(NetworkError::Unavailable { reason, .. }) => {
                tracing::info!(post = %due.post_id, %reason, "counts not read; trying again in a minute");
                Ok(Look::Later(account_id, now + chrono::Duration::minutes(1)))
            }
            Err(NetworkError::Unauthorized { reason, .. }) => {
                self.commands
                    .mark_needs_reconnect(due.tenant, account_id, &reason)
                    .await;
                let why = format!("the account needs reconnecting: {reason}");
                self.stop(due, view.version, &why).await
            }
            Err(e @ NetworkError::Refused { .. }) => {
                self.stop(due, view.version, &e.to_string()).await
            }
        }
    }

    async fn stop(&self, due: &Due, version: u64, reason: &str) -> Result<Look, StoreError> {
        tracing::info!(post = %due.post_id, reason, "counting stopped");
        let command = PostCommand::StopCounting {
            reason: reason.to_owned(),
        };
        Ok(Look::Done(self.execute(due, version, command).await?))
    }

    /// Records `command` at `version`; `false` when another replica recorded first.
    async fn execute(
        &self,
        due: &Due,
        version: u64,
        command: PostCommand,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin().await?;
        let Some(view) = self
            .commands
            .posts
            .load_in(&mut tx, due.tenant, due.post_id)
            .await?
            .filter(|v| v.version == version)
        else {
            tx.rollback().await?;
            return Ok(false);
        };
        match self
            .commands
            .posts
            .execute_in(&mut tx, &view, Expected::Exactly(version), command, None)
            .await
        {
            Ok(_) => {
                tx.commit().await?;
                Ok(true)
            }
            Err(CommandError::Store(e)) => Err(e),
            // Another replica moved the post on, or its counting ended meanwhile.
            Err(CommandError::Conflict { .. } | CommandError::Refused(_)) => {
                tx.rollback().await?;
                Ok(false)
            }
        }
    }
}
