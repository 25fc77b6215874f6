//! The consumer of ingested posts: for each post that matched brands, classify it once, apply
//! each brand's policy, record a `PostClassified` fact per brand and open a review case when
//! the verdict is review or hide.
//!
//! Records are read and checked one by one (a bad one is dead-lettered alone) and written a
//! batch at a time, in one transaction at flush: the batch's event ids are marked processed
//! in bulk and only the new ones are classified (a redelivered or republished post changes
//! nothing, and its text is not counted again as a repeat), each brand's policy and blocked
//! authors are read once per batch, and the facts go to the outbox in multi-row inserts. A
//! case the domain refuses refuses the batch, which the runner then writes record by record.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use chrono::Duration;
use prometheus::IntCounterVec;
use prost::Message;
use tagar_eventlog::{HandleError, Record, RecordHandler};
use tagar_kernel::{Cause, CommandError, Subscription, events};
use tagar_model::{BrandId, Post, TenantId};
use tagar_proto::envelope::{EnvelopeBuilder, EnvelopeMeta};
use tagar_proto::topics;
use tagar_proto::v1::{self, ReviewCaseOpened, envelope::Event};
use tagar_runtime::Metrics;
use tagar_store::{OutboxMessage, Store, StoreTx};
use tracing::Instrument as _;

use crate::commands::Commands;
use crate::domain::classifier::{Classification, Classifier, RepeatWindow};
use crate::domain::inbox;
use crate::domain::policy::{ModerationPolicy, Verdict};
use crate::{store, wire};

/// The consumer group reading ingested posts, and what it reads: up to 1,000 posts a batch.
pub const INGESTED_POSTS: Subscription =
    Subscription::new("tagar-moderation", &[topics::POSTS_INGESTED]).batch(1_000);

/// How many recent texts the repetition window holds for each tenant, and for how long.
const WINDOW_CAPACITY: usize = 20_000;
const WINDOW_MINUTES: i64 = 30;

/// An ingested post that matched brands, read and checked, waiting for the flush.
struct Pending {
    meta: EnvelopeMeta,
    correlation: String,
    wire: v1::Post,
    post: Post,
    brands: Vec<BrandId>,
    /// The record's span, which continues the trace its headers carried.
    span: tracing::Span,
}

/// The authors each brand blocked, by (tenant, brand, network), among a batch's authors.
type Blocked = HashMap<(TenantId, BrandId, i32), HashSet<String>>;

/// What a batch's post is judged with: its classification, and the batch's policies and
/// blocked authors.
#[derive(Clone, Copy)]
struct Judged<'a> {
    policies: &'a HashMap<(TenantId, BrandId), ModerationPolicy>,
    blocked: &'a Blocked,
    classification: &'a Classification,
}

/// Handles `tagar.posts.ingested.v1` records.
pub struct IngestedPosts {
    store: Store,
    commands: Commands,
    classifier: Arc<Classifier>,
    window: Arc<Mutex<RepeatWindow>>,
    /// Shared with the classifying task, which reads their posts without copying them.
    pending: Vec<Arc<Pending>>,
    classified: IntCounterVec,
}

impl IngestedPosts {
    /// A handler writing to `store`, counting in `metrics`.
    pub fn new(
        store: Store,
        classifier: Arc<Classifier>,
        metrics: &Metrics,
    ) -> anyhow::Result<Self> {
        let classified = metrics.counter_vec(
            "posts_classified_total",
            "Posts classified for a brand, by the policy's verdict.",
            &["verdict"],
        )?;
        Ok(Self {
            commands: Commands::new(store.clone()),
            store,
            classifier,
            window: Arc::new(Mutex::new(RepeatWindow::new(
                WINDOW_CAPACITY,
                Duration::minutes(WINDOW_MINUTES),
            ))),
            pending: Vec::new(),
            classified,
        })
    }

