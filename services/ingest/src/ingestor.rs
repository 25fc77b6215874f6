//! The path every post takes, pushed or delivered by a network: drop duplicates, match the
//! tenant's rules, publish `PostIngested` to `tagar.posts.ingested.v1`, one batch at a time.
//!
//! No store round trip stands on it. A post's event id is derived from (tenant, network,
//! native id), so every copy of a post is the same event:
//! 1. **drop** the copies within the batch, and those this replica published lately
//!    ([`SeenPosts`], in memory);
//! 2. **match** and **encode** the rest on the blocking pool;
//! 3. **publish** them in one call, keyed by conversation, and wait for every
//!    acknowledgement (`acks=all`): only then is the batch accepted;
//! 4. **remember** them as published.
//!
//! [`Ingestor::ingest`] does it all; a push stream calls the halves, [`Ingestor::prepare`]
//! (1–2), [`Ingestor::enqueue`] and [`Ingestor::settle`] (3–4), to keep several batches in
//! flight, in order.
//!
//! A copy this replica does not remember (another replica took it, the replica restarted,
//! or forgot it) is published again, and every consumer drops it by its event id, recorded
//! in the same transaction as what it changed: nothing accepted is lost, nothing is counted
//! twice downstream. A failed publish remembers nothing, so the retry publishes.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tagar_eventlog::{Acked, EventLog, LogError, OutgoingRecord};
use tagar_model::{BrandId, Post, TenantId};
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::{self, envelope::Event};
use tagar_runtime::auth::BrandScope;
use tagar_store::StoreError;
use uuid::Uuid;

use crate::domain::{Matcher, Scratch};
use crate::metrics::{IngestMetrics, Stage};
use crate::rule_cache::RuleCache;
use crate::seen::SeenPosts;

/// How a post reached Tagar, as written in `PostIngested.source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Pushed over gRPC (`PushPosts`, `tagar push`).
    Push,
    /// Delivered by the loopback network.
    Loopback,
    /// Heard on the Bluesky firehose.
    Bluesky,
    /// Heard from Mastodon (a linked account's mentions).
    Mastodon,
    /// Heard from X (a linked account's mentions).
    X,
}

impl Source {
    /// The name in events and metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Push => "push",
            Source::Loopback => "loopback",
            Source::Bluesky => "bluesky",
            Source::Mastodon => "mastodon",
            Source::X => "x",
        }
    }

    /// Where a post heard from `network` came from.
    pub fn heard_on(network: tagar_model::Network) -> Self {
        match network {
            tagar_model::Network::Bluesky => Source::Bluesky,
            tagar_model::Network::Mastodon => Source::Mastodon,
            tagar_model::Network::X => Source::X,
            _ => Source::Loopback,
        }
    }
}

/// What became of a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Posts published.
    pub accepted: u64,
    /// Posts this replica published lately, or copies earlier in the same batch.
    pub duplicates: u64,
}

/// A batch whose duplicates are dropped and whose records are built: [`Ingestor::enqueue`]
/// hands it to the log.
#[derive(Debug)]
pub struct Prepared {
    records: Vec<OutgoingRecord>,
    ids: Vec<Uuid>,
    outcome: BatchOutcome,
    source: Source,
}

/// A batch handed to the log, waiting for its acknowledgement: [`Ingestor::settle`].
#[derive(Debug)]
pub struct InFlight {
    acked: Acked,
    ids: Vec<Uuid>,
    outcome: BatchOutcome,
    source: Source,
    started: Instant,
}

/// A batch could not be ingested; none of its new posts is remembered as published.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The log did not take the batch.
    #[error(transparent)]
    Log(#[from] LogError),
    /// Matching and encoding did not finish.
    #[error("matching task failed: {0}")]
    Task(String),
}

/// Ingests batches of valid posts for any tenant.
pub struct Ingestor {
    seen: SeenPosts,
    log: Arc<dyn EventLog>,
    rules: Arc<RuleCache>,
    metrics: IngestMetrics,
}

impl Ingestor {
    /// An ingestor publishing to `log`, remembering `seen_capacity` published posts,
    /// counting and timing in `metrics`.
    pub fn new(
        log: Arc<dyn EventLog>,
        rules: Arc<RuleCache>,
        seen_capacity: usize,
        metrics: IngestMetrics,
    ) -> Self {
        Self {
            seen: SeenPosts::new(seen_capacity),
            log,
            rules,
            metrics,
        }
    }

