//! The harness: an analytics process in either mode on the shared test harness, callers of
//! its API, and publishing envelopes to the topics analytics reads as the other services
//! would.

#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tagar_analytics::Analytics;
use tagar_client::AnalyticsClient;
use tagar_kernel::testing::{self, TestApp};
use tagar_kernel::{Mode, ServiceModule};
use tagar_model::TenantId;
use tagar_proto::topics;
use tagar_proto::v1::Envelope;
use tagar_runtime::auth::{BrandScope, Role};

/// Stands in for the services that write the topics analytics reads, so the host provisions
/// them (and their dead-letter topics) in both modes.
pub struct Writers;

impl ServiceModule for Writers {
    fn name(&self) -> &'static str {
        "writers"
    }
    fn topics(&self) -> &'static [&'static str] {
        &[
            topics::POSTS_INGESTED,
            topics::MODERATION_EVENTS,
            topics::SCHEDULING_EVENTS,
        ]
    }
}

/// A running analytics process.
pub struct Harness {
    pub app: TestApp,
}

impl Harness {
    pub async fn start(mode: Mode) -> Self {
        let modules: Vec<Arc<dyn ServiceModule>> = vec![Arc::new(Writers), Arc::new(Analytics)];
        Self {
            app: TestApp::start(mode, modules).await,
        }
    }

    /// Stops the process (whatever it was doing) and starts it again on the same data.
    pub async fn restart(mut self) -> Self {
        self.app.restart().await;
        self
    }

    /// A new API key of `tenant` with `role` and `brands`.
    pub async fn key(&self, tenant: TenantId, role: Role, brands: BrandScope) -> String {
        self.app.key(tenant, role, brands).await
    }

    /// A client with `key`.
    pub async fn connect(&self, key: &str) -> AnalyticsClient {
        self.app.connect(0, key).await.analytics()
    }

    /// A client with a new key of `tenant` with `role` and `brands`.
    pub async fn client(
        &self,
        tenant: TenantId,
        role: Role,
        brands: BrandScope,
    ) -> AnalyticsClient {
        self.app.session(tenant, role, brands).await.analytics()
    }

    /// Publishes envelopes to `topic`, all under one key so they stay in order.
    pub async fn publish(&self, topic: &str, envelopes: &[Envelope]) {
        self.app
            .publish(topic, envelopes, |_| "one-key".to_owned())
            .await;
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }
}

/// Polls `probe` until it returns `Some`, or fails the test after a minute naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    testing::eventually(Duration::from_secs(60), what, probe).await
}