    /// Writes the pending posts in one transaction; returns the verdicts given.
    async fn write(&self) -> Result<Vec<Verdict>, HandleError> {
        let mut tx = self.store.begin().await.map_err(failed)?;
        let ids: Vec<_> = self.pending.iter().map(|p| p.meta.event_id).collect();
        let mut fresh = tx
            .mark_all_processed(INGESTED_POSTS.group, &ids)
            .await
            .map_err(failed)?;
        // `remove` also drops a copy of an event within the batch.
        let new: Vec<Arc<Pending>> = self
            .pending
            .iter()
            .filter(|p| fresh.remove(&p.meta.event_id))
            .cloned()
            .collect();
        if new.is_empty() {
            tx.commit().await.map_err(failed)?;
            return Ok(Vec::new());
        }
        let classifications = self.classify(&new).await?;
        let policies = policies(&mut tx, &new).await.map_err(failed)?;
        let blocked = blocked(&mut tx, &new).await.map_err(failed)?;
        let mut outbox = Vec::with_capacity(new.len());
        let mut verdicts = Vec::with_capacity(new.len());
        for (pending, classification) in new.iter().zip(&classifications) {
            // In the record's own span: its facts and case go on in the trace it carried.
            let judged = Judged {
                policies: &policies,
                blocked: &blocked,
                classification,
            };
            self.write_post(&mut tx, pending, judged, &mut outbox, &mut verdicts)
                .instrument(pending.span.clone())
                .await?;
        }
        tx.enqueue(&outbox).await.map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        Ok(verdicts)
    }

    /// Writes one new post's fact per brand (to `outbox`) and its cases, in the current span.
    async fn write_post(
        &self,
        tx: &mut StoreTx,
        pending: &Pending,
        judged: Judged<'_>,
        outbox: &mut Vec<OutboxMessage>,
        verdicts: &mut Vec<Verdict>,
    ) -> Result<(), HandleError> {
        let tenant = pending.meta.tenant;
        let author_id = pending.post.author.id.as_str();
        let cause = pending.meta.event_id.to_string();
        for &brand in &pending.brands {
            let policy = judged
                .policies
                .get(&(tenant, brand))
                .copied()
                .unwrap_or_default();
            let is_blocked = judged
                .blocked
                .get(&(tenant, brand, pending.wire.network))
                .is_some_and(|authors| authors.contains(author_id));
            let judgement = policy.judge(judged.classification, is_blocked);
            let fact = wire::classified(
                &pending.wire,
                author_id,
                judged.classification,
                &judgement.reasons,
                judgement.verdict,
            );
            let envelope = EnvelopeBuilder::new(tenant, Event::PostClassified(fact))
                .brand(brand)
                .caused_by(&cause, &pending.correlation)
                .build();
            let mut headers = events::headers_of(&envelope);
            tagar_eventlog::trace::inject_current(&mut headers);
            outbox.push(OutboxMessage {
                topic: topics::MODERATION_EVENTS.to_owned(),
                key: Bytes::from(pending.wire.native_id.clone()),
                payload: Bytes::from(envelope.encode_to_vec()),
                headers,
            });
            if judgement.needs_review
                && !store::has_case_for_post(
                    tx.conn(),
                    tenant,
                    brand,
                    pending.wire.network,
                    &pending.wire.native_id,
                )
                .await
                .map_err(failed)?
            {
                let opened = ReviewCaseOpened {
                    case_id: String::new(),
                    network: pending.wire.network,
                    native_id: pending.wire.native_id.clone(),
                    author_id: author_id.to_owned(),
                    text: pending.wire.text.clone(),
                    reasons: judgement.reasons,
                    hidden: judgement.verdict == Verdict::Hide,
                };
                let cause = Cause {
                    event_id: &cause,
                    correlation_id: &pending.correlation,
                };
                self.commands
                    .open_case(tx, (tenant, brand), opened, Some(cause))
                    .await
                    .map_err(failed)?;
            }
            if judgement.verdict != Verdict::Hide {
                let abusive =
                    is_blocked || judged.classification.abuse_score >= policy.review_threshold;
                let answering = (judged.classification, policy, abusive);
                self.open_inbox_item(tx, pending, brand, answering).await?;
            }
            verdicts.push(judgement.verdict);
        }
        Ok(())
    }

