//! Starting the moderation service in either mode, minting keys, publishing ingested posts
//! and calling the API as a client would.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tagar_host::testing;
use tagar_host::{Mode, Running, ServiceModule};
use tagar_model::{Author, BrandId, NativePostId, Network, Post, PostRef, TenantId};
use tagar_moderation::Moderation;
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::moderation_service_client::ModerationServiceClient;
use tagar_proto::v1::{BrandMatch, Envelope, PostIngested, envelope::Event};
use tagar_runtime::auth::{BrandScope, Role};
use tonic::transport::Channel;

/// A running moderation service and what a test needs to talk to it.
pub struct Harness {
    pub running: Running,
    _settings: testing::TestSettings,
}

pub async fn start(mode: Mode) -> Harness {
    let test = testing::settings(mode).await;
    let modules: Vec<Arc<dyn ServiceModule>> = vec![Arc::new(Moderation)];
    let running = tagar_host::start(&test.settings, mode, &modules)
        .await
        .expect("start moderation");
    Harness {
        running,
        _settings: test,
    }
}

impl Harness {
    /// A key for `tenant` with `role` on all brands, sent as `x-api-key`.
    pub async fn key(&self, tenant: TenantId, role: Role) -> String {
        testing::mint_key(
            &self.running.platform,
            *tenant.as_uuid(),
            role,
            BrandScope::All,
        )
        .await
    }

    pub async fn client(&self) -> ModerationServiceClient<Channel> {
        let channel = Channel::from_shared(format!("http://{}", self.running.grpc_addr))
            .unwrap()
            .connect()
            .await
            .unwrap();
        ModerationServiceClient::new(channel)
    }

    /// Publishes envelopes to `tagar.posts.ingested.v1` as ingest would.
    pub async fn publish(&self, envelopes: &[Envelope]) {
        let records: Vec<_> = envelopes
            .iter()
            .map(|e| {
                let Some(Event::PostIngested(p)) = &e.event else {
                    panic!("not a post")
                };
                // As ingest keys them: by conversation, so a thread stays in order.
                let key = p.post.as_ref().unwrap().conversation_id.clone();
                tagar_host::events::outgoing(e, key)
            })
            .collect();
        self.running
            .platform
            .log
            .publish(topics::POSTS_INGESTED, &records)
            .await
            .expect("publish");
    }

    pub async fn stop(self) {
        tokio::time::timeout(Duration::from_secs(30), self.running.stop())
            .await
            .expect("drains")
            .expect("clean stop");
    }
}

pub use tagar_host::testing::with_key as call;

/// A post by `author` with `text`, replying to the brand's post.
pub fn post(native_id: &str, author: &str, text: &str) -> Post {
    let now = Utc::now();
    Post {
        reply_to: Some(PostRef {
            native_id: NativePostId::parse("brand-post-1").unwrap(),
            author_id: Some("brand".into()),
        }),
        conversation_id: Some("brand-post-1".into()),
        ..Post::new(
            Network::X,
            NativePostId::parse(native_id).unwrap(),
            Author {
                id: author.into(),
                handle: author.into(),
                display_name: author.into(),
                followers: 3,
                verified: false,
                account_created_at: Some(now - chrono::Duration::days(800)),
            },
            text,
            now,
        )
    }
}

/// The `PostIngested` envelope ingest would publish for `post`, matched to `brands`.
pub fn ingested(tenant: TenantId, post: &Post, brands: &[BrandId]) -> Envelope {
    EnvelopeBuilder::new(
        tenant,
        Event::PostIngested(PostIngested {
            post: Some(post.into()),
            matches: brands
                .iter()
                .map(|b| BrandMatch {
                    brand_id: b.to_string(),
                    rule_ids: vec!["rule-1".into()],
                    ..Default::default()
                })
                .collect(),
            hashtags: vec![],
            source: "push".into(),
        }),
    )
    .build()
}
