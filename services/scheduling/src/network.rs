//! Where published posts go. An account connected without credentials publishes to the
//! loopback network: a [`Publisher`] that records the delivery inside the dispatcher's
//! transaction. An account linked to its network publishes through that network's
//! [`Connector`] (crate `tagar-networks`), found in [`Networks`]: an outside call that cannot
//! join the transaction, made between two transactions with the post id as its idempotency
//! key (see the dispatcher).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use prost::Message as _;
use tagar_model::{AccountId, Author, BrandId, Media, NativePostId, Network, Post, TenantId};
use tagar_networks::bluesky::Bluesky;
use tagar_networks::mastodon::Mastodon;
use tagar_networks::x::X;
use tagar_networks::{Connector, MediaFetcher};
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::{self, envelope::Event};
use tagar_store::{OutboxMessage, StoreError, StoreTx};
use uuid::Uuid;

/// A due post, as it goes out.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The tenant.
    pub tenant: TenantId,
    /// The brand.
    pub brand: BrandId,
    /// The scheduled post's id.
    pub post_id: Uuid,
    /// The account it is published from.
    pub account: AccountId,
    /// The account's network.
    pub network: Network,
    /// The account's handle there.
    pub handle: &'a str,
    /// The text.
    pub text: &'a str,
    /// The media.
    pub media: &'a [Media],
    /// The network's id of the post it answers, if it is a reply.
    pub reply_to: Option<&'a str>,
    /// When it goes out.
    pub at: DateTime<Utc>,
}

/// What the network answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The network it is on.
    pub network: Network,
    /// The id the network gave it.
    pub native_id: String,
    /// When the network took it.
    pub published_at: DateTime<Utc>,
}

/// Publishing did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The network refused the post for good.
    #[error("the network refused the post: {0}")]
    Refused(String),
    /// The network could not be reached; the post stays scheduled and is tried again.
    #[error("the network is unavailable: {0}")]
    Unavailable(String),
    /// Recording in the transaction failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A network posts can be published to.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// Publishes `post`; whatever it records, it records in `tx`, which commits together with
    /// the post's `PostPublished` event.
    async fn publish(
        &self,
        tx: &mut StoreTx,
        post: &Outgoing<'_>,
    ) -> Result<Delivered, PublishError>;
}

/// Tagar's built-in network: a published post becomes a `NetworkPostDelivered` record on
/// `tagar.network.loopback.v1`, written to the outbox in the dispatcher's transaction, so it
/// is delivered exactly when the post is recorded as published. Ingest takes it back in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loopback;

impl Loopback {
    /// The post as the network shows it: on the account's network, written by the account.
    pub fn post_of(post: &Outgoing<'_>, native_id: NativePostId) -> Post {
        let reply_to = post.reply_to.and_then(|id| NativePostId::parse(id).ok());
        Post {
            media: post.media.to_vec(),
            conversation_id: reply_to.as_ref().map(|id| id.as_str().to_owned()),
            reply_to: reply_to.map(|native_id| tagar_model::PostRef {
                native_id,
                author_id: None,
            }),
            ..Post::new(
                post.network,
                native_id,
                Author {
                    id: post.account.to_string(),
                    handle: post.handle.to_owned(),
                    display_name: post.handle.to_owned(),
                    followers: 0,
                    verified: false,
                    account_created_at: None,
                },
                post.text,
                post.at,
            )
        }
    }
}

#[async_trait]
impl Publisher for Loopback {
    async fn publish(
        &self,
        tx: &mut StoreTx,
        post: &Outgoing<'_>,
    ) -> Result<Delivered, PublishError> {
        let native_id = NativePostId::parse(&format!("loopback-{}", Uuid::now_v7()))
            .map_err(|e| PublishError::Refused(e.to_string()))?;
        let model = Self::post_of(post, native_id);
        let event = Event::NetworkPostDelivered(v1::NetworkPostDelivered {
            post: Some(v1::Post::from(&model)),
            account_id: post.account.to_string(),
        });
        let post_id = post.post_id.to_string();
        let envelope = EnvelopeBuilder::new(post.tenant, event)
            .brand(post.brand)
            .caused_by(post_id.clone(), post_id)
            .build();
        tx.enqueue(&[OutboxMessage {
            topic: topics::LOOPBACK_NETWORK.to_owned(),
            key: model.conversation_key().to_owned().into(),
            payload: envelope.encode_to_vec().into(),
            headers: tagar_kernel::events::headers_of(&envelope),
        }])
        .await?;
        Ok(Delivered {
            network: model.network,
            native_id: model.native_id.as_str().to_owned(),
            published_at: post.at,
        })
    }
}

/// The connectors of the networks accounts can be linked to, by network, and the fetcher of
/// the media their posts carry.
#[derive(Clone, Default)]
pub struct Networks {
    connectors: Vec<Arc<dyn Connector>>,
    media: MediaFetcher,
}

impl std::fmt::Debug for Networks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.connectors.iter().map(|c| c.network()))
            .finish()
    }
}

impl Networks {
    /// Every network Tagar can talk to: Bluesky, Mastodon and X.
    pub fn real() -> Self {
        Self::default()
            .with(Arc::new(Bluesky::new()))
            .with(Arc::new(Mastodon::new()))
            .with(Arc::new(X::new()))
    }

    /// Every network Tagar can talk to, fetching media as `config` says.
    pub fn configured(config: &tagar_kernel::NetworksConfig) -> Self {
        let media = if config.media_private_addresses {
            MediaFetcher::allowing_private_addresses()
        } else {
            MediaFetcher::new()
        };
        Self::real().with_media(media)
    }

    /// The same, with `connector` for its network (replacing one there was).
    pub fn with(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connectors
            .retain(|c| c.network() != connector.network());
        self.connectors.push(connector);
        self
    }

    /// The same, fetching media with `media` (one that allows private addresses, say).
    pub fn with_media(mut self, media: MediaFetcher) -> Self {
        self.media = media;
        self
    }

    /// The fetcher of posts' media.
    pub fn media(&self) -> &MediaFetcher {
        &self.media
    }

    /// The connector for `network`, if Tagar has one.
    pub fn get(&self, network: Network) -> Option<&Arc<dyn Connector>> {
        self.connectors.iter().find(|c| c.network() == network)
    }
}
