//! The dispatcher: every tick it claims the scheduled posts whose time has come and
//! publishes each exactly once.
//!
//! **Loopback accounts** (no credentials): one transaction (1) holds the post's read-model
//! row (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so another replica skips it; SQLite: the
//! transaction is the database's one writer), (2) lets the loopback publisher record the
//! delivery (an outbox record), (3) appends `PostPublished` with the version it read, and (4)
//! moves the read model to `published`. These commit together or not at all.
//!
//! **Accounts linked to their network**: the network call cannot join a transaction, and
//! holding one open across it would stall every other writer (SQLite) for as long as the
//! network takes. So:
//! 1. the claiming transaction records `PublishStarted` (attempt n, a lease until `now +
//!    lease`) and commits: the post is `publishing`, and due again only when the lease ends;
//! 2. outside any transaction, the post's media are fetched (`tagar_networks::media`: public
//!    addresses only, the network's sizes) and the connector uploads them and publishes with
//!    the scheduled post's id as its idempotency key (Bluesky: the record key), within the
//!    call timeout (shorter than the lease; both longer for a post with media);
//! 3. a second transaction records the answer (`PostPublished`, or `PublishFailed` with a
//!    retry time), expecting the version of step 1: if the lease ran out and another
//!    dispatcher took the post, this one records nothing.
//!
//! A crash between 2 and 3 leaves the post `publishing` with the call made. When the lease
//! ends the post is claimed again, and the connector's second call with the same key finds
//! the post already on the network and answers with it, which is recorded as published: one
//! post on the network, one `PostPublished`. Retryable failures back off (the network's reset
//! time on a rate limit, else exponentially); after [`MAX_ATTEMPTS`] the post fails for good.
//! A refused credential marks the account "needs reconnect" (an event) and fails its posts
//! with that reason instead of retrying.
//!
//! A post whose slot falls in one of its brand's hashtag chats on its network goes out with
//! the chat's hashtag appended when it lacks it (`domain::chat::tagged`); one that no longer
//! fits the network with it fails, saying so.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use prometheus::IntCounter;
use tagar_kernel::{CommandError, Expected, Loaded};
use tagar_model::{AccountId, Network, TenantId};
use tagar_networks::{Account, Connector, Credentials, NetworkError, Publication};
use tagar_runtime::Metrics;
use tagar_runtime::vault::Vault;
use tagar_store::{Store, StoreError, StoreTx};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::commands::Commands;
use crate::domain::Link;
use crate::domain::post::{PostCommand, ScheduledPost, Stage};
use crate::network::{Networks, Outgoing, PublishError, Publisher};
use crate::store::{self as sql, Due, credentials};

/// Attempts at publishing one post before it fails for good.
pub const MAX_ATTEMPTS: u32 = 10;
/// Network calls one round makes at once.
const CALLS_AT_ONCE: usize = 16;

/// How often and how much the dispatcher works.
#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    /// Time between looks for due posts.
    pub interval: Duration,
    /// The most posts claimed per transaction.
    pub batch: u32,
    /// How long a publishing attempt holds its post: after it, another dispatcher may call
    /// the network again (with the same idempotency key).
    pub lease: Duration,
    /// How long one network call may take; shorter than `lease`.
    pub call_timeout: Duration,
    /// The same two for a post with media, whose fetching and uploading take longer.
    pub media_lease: Duration,
    /// How long fetching a post's media and publishing it may take; shorter than
    /// `media_lease`.
    pub media_call_timeout: Duration,
    /// The first retry's delay after a failure; each further one doubles it, up to
    /// `max_backoff`.
    pub backoff: Duration,
    /// The longest delay between retries.
    pub max_backoff: Duration,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(250),
            batch: 32,
            lease: Duration::from_secs(120),
            call_timeout: Duration::from_secs(60),
            media_lease: Duration::from_secs(900),
            media_call_timeout: Duration::from_secs(600),
            backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(600),
        }
    }
}

impl DispatcherConfig {
    /// The defaults with a lease of `lease` (at least 2 s) for posts without media, and a
    /// call timeout of half of it.
    pub fn with_lease(lease: Duration) -> Self {
        let lease = lease.max(Duration::from_secs(2));
        Self {
            lease,
            call_timeout: lease / 2,
            ..Self::default()
        }
    }

    fn retry_at(&self, now: DateTime<Utc>, attempt: u32) -> DateTime<Utc> {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        let delay = self.backoff.saturating_mul(factor).min(self.max_backoff);
        now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX)
    }
}

