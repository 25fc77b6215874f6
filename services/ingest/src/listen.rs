//! Listening to Bluesky: the firehose (`networks.bluesky_firehose`), taken in like pushed
//! posts.
//!
//! One replica reads a firehose at a time: it holds a lease on the firehose's row in
//! `ingest_firehose_cursors`, renewed with every batch (a replica that dies lets it lapse
//! after [`LEASE`], and another takes over from the stored cursor). Events are gathered into
//! batches (up to [`BATCH`] events or [`LINGER`]); each batch's posts go to the tenants that
//! should hear them, are ingested (so acknowledged by the log), and only then is the cursor
//! stored. A crash replays from the last stored cursor: nothing is lost, and what is taken in
//! twice carries the same deterministic event id, which every consumer drops.
//!
//! Who hears a post: every tenant with an account linked to Bluesky hears the posts that
//! match its listening rules, and the posts addressed to or written by its linked accounts
//! (replies to them, quotes of them, mentions of them, and their own posts).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tagar_model::{Author, BrandId, NativePostId, Network, Post, PostRef, TenantId};
use tagar_networks::bluesky::Bluesky;
use tagar_networks::bluesky::firehose::{Event, Firehose, FirehoseError, HeardPost};
use tagar_store::Store;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::domain::Scratch;
use crate::ingestor::{Ingestor, Source};
use crate::rule_cache::RuleCache;
use crate::store;

/// The most events taken in per batch.
pub const BATCH: usize = 500;
/// How long a batch waits for more events once it has one.
pub const LINGER: Duration = Duration::from_millis(200);
/// How long a replica's hold on a firehose lasts without renewal.
pub const LEASE: Duration = Duration::from_secs(30);
/// Handles remembered per DID before the memory is cleared.
const HANDLES_KEPT: usize = 100_000;

/// Reads one Bluesky firehose into ingest.
pub struct BlueskyListener {
    firehose: Firehose,
    name: String,
    resolver: Url,
    bluesky: Bluesky,
    store: Store,
    ingestor: Arc<Ingestor>,
    rules: Arc<RuleCache>,
    owner: String,
    handles: HashMap<String, String>,
}

impl BlueskyListener {
    /// A listener on the firehose of `service`, resolving handles at `resolver` (default:
    /// the firehose's host).
    pub fn new(
        service: &str,
        resolver: Option<&str>,
        store: Store,
        ingestor: Arc<Ingestor>,
        rules: Arc<RuleCache>,
    ) -> anyhow::Result<Self> {
        let firehose = Firehose::new(service)
            .map_err(|e| anyhow::anyhow!("networks.bluesky_firehose: {e}"))?;
        let mut resolver = match resolver {
            Some(url) => {
                Url::parse(url).map_err(|e| anyhow::anyhow!("networks.bluesky_resolver: {e}"))?
            }
            None => firehose.endpoint().clone(),
        };
        if resolver.scheme().starts_with("ws") {
            let http = if resolver.scheme() == "wss" {
                "https"
            } else {
                "http"
            };
            resolver
                .set_scheme(http)
                .map_err(|()| anyhow::anyhow!("networks.bluesky_resolver: bad scheme"))?;
        }
        resolver.set_path("/");
        Ok(Self {
            name: firehose.endpoint().to_string(),
            firehose,
            resolver,
            bluesky: Bluesky::new(),
            store,
            ingestor,
            rules,
            owner: uuid::Uuid::new_v4().to_string(),
            handles: HashMap::new(),
        })
    }

