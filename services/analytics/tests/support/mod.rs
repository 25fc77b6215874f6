//! The harness: an analytics process in either mode, API keys, a client, and publishing
//! envelopes to the topics analytics reads as the other services would.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tagar_analytics::Analytics;
use tagar_host::testing;
use tagar_host::{Mode, Running, ServiceModule, Settings};
use tagar_model::TenantId;
use tagar_proto::topics;
use tagar_proto::v1::Envelope;
use tagar_proto::v1::analytics_service_client::AnalyticsServiceClient;
use tagar_runtime::auth::{BrandScope, Role};
use tonic::transport::Channel;

/// Stands in for the services that write the topics analytics reads, so the host provisions
/// them (and their dead-letter topics) in both modes.
struct Writers;

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
    pub running: Running,
    settings: Settings,
    mode: Mode,
    _dir: testing::TestSettings,
}

impl Harness {
    pub async fn start(mode: Mode) -> Self {
        // In distributed mode each harness has a broker of its own (see `testing::settings`),
        // so analytics' fixed consumer-group names are never shared between tests.
        let test = testing::settings(mode).await;
        Self {
            running: launch(&test.settings, mode).await,
            settings: test.settings.clone(),
            mode,
            _dir: test,
        }
    }

    /// Stops the process (whatever it was doing) and starts it again on the same data.
    pub async fn restart(self) -> Self {
        let Self {
            running,
            settings,
            mode,
            _dir,
        } = self;
        tokio::time::timeout(Duration::from_secs(30), running.stop())
            .await
            .expect("drains in time")
            .expect("clean stop");
        Self {
            running: launch(&settings, mode).await,
            settings,
            mode,
            _dir,
        }
    }

    /// A new API key of `tenant` with `role` and `brands`.
    pub async fn key(&self, tenant: TenantId, role: Role, brands: BrandScope) -> String {
        testing::mint_key(&self.running.platform, *tenant.as_uuid(), role, brands).await
    }

    pub async fn client(&self) -> AnalyticsServiceClient<Channel> {
        AnalyticsServiceClient::connect(format!("http://{}", self.running.grpc_addr))
            .await
            .unwrap()
    }

    /// Publishes envelopes to `topic`, all under one key so they stay in order.
    pub async fn publish(&self, topic: &str, envelopes: &[Envelope]) {
        let records: Vec<_> = envelopes
            .iter()
            .map(|e| tagar_host::events::outgoing(e, "one-key"))
            .collect();
        self.running
            .platform
            .log
            .publish(topic, &records)
            .await
            .unwrap();
    }

    pub async fn stop(self) {
        tokio::time::timeout(Duration::from_secs(30), self.running.stop())
            .await
            .expect("drains in time")
            .expect("clean stop");
    }
}

async fn launch(settings: &Settings, mode: Mode) -> Running {
    let modules: Vec<Arc<dyn ServiceModule>> = vec![Arc::new(Writers), Arc::new(Analytics)];
    tagar_host::start(settings, mode, &modules)
        .await
        .expect("start analytics")
}

pub use tagar_host::testing::with_key as authed;

/// Polls `probe` until it returns `Some`, or fails the test after a minute naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    testing::eventually(Duration::from_secs(60), what, probe).await
}