    /// Counts `n` posts of `source` with `outcome` (accepted, duplicate, rejected).
    pub fn count(&self, source: Source, outcome: &str, n: u64) {
        self.metrics.count(source.as_str(), outcome, n);
    }

    /// Records that a batch spent `took` in `stage`.
    pub fn timed(&self, stage: Stage, took: Duration) {
        self.metrics.stage(stage, took);
    }

    /// Ingests `posts` of `tenant`: duplicates dropped, the rest matched (to the brands
    /// within `scope` only: a brand-scoped key's posts never reach another brand) and
    /// published. Returns only once the new posts are durably in the log.
    pub async fn ingest(
        &self,
        tenant: TenantId,
        scope: &BrandScope,
        posts: Vec<Post>,
        source: Source,
    ) -> Result<BatchOutcome, IngestError> {
        let prepared = self.prepare(tenant, scope, posts, source).await?;
        let in_flight = self.enqueue(prepared).await?;
        self.settle(in_flight).await
    }

    /// The first half of [`ingest`](Self::ingest): drops the duplicates of `posts` and
    /// matches and encodes the rest, on the blocking pool.
    pub async fn prepare(
        &self,
        tenant: TenantId,
        scope: &BrandScope,
        posts: Vec<Post>,
        source: Source,
    ) -> Result<Prepared, IngestError> {
        self.prepare_addressed(tenant, scope, posts, Vec::new(), source)
            .await
    }

    /// Like [`ingest`](Self::ingest), for posts a network addressed to brands' accounts:
    /// `addressed[i]` are the brands post `i` replies to, quotes or mentions, which it is
    /// matched to whether or not a listening rule matches it.
    pub async fn ingest_addressed(
        &self,
        tenant: TenantId,
        posts: Vec<Post>,
        addressed: Vec<Vec<BrandId>>,
        source: Source,
    ) -> Result<BatchOutcome, IngestError> {
        let prepared = self
            .prepare_addressed(tenant, &BrandScope::All, posts, addressed, source)
            .await?;
        let in_flight = self.enqueue(prepared).await?;
        self.settle(in_flight).await
    }

    async fn prepare_addressed(
        &self,
        tenant: TenantId,
        scope: &BrandScope,
        posts: Vec<Post>,
        mut addressed: Vec<Vec<BrandId>>,
        source: Source,
    ) -> Result<Prepared, IngestError> {
        addressed.resize(posts.len(), Vec::new());
        let total = posts.len() as u64;
        let started = Instant::now();
        let ids = event_ids(tenant, &posts);
        let published = self.seen.published(&ids);
        let mut in_batch: HashSet<Uuid> = HashSet::with_capacity(posts.len());
        let (mut fresh, mut fresh_ids) = (Vec::with_capacity(posts.len()), Vec::new());
        let mut fresh_addressed = Vec::new();
        for (((post, id), before), to) in posts.into_iter().zip(ids).zip(published).zip(addressed) {
            if !before && in_batch.insert(id) {
                fresh.push(post);
                fresh_ids.push(id);
                if !to.is_empty() {
                    fresh_addressed.resize(fresh.len() - 1, Vec::new());
                    fresh_addressed.push(to);
                }
            }
        }
        self.timed(Stage::Dedup, started.elapsed());
        let outcome = BatchOutcome {
            accepted: fresh.len() as u64,
            duplicates: total - fresh.len() as u64,
        };
        if fresh.is_empty() {
            return Ok(Prepared {
                records: Vec::new(),
                ids: Vec::new(),
                outcome,
                source,
            });
        }
        let matcher = self.rules.matcher(tenant).await?;
        // Matching and encoding are CPU work: keep them off the async workers.
        let (records, timing, ids) = tokio::task::spawn_blocking({
            let scope = scope.clone();
            move || {
                let (built, timing) = records(
                    &matcher,
                    tenant,
                    &scope,
                    &fresh,
                    &fresh_ids,
                    &fresh_addressed,
                    source,
                );
                (built, timing, fresh_ids)
            }
        })
        .await
        .map_err(|e| IngestError::Task(e.to_string()))?;
        self.timed(Stage::Match, timing.matching);
        self.timed(Stage::Encode, timing.encoding);
        Ok(Prepared {
            records,
            ids,
            outcome,
            source,
        })
    }