    /// Opens an inbox item for `brand` when the post wants an answer (a question, a
    /// complaint, a reply in a conversation) and the brand's inbox has none for it yet.
    async fn open_inbox_item(
        &self,
        tx: &mut StoreTx,
        pending: &Pending,
        brand: BrandId,
        (classification, policy, abusive): (&Classification, ModerationPolicy, bool),
    ) -> Result<(), HandleError> {
        let post = &pending.post;
        let kind = inbox::kind_of(&post.text, classification.sentiment);
        if !inbox::wants_an_answer(kind, post.reply_to.is_some()) {
            return Ok(());
        }
        let tenant = pending.meta.tenant;
        let network = pending.wire.network;
        let native_id = pending.wire.native_id.as_str();
        if store::inbox::has_item_for_post(tx.conn(), tenant, brand, (network, native_id))
            .await
            .map_err(failed)?
        {
            return Ok(());
        }
        let earlier =
            store::inbox::earlier_cases(tx.conn(), tenant, brand, (network, &post.author.id))
                .await
                .map_err(failed)?;
        // Questions and complaints go to the brand's support account, when it has one on
        // the post's network.
        let routed_to = match (kind, policy.support_account) {
            (inbox::Kind::Question | inbox::Kind::Complaint, Some(account)) => {
                let on =
                    store::inbox::account_network(tx.conn(), tenant, brand, &account.to_string())
                        .await
                        .map_err(failed)?;
                (on == Some(network)).then_some(account)
            }
            _ => None,
        };
        let now = chrono::Utc::now();
        let facts = wire::InboxFacts {
            routed_to,
            kind,
            sentiment: classification.sentiment,
            earlier_cases: earlier,
            abusive,
            opened_at: now,
            due_by: policy.first_response_due(now),
        };
        let opened = wire::inbox_opened(&pending.wire, post, facts);
        let cause = pending.meta.event_id.to_string();
        let cause = Cause {
            event_id: &cause,
            correlation_id: &pending.correlation,
        };
        self.commands
            .open_inbox_item(tx, (tenant, brand), opened, Some(cause))
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// Classifies the new posts on the blocking pool, counting each text in its tenant's
    /// repetition window once.
    async fn classify(&self, new: &[Arc<Pending>]) -> Result<Vec<Classification>, HandleError> {
        let posts = new.to_vec();
        let (classifier, window) = (Arc::clone(&self.classifier), Arc::clone(&self.window));
        tokio::task::spawn_blocking(move || {
            let mut window = window.lock().unwrap_or_else(|p| p.into_inner());
            let now = chrono::Utc::now();
            posts
                .iter()
                .map(|p| {
                    let prepared = classifier.prepare(&p.post);
                    let repeats = prepared.repeat_key().map_or(1, |key| {
                        window.observe(&p.meta.tenant.to_string(), key, now)
                    });
                    classifier.classify(&prepared, repeats)
                })
                .collect()
        })
        .await
        // A panic on a post: the runner finds which, one by one, and dead-letters it.
        .map_err(|e| poison(format!("the classifier failed: {e}")))
    }
}

/// The policy of every brand the posts matched (brands that never set one are absent).
async fn policies(
    tx: &mut StoreTx,
    new: &[Arc<Pending>],
) -> Result<HashMap<(TenantId, BrandId), ModerationPolicy>, CommandError> {
    let mut policies = HashMap::new();
    let pairs: HashSet<(TenantId, BrandId)> = new
        .iter()
        .flat_map(|p| p.brands.iter().map(|&b| (p.meta.tenant, b)))
        .collect();
    for (tenant, brand) in pairs {
        if let Some((policy, _)) = store::policy(tx.conn(), tenant, brand).await? {
            policies.insert((tenant, brand), policy);
        }
    }
    Ok(policies)
}

/// The batch's authors that the brands they reached blocked: one query per brand and
/// network.
async fn blocked(tx: &mut StoreTx, new: &[Arc<Pending>]) -> Result<Blocked, CommandError> {
    let mut authors: HashMap<(TenantId, BrandId), HashSet<(i32, &str)>> = HashMap::new();
    for p in new {
        for &brand in &p.brands {
            authors
                .entry((p.meta.tenant, brand))
                .or_default()
                .insert((p.wire.network, p.post.author.id.as_str()));
        }
    }
    let mut blocked = Blocked::new();
    for ((tenant, brand), authors) in authors {
        let authors: Vec<(i32, &str)> = authors.into_iter().collect();
        for (network, author) in store::blocked_among(tx.conn(), tenant, brand, &authors).await? {
            blocked
                .entry((tenant, brand, network))
                .or_default()
                .insert(author);
        }
    }
    Ok(blocked)
}

/// A command that did not happen: refused by the domain (the record is at fault: the runner
/// finds which, one by one), or for a reason that will pass (a race, a store that is down).
fn failed(e: impl Into<CommandError>) -> HandleError {
    match e.into() {
        CommandError::Refused(refusal) => poison(refusal.to_string()),
        other => HandleError::Retry(other.to_string()),
    }
}

fn poison(reason: impl Into<String>) -> HandleError {
    HandleError::Poison(reason.into())
}

#[async_trait]
impl RecordHandler for IngestedPosts {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = events::decode(record)?;
        let correlation = envelope.correlation_id;
        let Some(Event::PostIngested(ingested)) = envelope.event else {
            return Ok(());
        };
        if ingested.matches.is_empty() {
            return Ok(());
        }
        let wire = ingested
            .post
            .ok_or_else(|| poison("post_ingested.post: is required"))?;
        let post =
            Post::try_from(wire.clone()).map_err(|e| poison(format!("post_ingested.{e}")))?;
        let mut brands = Vec::with_capacity(ingested.matches.len());
        for m in &ingested.matches {
            let brand = BrandId::parse(&m.brand_id)
                .map_err(|_| poison("post_ingested.matches.brand_id: is not a UUID"))?;
            if !brands.contains(&brand) {
                brands.push(brand);
            }
        }
        self.pending.push(Arc::new(Pending {
            meta,
            correlation,
            wire,
            post,
            brands,
            span: tracing::Span::current(),
        }));
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), HandleError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let verdicts = self.write().await?;
        self.pending.clear();
        for verdict in verdicts {
            self.classified.with_label_values(&[verdict.as_str()]).inc();
        }
        Ok(())
    }

    fn reset(&mut self) {
        // Handled but not written: it will be delivered again.
        self.pending.clear();
    }
}

