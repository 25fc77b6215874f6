//! The path every post takes, pushed or delivered by a network: drop duplicates, match the
//! tenant's rules, publish `PostIngested` to `tagar.posts.ingested.v1`, one batch at a time.
//!
//! Ordering of the duplicate drop and the publish (at-least-once, never lost):
//! 1. **claim** the batch's posts in `ingest_seen` with one multi-row
//!    `INSERT … ON CONFLICT … RETURNING` (only new posts come back, plus claims left
//!    unpublished for longer than [`CLAIM_LEASE`], which a crash mid-publish leaves behind);
//! 2. **publish** the claimed posts in one call, keyed by conversation;
//! 3. **mark** them published. If the publish fails, the claims are released and the caller
//!    gets an error, so a retry ingests them; nothing is recorded as seen that was not
//!    published. A crash between 1 and 3 leaves stale claims that the next delivery takes
//!    over after the lease: the post is then published again, with the **same event id**
//!    (derived from tenant, network and native id), so consumers that record processed
//!    event ids drop the second copy.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tagar_eventlog::{EventLog, LogError, OutgoingRecord};
use tagar_model::{Post, TenantId};
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::{self, envelope::Event};
use tagar_runtime::auth::BrandScope;
use tagar_store::{Store, StoreError};
use uuid::Uuid;

use crate::domain::{Matcher, Scratch};
use crate::metrics::{IngestMetrics, Stage};
use crate::rule_cache::RuleCache;
use crate::store::{self, SeenKey};

/// How long a claim may stay unpublished before another delivery may take it over.
pub const CLAIM_LEASE: Duration = Duration::from_secs(30);

/// How a post reached Tagar, as written in `PostIngested.source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Pushed over gRPC (`PushPosts`, `tagar push`).
    Push,
    /// Delivered by the loopback network.
    Loopback,
}

impl Source {
    /// The name in events and metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Push => "push",
            Source::Loopback => "loopback",
        }
    }
}

/// What became of a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Posts published.
    pub accepted: u64,
    /// Posts seen before (in an earlier batch or earlier in this one).
    pub duplicates: u64,
    /// Posts another delivery (another replica) has claimed and not published yet: neither
    /// taken nor duplicates. The caller must send them again.
    pub pending: u64,
}

/// A batch could not be ingested; none of its new posts was recorded as seen.
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
    store: Store,
    log: Arc<dyn EventLog>,
    rules: Arc<RuleCache>,
    metrics: IngestMetrics,
}

impl Ingestor {
    /// An ingestor publishing to `log`, deduplicating in `store`, counting and timing in
    /// `metrics`.
    pub fn new(
        store: Store,
        log: Arc<dyn EventLog>,
        rules: Arc<RuleCache>,
        metrics: IngestMetrics,
    ) -> Self {
        Self {
            store,
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
        let total = posts.len() as u64;
        let mut keys: Vec<SeenKey> = Vec::with_capacity(posts.len());
        let mut in_batch: HashSet<SeenKey> = HashSet::with_capacity(posts.len());
        let mut fresh: Vec<Post> = Vec::with_capacity(posts.len());
        for post in posts {
            let key = (post.network.as_str(), post.native_id.as_str().to_owned());
            if in_batch.insert(key.clone()) {
                keys.push(key);
                fresh.push(post);
            }
        }
        let now = tagar_store::now_us();
        let stale = now - CLAIM_LEASE.as_micros() as i64;
        let started = Instant::now();
        let claims = store::claim_seen(&self.store, tenant, &keys, now, stale).await?;
        self.timed(Stage::Dedup, started.elapsed());
        let claimed = claims.claimed;
        fresh.retain(|p| claimed.contains(&(p.network.as_str(), p.native_id.as_str().to_owned())));
        let pending = claims.pending.len() as u64;
        let outcome = BatchOutcome {
            accepted: fresh.len() as u64,
            duplicates: total - fresh.len() as u64 - pending,
            pending,
        };
        if fresh.is_empty() {
            self.record(source, outcome);
            return Ok(outcome);
        }
        let claimed: Vec<SeenKey> = keys.into_iter().filter(|k| claimed.contains(k)).collect();
        let matcher = match self.rules.matcher(tenant).await {
            Ok(m) => m,
            Err(e) => {
                self.release(tenant, &claimed, now).await;
                return Err(e.into());
            }
        };
        // Matching and encoding are CPU work: keep them off the async workers.
        let records = tokio::task::spawn_blocking({
            let scope = scope.clone();
            move || records(&matcher, tenant, &scope, &fresh, source)
        })
        .await
        .map_err(|e| IngestError::Task(e.to_string()));
        let published = match records {
            Ok((records, timing)) => {
                self.timed(Stage::Match, timing.matching);
                self.timed(Stage::Encode, timing.encoding);
                let started = Instant::now();
                let published = self
                    .log
                    .publish(topics::POSTS_INGESTED, &records)
                    .await
                    .map_err(IngestError::from);
                self.timed(Stage::Publish, started.elapsed());
                published
            }
            Err(e) => Err(e),
        };
        if let Err(e) = published {
            self.release(tenant, &claimed, now).await;
            return Err(e);
        }
        let started = Instant::now();
        let marked = store::mark_published(&self.store, tenant, &claimed, now).await;
        self.timed(Stage::Mark, started.elapsed());
        if let Err(e) = marked {
            // Published but not marked: the claims stay until the lease ends, then a
            // redelivery republishes with the same event ids, which consumers drop.
            tracing::warn!(%tenant, error = %e, "could not mark published posts as seen");
        }
        self.record(source, outcome);
        Ok(outcome)
    }

    async fn release(&self, tenant: TenantId, claimed: &[SeenKey], claimed_at_us: i64) {
        if let Err(e) = store::release(&self.store, tenant, claimed, claimed_at_us).await {
            tracing::warn!(%tenant, error = %e, "could not release claims; they expire after the lease");
        }
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

/// The `PostIngested` records of `posts`, keyed by conversation, and the time spent.
pub fn records(
    matcher: &Matcher,
    tenant: TenantId,
    scope: &BrandScope,
    posts: &[Post],
    source: Source,
) -> (Vec<OutgoingRecord>, Timing) {
    let mut scratch = Scratch::default();
    let mut timing = Timing::default();
    let records = posts
        .iter()
        .map(|post| {
            let started = Instant::now();
            let found = matcher.match_post(post, &mut scratch);
            let matched = Instant::now();
            timing.matching += matched - started;
            let matches = found
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
            let event = Event::PostIngested(v1::PostIngested {
                post: Some(v1::Post::from(post)),
                matches,
                hashtags: found.hashtags,
                source: source.as_str().to_owned(),
            });
            let mut envelope = EnvelopeBuilder::new(tenant, event).build();
            let id = post_event_id(tenant, post).to_string();
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