    /// Hands a prepared batch to the log, behind the batches enqueued before it, so a
    /// caller can keep several in flight and a conversation's posts stay in order.
    pub async fn enqueue(&self, prepared: Prepared) -> Result<InFlight, IngestError> {
        let started = Instant::now();
        let acked = self
            .log
            .enqueue(topics::POSTS_INGESTED, &prepared.records)
            .await?;
        Ok(InFlight {
            acked,
            ids: prepared.ids,
            outcome: prepared.outcome,
            source: prepared.source,
            started,
        })
    }

    /// Waits until every post of the batch is acknowledged, then remembers them as
    /// published and counts them. On an error nothing is remembered: a retry publishes.
    pub async fn settle(&self, in_flight: InFlight) -> Result<BatchOutcome, IngestError> {
        in_flight.acked.await?;
        self.timed(Stage::Publish, in_flight.started.elapsed());
        let started = Instant::now();
        self.seen.remember(&in_flight.ids);
        self.timed(Stage::Mark, started.elapsed());
        self.record(in_flight.source, in_flight.outcome);
        Ok(in_flight.outcome)
    }

    fn record(&self, source: Source, outcome: BatchOutcome) {
        self.count(source, "accepted", outcome.accepted);
        self.count(source, "duplicate", outcome.duplicates);
    }
}

/// The time [`records`] spent matching and encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timing {
    /// Matching the rules.
    pub matching: Duration,
    /// Building and encoding the envelopes.
    pub encoding: Duration,
}

/// The `PostIngested` records of `posts` (whose event ids are `ids`), keyed by conversation,
/// and the time spent.
pub fn records(
    matcher: &Matcher,
    tenant: TenantId,
    scope: &BrandScope,
    posts: &[Post],
    ids: &[Uuid],
    addressed: &[Vec<BrandId>],
    source: Source,
) -> (Vec<OutgoingRecord>, Timing) {
    let mut scratch = Scratch::default();
    let mut timing = Timing::default();
    let records = posts
        .iter()
        .zip(ids)
        .enumerate()
        .map(|(i, (post, id))| {
            let started = Instant::now();
            let found = matcher.match_post(post, &mut scratch);
            let matched = Instant::now();
            timing.matching += matched - started;
            let mut matches: Vec<v1::BrandMatch> = found
                .by_brand()
                .into_iter()
                .filter(|(brand, _)| scope.allows(*brand.as_uuid()))
                .map(|(brand, rules)| v1::BrandMatch {
                    brand_id: brand.to_string(),
                    rule_ids: rules.iter().map(Uuid::to_string).collect(),
                    competitor_rule_ids: found
                        .hits
                        .iter()
                        .filter(|h| h.brand_id == brand && h.competitor)
                        .map(|h| h.rule_id.to_string())
                        .collect(),
                })
                .collect();
            // Addressed to a brand's account: that brand's, with no rule named.
            for brand in addressed.get(i).into_iter().flatten() {
                let id = brand.to_string();
                if scope.allows(*brand.as_uuid()) && !matches.iter().any(|m| m.brand_id == id) {
                    matches.push(v1::BrandMatch {
                        brand_id: id,
                        ..v1::BrandMatch::default()
                    });
                }
            }
            let event = Event::PostIngested(v1::PostIngested {
                post: Some(v1::Post::from(post)),
                matches,
                hashtags: found.hashtags,
                source: source.as_str().to_owned(),
            });
            let mut envelope = EnvelopeBuilder::new(tenant, event).build();
            let id = id.to_string();
            envelope.correlation_id.clone_from(&id);
            envelope.event_id = id;
            let record =
                tagar_kernel::events::outgoing(&envelope, post.conversation_key().to_owned());
            timing.encoding += matched.elapsed();
            record
        })
        .collect();
    (records, timing)
}

/// The event ids of `posts` of `tenant`.
pub fn event_ids(tenant: TenantId, posts: &[Post]) -> Vec<Uuid> {
    posts.iter().map(|p| post_event_id(tenant, p)).collect()
}

/// The id of a post's `PostIngested` event: the same for every ingestion of that post by
/// that tenant, so a republished copy is a redelivery to consumers (UUIDv8 over SHA-256).
pub fn post_event_id(tenant: TenantId, post: &Post) -> Uuid {
    let mut hash = Sha256::new();
    hash.update(b"tagar.ingest.PostIngested\0");
    hash.update(tenant.as_uuid().as_bytes());
    hash.update(post.network.as_str().as_bytes());
    hash.update(b"\0");
    hash.update(post.native_id.as_str().as_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