/// The consumer group of scheduling's and analytics' events, and what it reads.
pub const SCHEDULING: Subscription = Subscription::new(
    "tagar-moderation-scheduling",
    &[topics::SCHEDULING_EVENTS, topics::ANALYTICS_EVENTS],
);

/// What the desk learns from scheduling: the brands' accounts (to answer from), whether a
/// reply it asked for went out (the item is answered, with its response time) or not, and
/// when a crisis's queue is resumed; and from analytics, that a brand is in a crisis (its
/// items come first until the resume). Idempotent: an account is kept once, an item takes
/// only the outcome of the reply it waits for, a crisis is one row per brand.
pub struct Replies {
    store: Store,
    commands: Commands,
}

impl Replies {
    /// Reading into `store`.
    pub fn new(store: Store) -> Self {
        Self {
            commands: Commands::new(store.clone()),
            store,
        }
    }

    async fn settle(
        &self,
        meta: &EnvelopeMeta,
        reply_post_id: &str,
        outcome: impl FnOnce(String) -> inbox::InboxCommand,
    ) -> Result<(), HandleError> {
        let retry = |e: tagar_store::StoreError| HandleError::Retry(e.to_string());
        let mut conn = self.store.acquire().await.map_err(retry)?;
        let found = store::inbox::item_of_reply(&mut conn, meta.tenant, reply_post_id)
            .await
            .map_err(retry)?;
        drop(conn);
        let Some((item_id, _)) = found else {
            return Ok(());
        };
        let id = uuid::Uuid::parse_str(&item_id).map_err(|e| poison(e.to_string()))?;
        let Some(item) = self
            .commands
            .inbox
            .load(meta.tenant, id)
            .await
            .map_err(retry)?
        else {
            return Ok(());
        };
        match self
            .commands
            .inbox
            .execute(
                &item,
                tagar_kernel::Expected::Exactly(item.version),
                outcome(reply_post_id.to_owned()),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(CommandError::Refused(refusal)) => {
                tracing::warn!(item = %item_id, error = %refusal, "a reply's outcome was not recorded");
                Ok(())
            }
            Err(e) => Err(HandleError::Retry(e.to_string())),
        }
    }
}