/// A network call a round has to make, after its `PublishStarted` committed.
struct Call {
    tenant: TenantId,
    post_id: Uuid,
    /// The post's version after `PublishStarted`.
    version: u64,
    account: AccountId,
    attempt: u32,
    network: Network,
    connector: Arc<dyn Connector>,
    credentials: Credentials,
    text: String,
    media: Vec<tagar_model::Media>,
    reply_to: Option<String>,
    written_at: DateTime<Utc>,
    first_attempt_at: Option<DateTime<Utc>>,
    /// The round's time, and when (on this machine's clock) the round began.
    round: (DateTime<Utc>, std::time::Instant),
}

/// What preparing one claimed post came to.
enum Step {
    /// Recorded in the claiming transaction; `true` when published.
    Done(bool),
    /// To call the network once the claiming transaction committed.
    Call(Box<Call>),
}

/// Publishes due posts through a [`Publisher`].
pub struct Dispatcher {
    store: Store,
    commands: Commands,
    publisher: Arc<dyn Publisher>,
    networks: Networks,
    vault: Option<Arc<Vault>>,
    config: DispatcherConfig,
    published: IntCounter,
    failed: IntCounter,
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
        let failed = metrics.counter(
            "publish_failures_total",
            "Publishing attempts that failed (retried or final).",
        )?;
        Ok(Self {
            commands: Commands::new(store.clone()),
            store,
            publisher,
            networks: Networks::default(),
            vault: None,
            config,
            published,
            failed,
        })
    }

    /// The same dispatcher, publishing linked accounts' posts through `networks` with the
    /// credentials `vault` opens.
    pub fn with_networks(mut self, networks: Networks, vault: Option<Arc<Vault>>) -> Self {
        self.networks = networks;
        self.vault = vault;
        self
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

    /// Claims the posts due at `now` and publishes them: loopback accounts' in the claiming
    /// transaction, linked accounts' by a network call after it; returns how many were
    /// claimed.
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
        let mut calls = Vec::new();
        for post in &due {
            match self.prepare(&mut tx, post, now).await? {
                Step::Done(true) => published += 1,
                Step::Done(false) => {}
                Step::Call(call) => calls.push(call),
            }
        }
        tx.commit().await?;
        self.published.inc_by(published);
        let answers: Vec<Result<(), StoreError>> = futures::stream::iter(calls)
            .map(|call| self.call(*call))
            .buffer_unordered(CALLS_AT_ONCE)
            .collect()
            .await;
        for answer in answers {
            if let Err(e) = answer {
                // The post stays publishing; its lease ends and it is taken again.
                tracing::warn!(error = %e, "recording a network's answer failed");
            }
        }
        Ok(due.len())
    }

    /// Prepares one claimed post in `tx`: publishes it to the loopback network, records why
    /// it cannot go out, or starts an attempt at its network.
    async fn prepare(
        &self,
        tx: &mut StoreTx,
        due: &Due,
        now: DateTime<Utc>,
    ) -> Result<Step, StoreError> {
        let Some(view) = self
            .commands
            .posts
            .load_in(tx, due.tenant, due.post_id)
            .await?
        else {
            tracing::warn!(post = %due.post_id, "claimed post has no stream; skipped");
            return Ok(Step::Done(false));
        };
        let post = &view.state;
        let is_due = post.due_at.is_some_and(|at| at <= now);
        if view.version != due.version
            || !matches!(post.stage, Stage::Scheduled | Stage::Publishing)
            || !is_due
        {
            return Ok(Step::Done(false));
        }
        let (Some(brand), Some(account_id)) = (post.brand, post.account) else {
            return Ok(Step::Done(false));
        };
        let account = self
            .commands
            .accounts
            .load_in(tx, due.tenant, *account_id.as_uuid())
            .await?
            .map(|a| a.state);
        let Some((account, profile)) = account.and_then(|a| a.profile.clone().map(|p| (a, p)))
        else {
            let refused = Err(PublishError::Refused(
                "the account is no longer connected".into(),
            ));
            return self.record(tx, &view, refused, now).await.map(Step::Done);
        };
        // A post whose time falls in one of the brand's live chats on its network carries
        // the chat's hashtag (decided by its slot, so every attempt publishes the same text).
        let at = post.slot.as_ref().map_or(now, |s| s.publish_at);
        let text = match sql::chat_tag_at(tx.conn(), due.tenant, brand, profile.network, at).await?
        {
            None => std::borrow::Cow::Borrowed(post.text.as_str()),
            Some(tag) => match crate::domain::chat::tagged(profile.network, &post.text, &tag) {
                Ok(text) => text,
                Err(why) => {
                    let refused = Err(PublishError::Refused(format!("text: {why}")));
                    return self.record(tx, &view, refused, now).await.map(Step::Done);
                }
            },
        };
        if account.link == Link::Loopback {
            let outgoing = Outgoing {
                tenant: due.tenant,
                brand,
                post_id: due.post_id,
                account: account_id,
                network: profile.network,
                handle: profile.handle.as_str(),
                text: &text,
                media: &post.media,
                reply_to: post.reply_to.as_ref().map(|(id, _)| id.as_str()),
                at: now,
            };
            let outcome = self.publisher.publish(tx, &outgoing).await;
            return self.record(tx, &view, outcome, now).await.map(Step::Done);
        }
        let cannot = |reason: String| Err(PublishError::Refused(reason));
        if let Some(reason) = &account.needs_reconnect {
            let outcome = cannot(format!("the account needs reconnecting: {reason}"));
            return self.record(tx, &view, outcome, now).await.map(Step::Done);
        }
        if post.attempts >= MAX_ATTEMPTS {
            let outcome = cannot(format!(
                "gave up after {} attempts; the last: {}",
                post.attempts, post.reason
            ));
            return self.record(tx, &view, outcome, now).await.map(Step::Done);
        }
        let Some(connector) = self.networks.get(profile.network) else {
            let outcome = cannot(format!("Tagar cannot publish to {} yet", profile.network));
            return self.record(tx, &view, outcome, now).await.map(Step::Done);
        };
        let Some(vault) = &self.vault else {
            let outcome = Err(PublishError::Unavailable(
                "no vault master key is configured (vault.master_keys), so the account's credentials cannot be opened".into(),
            ));
            return self.record(tx, &view, outcome, now).await.map(Step::Done);
        };
        let Some(credentials) = credentials::load(tx, vault, due.tenant, account_id).await? else {
            let outcome = cannot("the account has no stored credentials; reconnect it".into());
            return self.record(tx, &view, outcome, now).await.map(Step::Done);
        };
        let lease = if post.media.is_empty() {
            self.config.lease
        } else {
            self.config.media_lease
        };
        let lease_until = now + chrono::Duration::from_std(lease).unwrap_or_default();
        let started = self
            .execute(tx, &view, PostCommand::StartPublish { now, lease_until })
            .await?;
        Ok(Step::Call(Box::new(Call {
            tenant: due.tenant,
            post_id: due.post_id,
            version: started.version,
            account: account_id,
            attempt: started.state.attempts,
            network: profile.network,
            connector: connector.clone(),
            credentials,
            text: text.into_owned(),
            media: post.media.clone(),
            reply_to: post.reply_to.as_ref().map(|(id, _)| id.clone()),
            written_at: uuid_time(due.post_id).unwrap_or(now),
            first_attempt_at: started.state.first_attempt_at,
            round: (now, std::time::Instant::now()),
        })))
    }

    /// Calls the network for one started attempt, then records its answer.
    async fn call(&self, call: Call) -> Result<(), StoreError> {
        let account = Account {
            id: *call.account.as_uuid(),
            credentials: &call.credentials,
        };
        let timeout = if call.media.is_empty() {
            self.config.call_timeout
        } else {
            self.config.media_call_timeout
        };
        let publish = async {
            let media = self
                .networks
                .media()
                .fetch_all(call.network, &call.media)
                .await
                .map_err(|e| e.into_network_error(call.network))?;
            let publication = Publication {
                key: call.post_id,
                text: &call.text,
                media: &media.items,
                reply_to: call.reply_to.as_deref(),
                quote: None,
                created_at: call.written_at,
                attempt: call.attempt,
                first_attempt_at: call.first_attempt_at,
            };
            call.connector.publish(&account, &publication).await
        };
        let answer = match tokio::time::timeout(timeout, publish).await {
            Ok(answer) => answer,
            Err(_) => Err(NetworkError::Unavailable {
                network: call.network,
                reason: format!("no answer within {timeout:?}"),
            }),
        };
        // The round's clock moved on by the time the call took.
        let now =
            call.round.0 + chrono::Duration::from_std(call.round.1.elapsed()).unwrap_or_default();
        let mut tx = self.store.begin().await?;
        let Some(view) = self
            .commands
            .posts
            .load_in(&mut tx, call.tenant, call.post_id)
            .await?
            .filter(|v| v.version == call.version)
        else {
            // The lease ran out and another dispatcher took the post over.
            tx.rollback().await?;
            return Ok(());
        };
        let mut refused_credentials = None;
        let command = match answer {
            Ok(delivered) => {
                if delivered.already {
                    tracing::info!(post = %call.post_id, native_id = %delivered.native_id,
                        "found on the network from an earlier attempt");
                }
                PostCommand::Publish {
                    network: call.network,
                    native_id: delivered.native_id,
                    published_at: now,
                }
            }
            Err(e) => {
                self.failed.inc();
                tracing::warn!(post = %call.post_id, attempt = call.attempt, error = %e, "publishing failed");
                match e {
                    NetworkError::Unauthorized { ref reason, .. } => {
                        refused_credentials = Some(reason.clone());
                        fail(format!("the account needs reconnecting: {e}"), None)
                    }
                    NetworkError::RateLimited { retry_at, .. } => {
                        fail(e.to_string(), Some(retry_at))
                    }
                    NetworkError::Unavailable { .. } => {
                        fail(e.to_string(), Some(self.config.retry_at(now, call.attempt)))
                    }
                    NetworkError::Refused { .. } => fail(e.to_string(), None),
                }
            }
        };
        let after = self.execute(&mut tx, &view, command).await?;
        // Credentials the call refreshed (X rotates its refresh tokens) are stored with the
        // answer; without them the next process would sign in with spent ones.
        if let (Some(vault), Some(renewed)) = (
            &self.vault,
            call.connector.refreshed(*call.account.as_uuid()),
        ) {
            credentials::save(&mut tx, vault, call.tenant, call.account, &renewed).await?;
        }
        tx.commit().await?;
        if after.state.stage == Stage::Published {
            self.published.inc();
            tracing::info!(post = %call.post_id, attempt = call.attempt, "published");
        }
        if let Some(reason) = refused_credentials {
            self.commands
                .mark_needs_reconnect(call.tenant, call.account, &reason)
                .await;
        }
        Ok(())
    }

    /// Records the outcome of a loopback publish (or of a post that cannot go out) in `tx`;
    /// `true` when published.
    async fn record(
        &self,
        tx: &mut StoreTx,
        view: &Loaded<ScheduledPost>,
        outcome: Result<crate::network::Delivered, PublishError>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let command = match outcome {
            Ok(d) => PostCommand::Publish {
                network: d.network,
                native_id: d.native_id,
                published_at: d.published_at,
            },
            Err(PublishError::Store(e)) => return Err(e),
            Err(e @ PublishError::Refused(_)) => fail(e.to_string(), None),
            Err(e @ PublishError::Unavailable(_)) => {
                let attempt = view.state.attempts + 1;
                fail(e.to_string(), Some(self.config.retry_at(now, attempt)))
            }
        };
        let after = self.execute(tx, view, command).await?;
        let published = after.state.stage == Stage::Published;
        if published {
            tracing::info!(post = %view.id, "published");
        }
        Ok(published)
    }

    async fn execute(
        &self,
        tx: &mut StoreTx,
        view: &Loaded<ScheduledPost>,
        command: PostCommand,
    ) -> Result<Loaded<ScheduledPost>, StoreError> {
        self.commands
            .posts
            .execute_in(tx, view, Expected::Exactly(view.version), command, None)
            .await
            .map_err(store_error(view.id.to_string()))
    }
}

fn fail(reason: String, retry_at: Option<DateTime<Utc>>) -> PostCommand {
    PostCommand::FailPublish {
        reason,
        retryable: retry_at.is_some(),
        retry_at,
    }
}

/// A command error inside the dispatcher is the store's: a refusal here means the stream
/// and the read model disagree.
fn store_error<E: std::fmt::Display>(id: String) -> impl Fn(CommandError<E>) -> StoreError {
    move |e| match e {
        CommandError::Store(e) => e,
        CommandError::Conflict { expected, actual } => StoreError::Conflict {
            aggregate_id: id.clone(),
            expected,
            actual,
        },
        CommandError::Refused(refusal) => StoreError::Corrupt {
            field: "scheduling_posts.state",
            reason: refusal.to_string(),
        },
    }
}

/// When a UUIDv7 was made: when the post was written.
fn uuid_time(id: Uuid) -> Option<DateTime<Utc>> {
    let (secs, nanos) = id.get_timestamp()?.to_unix();
    DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
}