    /// Reads until `cancel`, reconnecting with backoff (1 s doubling to 30 s) after a failure.
    pub async fn run(mut self, cancel: CancellationToken) {
        let mut backoff = Duration::from_secs(1);
        loop {
            match self.session(&cancel).await {
                Ok(()) => backoff = Duration::from_secs(1),
                Err(e) => {
                    tracing::warn!(firehose = %self.name, error = %e, retry_in = ?backoff, "firehose listening failed");
                }
            }
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
    }

    fn lease_until(&self) -> i64 {
        tagar_store::now_us() + i64::try_from(LEASE.as_micros()).unwrap_or(i64::MAX)
    }

    /// One connection: from the stored cursor until it fails, the lease is lost, or `cancel`.
    async fn session(&mut self, cancel: &CancellationToken) -> anyhow::Result<()> {
        let until = self.lease_until();
        let Some(cursor) =
            store::lease_firehose(&self.store, &self.name, &self.owner, until).await?
        else {
            // Another replica reads it; look again when its lease could have lapsed.
            tokio::select! {
                () = cancel.cancelled() => {}
                () = tokio::time::sleep(LEASE / 2) => {}
            }
            return Ok(());
        };
        let mut subscription = self.firehose.subscribe(cursor).await?;
        tracing::info!(firehose = %self.name, ?cursor, "listening to the Bluesky firehose");
        loop {
            let mut events = Vec::new();
            let mut ended = None;
            let first = tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                // Renew the lease even when the firehose is quiet.
                () = tokio::time::sleep(LEASE / 3) => None,
                next = subscription.next() => Some(next),
            };
            match first {
                None => {}
                Some(None) => {
                    ended = Some(FirehoseError::Connection(
                        "the server closed the stream".into(),
                    ))
                }
                Some(Some(next)) => events.push(next),
            }
            let deadline = tokio::time::Instant::now() + LINGER;
            while ended.is_none() && !events.is_empty() && events.len() < BATCH {
                match tokio::time::timeout_at(deadline, subscription.next()).await {
                    Err(_) => break,
                    Ok(None) => {
                        ended = Some(FirehoseError::Connection(
                            "the server closed the stream".into(),
                        ))
                    }
                    Ok(Some(next)) => events.push(next),
                }
            }
            let mut last_seq = None;
            let mut posts = Vec::new();
            for event in events {
                match event {
                    Ok(Event::Commit(commit)) => {
                        last_seq = Some(commit.seq);
                        posts.extend(commit.posts.into_iter().map(|p| (p, commit.time)));
                    }
                    Ok(Event::Other { seq, .. }) => last_seq = Some(seq),
                    Ok(Event::Info { name, message }) => {
                        tracing::info!(firehose = %self.name, %name, %message, "firehose info");
                    }
                    Err(FirehoseError::Frame { seq, reason }) => {
                        tracing::warn!(firehose = %self.name, ?seq, %reason, "skipped an unreadable firehose frame");
                        last_seq = seq.or(last_seq);
                    }
                    Err(e) => {
                        ended = Some(e);
                        break;
                    }
                }
            }
            self.take_in(posts).await?;
            let until = self.lease_until();
            let kept = match last_seq {
                Some(seq) => {
                    store::save_firehose_cursor(&self.store, &self.name, &self.owner, seq, until)
                        .await?
                }
                None => store::lease_firehose(&self.store, &self.name, &self.owner, until)
                    .await?
                    .is_some(),
            };
            if !kept {
                tracing::warn!(firehose = %self.name, "another replica took the firehose over");
                return Ok(());
            }
            if let Some(e) = ended {
                return Err(e.into());
            }
        }
    }

