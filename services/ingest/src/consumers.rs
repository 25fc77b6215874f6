//! The loopback network's deliveries, taken in like pushed posts.
//!
//! `tagar.network.loopback.v1` carries `NetworkPostDelivered` envelopes (the tenant in the
//! envelope). Posts are gathered per tenant while a polled batch is handled and ingested at
//! the flush, one batch per tenant, before the runner commits; a redelivery after a crash is
//! dropped by the duplicate drop.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use tagar_eventlog::{HandleError, Record, RecordHandler};
use tagar_kernel::Subscription;
use tagar_model::{BrandId, Post, TenantId};
use tagar_proto::topics;
use tagar_proto::v1::envelope::Event;

use crate::ingestor::{Ingestor, Source};

/// The consumer group that learns of brands from scheduling, and what it reads.
pub const BRANDS: Subscription =
    Subscription::new("tagar-ingest-brands", &[topics::SCHEDULING_EVENTS]);

/// Learns of each brand scheduling creates, so a listening rule can be checked to name a
/// brand of its tenant that exists, and of each account linked to its network, so what the
/// network says to it reaches its tenant. Idempotent: whatever redelivers, a brand is
/// inserted once and an account's link is set to what it is.
pub struct BrandDirectory {
    store: tagar_store::Store,
}

impl BrandDirectory {
    /// A directory writing to `store`.
    pub fn new(store: tagar_store::Store) -> Self {
        Self { store }
    }
}

#[async_trait]
impl RecordHandler for BrandDirectory {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = tagar_kernel::events::decode(record)?;
        let retry = |e: tagar_store::StoreError| HandleError::Retry(e.to_string());
        let linked = match &envelope.event {
            Some(Event::BrandCreated(_)) => None,
            Some(Event::SocialAccountConnected(c)) if !c.native_account_id.is_empty() => {
                let network = tagar_proto::convert::network_from_wire(c.network, "network")
                    .map_err(|e| HandleError::Poison(e.to_string()))?;
                Some((c.account_id.clone(), network, c.native_account_id.clone()))
            }
            Some(Event::SocialAccountReconnected(r)) => {
                // The account and its network are known from when it was connected.
                return crate::store::relink_account(
                    &self.store,
                    meta.tenant,
                    &envelope.aggregate_id,
                    &r.native_account_id,
                )
                .await
                .map_err(retry);
            }
            _ => return Ok(()),
        };
        let brand = meta
            .brand
            .ok_or_else(|| HandleError::Poison("the event has no brand_id".into()))?;
        match linked {
            None => crate::store::remember_brand(&self.store, meta.tenant, brand)
                .await
                .map_err(retry),
            Some((account, network, native_id)) => crate::store::remember_linked_account(
                &self.store,
                meta.tenant,
                &account,
                brand,
                network,
                &native_id,
            )
            .await
            .map_err(retry),
        }
    }
}

/// The consumer group of loopback deliveries, and what it reads.
pub const LOOPBACK: Subscription =
    Subscription::new("tagar-ingest-loopback", &[topics::LOOPBACK_NETWORK]);

/// The consumer group of what scheduling heard from the networks it polls, and what it reads.
pub const HEARD: Subscription = Subscription::new("tagar-ingest-heard", &[topics::NETWORK_HEARD]);

/// Ingests network deliveries: the loopback network's, or what scheduling heard from a
/// linked account's network (then each post is addressed to the envelope's brand).
pub struct LoopbackHandler {
    ingestor: Arc<Ingestor>,
    heard: bool,
    pending: HashMap<(TenantId, Source), Gathered>,
}

/// Posts gathered for one tenant and source, and the brands each is addressed to.
type Gathered = (Vec<Post>, Vec<Vec<BrandId>>);

impl LoopbackHandler {
    /// A handler of loopback deliveries feeding `ingestor`.
    pub fn new(ingestor: Arc<Ingestor>) -> Self {
        Self {
            ingestor,
            heard: false,
            pending: HashMap::new(),
        }
    }

    /// A handler of `tagar.network.heard.v1` feeding `ingestor`.
    pub fn heard(ingestor: Arc<Ingestor>) -> Self {
        Self {
            heard: true,
            ..Self::new(ingestor)
        }
    }
}

#[async_trait]
impl RecordHandler for LoopbackHandler {
    fn reset(&mut self) {
        // Gathered but not ingested: it will be delivered again.
        self.pending.clear();
    }

    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        let (meta, envelope) = tagar_kernel::events::decode(record)?;
        let Some(Event::NetworkPostDelivered(delivered)) = envelope.event else {
            // Other facts on the network's topic are not posts to take in.
            return Ok(());
        };
        let wire = delivered
            .post
            .ok_or_else(|| HandleError::Poison("NetworkPostDelivered.post is missing".into()))?;
        let source = if self.heard {
            tagar_proto::convert::network_from_wire(wire.network, "network")
                .map(Source::heard_on)
                .unwrap_or(Source::Loopback)
        } else {
            Source::Loopback
        };
        let post = Post::try_from(wire).map_err(|e| {
            self.ingestor.count(source, "rejected", 1);
            HandleError::Poison(format!("NetworkPostDelivered.{e}"))
        })?;
        let brands = if self.heard {
            meta.brand.into_iter().collect()
        } else {
            Vec::new()
        };
        let (posts, addressed) = self.pending.entry((meta.tenant, source)).or_default();
        posts.push(post);
        addressed.push(brands);
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), HandleError> {
        let batches: Vec<(TenantId, Source)> = self.pending.keys().copied().collect();
        for (tenant, source) in batches {
            let (posts, addressed) = self
                .pending
                .get(&(tenant, source))
                .cloned()
                .unwrap_or_default();
            self.ingestor
                .ingest_addressed(tenant, posts, addressed, source)
                .await
                .map_err(|e| HandleError::Retry(e.to_string()))?;
            // Only a batch that is in the log leaves the buffer: a retried flush sends the
            // others again.
            self.pending.remove(&(tenant, source));
        }
        Ok(())
    }
}
