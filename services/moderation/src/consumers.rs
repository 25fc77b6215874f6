//! The consumer of ingested posts: for each post that matched brands, classify it once, apply
//! each brand's policy, record a `PostClassified` fact per brand and open a review case when
//! the verdict is review or hide. One transaction per envelope, marked processed by its event
//! id, so a redelivery changes nothing.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::Duration;
use prometheus::IntCounterVec;
use prost::Message;
use tagar_eventlog::{HandleError, Record, RecordHandler};
use tagar_kernel::{Cause, CommandError, Subscription, events};
use tagar_model::{BrandId, Post};
use tagar_proto::envelope::{EnvelopeBuilder, EnvelopeMeta};
use tagar_proto::topics;
use tagar_proto::v1::{PostIngested, ReviewCaseOpened, envelope::Event};
use tagar_runtime::Metrics;
use tagar_store::{OutboxMessage, Store};

use crate::commands::Commands;
use crate::domain::classifier::{Classifier, RepeatWindow};
use crate::domain::policy::{ModerationPolicy, Verdict};
use crate::{store, wire};

/// The consumer group reading ingested posts, and what it reads.
pub const INGESTED_POSTS: Subscription =
    Subscription::new("tagar-moderation", &[topics::POSTS_INGESTED]);

/// How many recent texts the repetition window holds for each tenant, and for how long.
const WINDOW_CAPACITY: usize = 20_000;
const WINDOW_MINUTES: i64 = 30;

/// Handles `tagar.posts.ingested.v1` records.
pub struct IngestedPosts {
    store: Store,
    commands: Commands,
    classifier: Arc<Classifier>,
    window: RepeatWindow,
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
            window: RepeatWindow::new(WINDOW_CAPACITY, Duration::minutes(WINDOW_MINUTES)),
            classified,
        })
    }

    async fn process(
        &mut self,
        meta: &EnvelopeMeta,
        correlation: &str,
        ingested: &PostIngested,
        post: &Post,
        brands: &[BrandId],
    ) -> Result<Vec<Verdict>, CommandError> {
        let mut tx = self.store.begin().await?;
        if !tx
            .mark_processed(INGESTED_POSTS.group, meta.event_id)
            .await?
        {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        let tenant = meta.tenant;
        let prepared = self.classifier.prepare(post);
        let repeats = prepared.repeat_key().map_or(1, |key| {
            self.window
                .observe(&tenant.to_string(), key, chrono::Utc::now())
        });
        let classification = self.classifier.classify(&prepared, repeats);
        let wire = ingested.post.clone().unwrap_or_default();
        let author_id = wire
            .author
            .as_ref()
            .map(|a| a.id.clone())
            .unwrap_or_default();
        let cause = meta.event_id.to_string();
        let mut outbox = Vec::with_capacity(brands.len());
        let mut verdicts = Vec::with_capacity(brands.len());
        for &brand in brands {
            let conn = tx.conn();
            let blocked = store::is_blocked(conn, tenant, brand, wire.network, &author_id).await?;
            let policy = store::policy(tx.conn(), tenant, brand)
                .await?
                .map_or_else(ModerationPolicy::default, |(p, _)| p);
            let judged = policy.judge(&classification, blocked);
            let fact = wire::classified(
                &wire,
                &author_id,
                &classification,
                &judged.reasons,
                judged.verdict,
            );
            let envelope = EnvelopeBuilder::new(tenant, Event::PostClassified(fact))
                .brand(brand)
                .caused_by(&cause, correlation)
                .build();
            outbox.push(OutboxMessage {
                topic: topics::MODERATION_EVENTS.to_owned(),
                key: Bytes::from(wire.native_id.clone()),
                payload: Bytes::from(envelope.encode_to_vec()),
                headers: events::headers_of(&envelope),
            });
            if judged.needs_review
                && !store::has_case_for_post(
                    tx.conn(),
                    tenant,
                    brand,
                    wire.network,
                    &wire.native_id,
                )
                .await?
            {
                let opened = ReviewCaseOpened {
                    case_id: String::new(),
                    network: wire.network,
                    native_id: wire.native_id.clone(),
                    author_id: author_id.clone(),
                    text: wire.text.clone(),
                    reasons: judged.reasons,
                    hidden: judged.verdict == Verdict::Hide,
                };
                let cause = Cause {
                    event_id: &cause,
                    correlation_id: correlation,
                };
                self.commands
                    .open_case(&mut tx, (tenant, brand), opened, Some(cause))
                    .await?;
            }
            let verdict = judged.verdict;
            verdicts.push(verdict);
        }
        tx.enqueue(&outbox).await?;
        tx.commit().await?;
        Ok(verdicts)
    }
}

fn poison(reason: impl Into<String>) -> HandleError {
    HandleError::Poison(reason.into())
}

#[async_trait]
impl RecordHandler for IngestedPosts {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = events::decode(record)?;
        let Some(Event::PostIngested(ingested)) = envelope.event.as_ref() else {
            return Ok(());
        };
        if ingested.matches.is_empty() {
            return Ok(());
        }
        let wire = ingested
            .post
            .clone()
            .ok_or_else(|| poison("post_ingested.post: is required"))?;
        let post = Post::try_from(wire).map_err(|e| poison(format!("post_ingested.{e}")))?;
        let mut brands = Vec::with_capacity(ingested.matches.len());
        for m in &ingested.matches {
            let brand = BrandId::parse(&m.brand_id)
                .map_err(|_| poison("post_ingested.matches.brand_id: is not a UUID"))?;
            if !brands.contains(&brand) {
                brands.push(brand);
            }
        }
        let verdicts = self
            .process(&meta, &envelope.correlation_id, ingested, &post, &brands)
            .await
            .map_err(|e| match e {
                // The domain refused what the record asks: the record is at fault.
                CommandError::Refused(refusal) => poison(refusal.to_string()),
                // A race or a store that is down: it will pass.
                other => HandleError::Retry(other.to_string()),
            })?;
        for verdict in verdicts {
            self.classified.with_label_values(&[verdict.as_str()]).inc();
        }
        Ok(())
    }
}
