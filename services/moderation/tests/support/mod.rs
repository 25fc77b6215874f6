//! Starting the moderation service in either mode, minting keys, publishing ingested posts
//! and calling the API as a client would.

#![allow(dead_code)]

use std::sync::Arc;

use chrono::Utc;
use tagar_client::ModerationClient;
use tagar_kernel::Mode;
use tagar_kernel::testing::TestApp;
use tagar_model::{Author, BrandId, NativePostId, Network, Post, PostRef, TenantId};
use tagar_moderation::Moderation;
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::{BrandMatch, Envelope, PostIngested, envelope::Event};
use tagar_runtime::auth::{BrandScope, Role};

/// Moderation alone, in `mode`, on the shared test harness.
pub async fn start(mode: Mode) -> Harness {
    Harness {
        app: TestApp::start(mode, vec![Arc::new(Moderation)]).await,
    }
}

/// A running moderation service and what a test needs to talk to it.
pub struct Harness {
    pub app: TestApp,
}

impl Harness {
    /// A client of the API with a new key for `tenant` with `role` on all brands.
    pub async fn client(&self, tenant: TenantId, role: Role) -> ModerationClient {
        self.app
            .session(tenant, role, BrandScope::All)
            .await
            .moderation()
    }

    /// Publishes envelopes to `tagar.posts.ingested.v1` as ingest would: keyed by
    /// conversation, so a thread stays in order.
    pub async fn publish(&self, envelopes: &[Envelope]) {
        self.app
            .publish(topics::POSTS_INGESTED, envelopes, |e| {
                let Some(Event::PostIngested(p)) = &e.event else {
                    panic!("not a post")
                };
                p.post.as_ref().unwrap().conversation_id.clone()
            })
            .await;
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }
}

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
