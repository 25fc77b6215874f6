//! Starting ingest in either mode, minting keys, calling the API, reading the log back.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tagar_client::{IngestClient, unary};
use tagar_eventlog::EventLog;
use tagar_kernel::Mode;
use tagar_kernel::testing::{TestApp, TopicReader};
use tagar_model::TenantId;
use tagar_proto::topics;
use tagar_proto::v1::{self, envelope::Event};
use tagar_runtime::auth::{BrandScope, Role};
use uuid::Uuid;

/// Ingest alone, in `mode`, on the shared test harness.
pub struct App {
    pub app: TestApp,
}

impl App {
    /// Starts ingest alone in `mode`.
    pub async fn start(mode: Mode) -> Self {
        Self {
            app: TestApp::start(mode, vec![Arc::new(tagar_ingest::Ingest)]).await,
        }
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }

    /// A brand of `tenant`, created as scheduling would: its `BrandCreated` on the
    /// scheduling topic, which ingest learns brands from.
    pub async fn brand(&self, tenant: Uuid) -> Uuid {
        let brand = tagar_model::BrandId::new();
        let created = tagar_proto::EnvelopeBuilder::new(
            TenantId::from_uuid(tenant),
            Event::BrandCreated(v1::BrandCreated {
                name: "Kopi Kita".into(),
                time_zone: "Asia/Jakarta".into(),
            }),
        )
        .brand(brand)
        .aggregate(*brand.as_uuid(), 1)
        .build();
        self.app
            .publish(topics::SCHEDULING_EVENTS, &[created], |e| {
                e.aggregate_id.clone()
            })
            .await;
        *brand.as_uuid()
    }

    pub fn log(&self) -> Arc<dyn EventLog> {
        self.app.log()
    }

    /// A client of a new key for `tenant`, on process `process`.
    pub async fn client_on(
        &self,
        process: usize,
        tenant: Uuid,
        role: Role,
        brands: BrandScope,
    ) -> Client {
        let key = self
            .app
            .key(TenantId::from_uuid(tenant), role, brands)
            .await;
        Client {
            inner: self.app.connect(process, &key).await.ingest(),
        }
    }

    /// A client of a new key for `tenant`.
    pub async fn client(&self, tenant: Uuid, role: Role, brands: BrandScope) -> Client {
        self.client_on(0, tenant, role, brands).await
    }
}

/// An authenticated client.
pub struct Client {
    pub inner: IngestClient,
}

impl Client {
    pub async fn add_rule(
        &mut self,
        brand: Uuid,
        kind: v1::RuleKind,
        pattern: &str,
    ) -> Result<v1::ListeningRule, tonic::Status> {
        let request = unary(v1::AddListeningRuleRequest {
            brand_id: brand.to_string(),
            kind: kind as i32,
            pattern: pattern.into(),
        });
        Ok(self
            .inner
            .add_listening_rule(request)
            .await?
            .into_inner()
            .rule
            .unwrap())
    }

    pub async fn rules(&mut self, brand: Uuid) -> Result<Vec<v1::ListeningRule>, tonic::Status> {
        let request = unary(v1::ListListeningRulesRequest {
            brand_id: brand.to_string(),
        });
        Ok(self
            .inner
            .list_listening_rules(request)
            .await?
            .into_inner()
            .rules)
    }

    pub async fn remove_rule(&mut self, brand: Uuid, rule_id: &str) -> Result<(), tonic::Status> {
        let request = unary(v1::RemoveListeningRuleRequest {
            brand_id: brand.to_string(),
            rule_id: rule_id.into(),
        });
        self.inner.remove_listening_rule(request).await.map(|_| ())
    }

    /// Pushes a stream of messages, each a batch of posts.
    pub async fn push(
        &mut self,
        messages: Vec<Vec<v1::Post>>,
    ) -> Result<v1::PushPostsResponse, tonic::Status> {
        let stream = futures::stream::iter(
            messages
                .into_iter()
                .map(|posts| v1::PushPostsRequest { posts }),
        );
        Ok(self.inner.push_posts(stream).await?.into_inner())
    }
}

/// A valid wire post on Mastodon.
pub fn post(native_id: &str, text: &str) -> v1::Post {
    v1::Post {
        network: v1::Network::Mastodon as i32,
        native_id: native_id.into(),
        author: Some(v1::Author {
            id: "author-1".into(),
            handle: "ana".into(),
            display_name: "Ana".into(),
            ..Default::default()
        }),
        text: text.into(),
        created_at: Some(tagar_proto::convert::time_to_wire(Utc::now())),
        ..Default::default()
    }
}

/// A unique native id.
pub fn native_id(prefix: &str) -> String {
    format!("{prefix}-{}", Uuid::now_v7().simple())
}

/// A `PostIngested` read back from the log, with its envelope.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub envelope: v1::Envelope,
    pub event: v1::PostIngested,
}

impl Ingested {
    pub fn native_id(&self) -> &str {
        self.event
            .post
            .as_ref()
            .map_or("", |p| p.native_id.as_str())
    }

    /// `(brand, rule ids)` of every match, sorted.
    pub fn matches(&self) -> BTreeSet<(String, Vec<String>)> {
        self.event
            .matches
            .iter()
            .map(|m| (m.brand_id.clone(), m.rule_ids.clone()))
            .collect()
    }
}

/// Reads `tagar.posts.ingested.v1` from the start until `done` holds for what was read, or
/// fails after 60 s.
pub async fn read_ingested(
    log: &Arc<dyn EventLog>,
    done: impl Fn(&[Ingested]) -> bool,
) -> Vec<Ingested> {
    let mut reader = TopicReader::open(Arc::clone(log), topics::POSTS_INGESTED).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while !done(&seen) {
        assert!(
            Instant::now() < deadline,
            "timed out reading tagar.posts.ingested.v1; read {:?}",
            seen.iter().map(Ingested::native_id).collect::<Vec<_>>()
        );
        for envelope in reader.poll(Duration::from_millis(250)).await {
            if let Some(Event::PostIngested(event)) = envelope.event.clone() {
                seen.push(Ingested { envelope, event });
            }
        }
    }
    reader.close().await;
    seen
}

/// Whether `seen` holds every one of `ids`.
pub fn has_all(seen: &[Ingested], ids: &[&str]) -> bool {
    ids.iter()
        .all(|id| seen.iter().any(|i| i.native_id() == *id))
}

/// The one read-back post with native id `id` (panics when it is absent).
pub fn find<'a>(seen: &'a [Ingested], id: &str) -> &'a Ingested {
    seen.iter()
        .find(|i| i.native_id() == id)
        .unwrap_or_else(|| panic!("{id} was not published"))
}

/// A `NetworkPostDelivered` record for the loopback topic.
pub fn delivery(tenant: Uuid, post: v1::Post) -> tagar_eventlog::OutgoingRecord {
    let key = if post.conversation_id.is_empty() {
        post.native_id.clone()
    } else {
        post.conversation_id.clone()
    };
    let envelope = tagar_proto::EnvelopeBuilder::new(
        tagar_model::TenantId::from_uuid(tenant),
        Event::NetworkPostDelivered(v1::NetworkPostDelivered {
            post: Some(post),
            account_id: String::new(),
        }),
    )
    .build();
    tagar_kernel::events::outgoing(&envelope, key)
}

/// Every role's key is scoped to `All` brands unless the test says otherwise.
pub fn all() -> BrandScope {
    BrandScope::All
}

/// Role shorthand.
pub const ADMIN: Role = Role::Admin;