#[async_trait]
impl RecordHandler for Replies {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = events::decode(record)?;
        match &envelope.event {
            Some(Event::SocialAccountConnected(connected)) => {
                let Some(brand) = meta.brand else {
                    return Ok(());
                };
                let mut conn = self
                    .store
                    .acquire()
                    .await
                    .map_err(|e| HandleError::Retry(e.to_string()))?;
                let account = (
                    envelope.aggregate_id.as_str(),
                    connected.network,
                    connected.handle.as_str(),
                );
                store::inbox::remember_account(&mut conn, meta.tenant, brand, account)
                    .await
                    .map_err(|e| HandleError::Retry(e.to_string()))
            }
            Some(Event::PostPublished(published)) => {
                let at = published
                    .published_at
                    .as_ref()
                    .and_then(|t| tagar_proto::convert::time_from_wire(t, "published_at").ok())
                    .unwrap_or(meta.occurred_at);
                let native = published.native_id.clone();
                self.settle(&meta, &envelope.aggregate_id, |reply_post_id| {
                    inbox::InboxCommand::Answered {
                        reply_post_id,
                        reply_native_id: native,
                        at,
                    }
                })
                .await
            }
            Some(Event::CrisisDetected(detected)) => {
                let Some(brand) = meta.brand else {
                    return Ok(());
                };
                let since = detected
                    .detected_at
                    .as_ref()
                    .and_then(|t| tagar_proto::convert::time_from_wire(t, "detected_at").ok())
                    .unwrap_or(meta.occurred_at)
                    .timestamp_micros();
                let mut conn = self.store.acquire().await.map_err(retry_of)?;
                store::inbox::crisis_began(
                    &mut conn,
                    meta.tenant,
                    brand,
                    &envelope.aggregate_id,
                    since,
                )
                .await
                .map_err(retry_of)
            }
            Some(Event::BrandQueueResumed(resumed)) if !resumed.crisis_id.is_empty() => {
                let Some(brand) = meta.brand else {
                    return Ok(());
                };
                let mut conn = self.store.acquire().await.map_err(retry_of)?;
                store::inbox::crisis_ended(&mut conn, meta.tenant, brand, &resumed.crisis_id)
                    .await
                    .map_err(retry_of)
            }
            Some(Event::PublishFailed(failed)) if !failed.retryable => {
                let reason = failed.reason.clone();
                self.settle(&meta, &envelope.aggregate_id, |reply_post_id| {
                    inbox::InboxCommand::ReplyFailed {
                        reply_post_id,
                        reason,
                    }
                })
                .await
            }
            _ => Ok(()),
        }
    }
}

fn retry_of(e: tagar_store::StoreError) -> HandleError {
    HandleError::Retry(e.to_string())
}