    /// Hands each post to the tenants that should hear it, and waits until the log has them.
    async fn take_in(
        &mut self,
        heard: Vec<(HeardPost, Option<DateTime<Utc>>)>,
    ) -> anyhow::Result<()> {
        if heard.is_empty() {
            return Ok(());
        }
        let mut linked: HashMap<String, Vec<(TenantId, BrandId)>> = HashMap::new();
        let mut tenants: HashSet<TenantId> = HashSet::new();
        for (tenant, did, brand) in store::linked_accounts(&self.store, Network::Bluesky).await? {
            tenants.insert(tenant);
            linked.entry(did).or_default().push((tenant, brand));
        }
        if tenants.is_empty() {
            return Ok(());
        }
        let mut matchers = Vec::with_capacity(tenants.len());
        for tenant in tenants {
            matchers.push((tenant, self.rules.matcher(tenant).await?));
        }
        let mut scratch = Scratch::default();
        let mut by_tenant: HashMap<TenantId, (Vec<Post>, Vec<Vec<BrandId>>)> = HashMap::new();
        for (post, committed) in heard {
            // The brands it is addressed to (replies, quotes, mentions); and the tenants whose
            // account wrote it (their own posts, matched to a brand only by its rules).
            let mut addressed: HashMap<TenantId, Vec<BrandId>> = HashMap::new();
            for (tenant, brand) in post
                .addressed_to()
                .filter_map(|did| linked.get(did))
                .flatten()
            {
                let brands = addressed.entry(*tenant).or_default();
                if !brands.contains(brand) {
                    brands.push(*brand);
                }
            }
            let own: HashSet<TenantId> = linked
                .get(post.author.as_str())
                .into_iter()
                .flatten()
                .map(|(tenant, _)| *tenant)
                .collect();
            let model = match self.model_of(&post, committed).await {
                Ok(model) => model,
                Err(reason) => {
                    tracing::warn!(uri = %post.uri, %reason, "skipped a firehose post");
                    continue;
                }
            };
            for (tenant, matcher) in &matchers {
                let to = addressed.remove(tenant).unwrap_or_default();
                let hears = !to.is_empty()
                    || own.contains(tenant)
                    || !matcher.match_post(&model, &mut scratch).hits.is_empty();
                if hears {
                    let (posts, brands) = by_tenant.entry(*tenant).or_default();
                    posts.push(model.clone());
                    brands.push(to);
                }
            }
        }
        for (tenant, (posts, addressed)) in by_tenant {
            let outcome = self
                .ingestor
                .ingest_addressed(tenant, posts, addressed, Source::Bluesky)
                .await?;
            tracing::debug!(%tenant, accepted = outcome.accepted, duplicates = outcome.duplicates, "took in firehose posts");
        }
        Ok(())
    }

    async fn handle_of(&mut self, did: &str) -> Result<String, String> {
        if let Some(handle) = self.handles.get(did) {
            return Ok(handle.clone());
        }
        let handle = self
            .bluesky
            .handle_of(&self.resolver, did)
            .await
            .map_err(|e| e.to_string())?;
        if self.handles.len() >= HANDLES_KEPT {
            self.handles.clear();
        }
        self.handles.insert(did.to_owned(), handle.clone());
        Ok(handle)
    }

    /// The post in Tagar's model, checked as a pushed post is (`tagar_proto::convert`'s
    /// bounds).
    async fn model_of(
        &mut self,
        post: &HeardPost,
        committed: Option<DateTime<Utc>>,
    ) -> Result<Post, String> {
        let handle = self.handle_of(&post.author).await?;
        let native_id = NativePostId::parse(&post.uri).map_err(|e| e.to_string())?;
        // The author's clock can be anything; the PDS's commit time is what Tagar trusts
        // when the two disagree by more than a day.
        let now = Utc::now();
        let created_at = match (post.created_at, committed) {
            (Some(at), _) if at <= now + chrono::Duration::days(1) => at,
            (_, Some(at)) => at,
            _ => now,
        };
        let reference = |uri: &Option<String>| -> Result<Option<PostRef>, String> {
            uri.as_deref()
                .map(|uri| {
                    Ok(PostRef {
                        native_id: NativePostId::parse(uri).map_err(|e| e.to_string())?,
                        author_id: tagar_networks::bluesky::parse_at_uri(uri)
                            .map(|(repo, _, _)| repo.to_owned()),
                    })
                })
                .transpose()
        };
        let mut model = Post::new(
            Network::Bluesky,
            native_id,
            Author {
                id: post.author.clone(),
                display_name: handle.clone(),
                handle,
                followers: 0,
                verified: false,
                account_created_at: None,
            },
            &post.text,
            created_at,
        );
        model.language = post.langs.first().cloned();
        model.reply_to = reference(&post.reply_parent)?;
        model.quote_of = reference(&post.quote)?;
        model.conversation_id = post.reply_root.clone().or_else(|| Some(post.uri.clone()));
        let wire = tagar_proto::v1::Post::from(&model);
        Post::try_from(wire).map_err(|e| e.to_string())
    }
}
