//! The analytics service: folds the other services' events into read models (per brand and
//! minute: mentions, flags, hides, publishes, interactions; hashtags per minute) and serves
//! them over gRPC: activity, trending hashtags (unary and streaming) and a CSV export; its
//! crisis [`detector`] watches each brand's negative posts and volume against the brand's
//! baseline and raises `CrisisDetected` on `tagar.analytics.events.v1`.
//!
//! - [`domain`]: pure folding and trend maths;
//! - [`consumers`]: one consumer group per topic read, batching each poll into one
//!   idempotent transaction;
//! - [`store`]: the SQL; [`grpc`]: the handlers and the checked queries behind them;
//! - [`wire`]: the read models as the API's messages.

pub mod consumers;
pub mod detector;
pub mod domain;
pub mod grpc;
pub mod metrics;
pub mod store;
pub mod wire;

use tagar_kernel::{Platform, ServiceModule};
use tagar_proto::v1::analytics_service_server::AnalyticsServiceServer;
use tagar_store::MigrationSet;
use tonic::service::RoutesBuilder;

/// The analytics tables (migrations 4000–4999).
pub static MIGRATIONS: MigrationSet = MigrationSet {
    name: "analytics",
    postgres: || sqlx::migrate!("./migrations/postgres"),
    sqlite: || sqlx::migrate!("./migrations/sqlite"),
};

/// The fully-qualified name of the gRPC service.
pub const GRPC_SERVICE: &str = "tagar.v1.AnalyticsService";

/// The analytics service, as the host runs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Analytics;

impl ServiceModule for Analytics {
    fn name(&self) -> &'static str {
        "analytics"
    }

    /// Analytics writes its crises to `tagar.analytics.events.v1`. It reads
    /// `tagar.posts.ingested.v1`, `tagar.moderation.events.v1` and
    /// `tagar.scheduling.events.v1`, which the services writing them provision; its
    /// consumers wait for them (see [`consumers`]).
    fn topics(&self) -> &'static [&'static str] {
        &[tagar_proto::topics::ANALYTICS_EVENTS]
    }

    fn migrations(&self) -> Option<&'static MigrationSet> {
        Some(&MIGRATIONS)
    }

    /// Negative posts are a crisis's evidence and the baseline of its rising terms: kept for
    /// the baseline's days and one more, then pruned.
    fn prunes(&self, _retention: &tagar_store::RetentionConfig) -> Vec<tagar_store::Prune> {
        vec![tagar_store::Prune {
            table: "analytics_negative_posts",
            column: "at_us",
            unit: tagar_store::TimeUnit::Micros,
            keep: std::time::Duration::from_secs(
                (domain::crisis::detect::BASELINE_DAYS as u64 + 1) * 86_400,
            ),
        }]
    }

    fn grpc_services(&self) -> &'static [&'static str] {
        &[GRPC_SERVICE]
    }

    fn streams(&self) -> &'static [&'static str] {
        &[
            "/tagar.v1.AnalyticsService/WatchTrends",
            "/tagar.v1.AnalyticsService/WatchChat",
            "/tagar.v1.AnalyticsService/WatchCrises",
        ]
    }

    fn add_routes(&self, platform: &Platform, routes: &mut RoutesBuilder) -> anyhow::Result<()> {
        let api = grpc::AnalyticsApi::new(
            platform.store.clone(),
            platform.shutdown.clone(),
            platform.limits.streams_per_tenant,
            &platform.metrics,
        )?;
        routes.add_service(AnalyticsServiceServer::new(api));
        Ok(())
    }

    fn start(&self, platform: &Platform) -> anyhow::Result<()> {
        consumers::spawn(platform)?;
        let detector = detector::Detector::new(platform.background.clone());
        platform.shutdown.spawn(
            "analytics-crisis-detector",
            detector.run(platform.shutdown.token()),
        );
        Ok(())
    }
}
