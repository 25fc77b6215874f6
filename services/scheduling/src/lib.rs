//! The scheduling service: owns brands, their social accounts, drafts and their approval,
//! and publishes each approved post exactly once at its time in the brand's time zone.
//!
//! - `grpc`: `tagar.v1.SchedulingService`;
//! - `domain`: the scheduled-post aggregate and time-zone rules, pure;
//! - `commands`: carrying out commands (events, outbox and read model in one transaction);
//! - `dispatcher`: publishes due posts through a `network::Publisher` (the loopback
//!   network today);
//! - `store`: the service's SQL.

pub mod commands;
pub mod dispatcher;
pub mod domain;
pub mod grpc;
pub mod network;
pub mod store;

use std::sync::Arc;

use tagar_host::{Platform, ServiceModule};
use tagar_proto::topics;
use tagar_proto::v1::scheduling_service_server::SchedulingServiceServer;
use tagar_store::MigrationSet;
use tonic::service::RoutesBuilder;

use crate::dispatcher::{Dispatcher, DispatcherConfig};
use crate::network::Loopback;

/// The tables scheduling owns (versions 3000–3999).
static MIGRATIONS: MigrationSet = MigrationSet {
    name: "scheduling",
    postgres: || sqlx::migrate!("./migrations/postgres"),
    sqlite: || sqlx::migrate!("./migrations/sqlite"),
};

/// The scheduling service, as the host runs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scheduling;

impl ServiceModule for Scheduling {
    fn name(&self) -> &'static str {
        "scheduling"
    }

    fn topics(&self) -> &'static [&'static str] {
        &[topics::SCHEDULING_EVENTS, topics::LOOPBACK_NETWORK]
    }

    fn migrations(&self) -> Option<&'static MigrationSet> {
        Some(&MIGRATIONS)
    }

    fn grpc_services(&self) -> &'static [&'static str] {
        &["tagar.v1.SchedulingService"]
    }

    fn add_routes(&self, platform: &Platform, routes: &mut RoutesBuilder) {
        routes.add_service(SchedulingServiceServer::new(grpc::SchedulingApi::new(
            platform.store.clone(),
        )));
    }

    fn start(&self, platform: &Platform) -> anyhow::Result<()> {
        let dispatcher = Dispatcher::new(
            platform.store.clone(),
            Arc::new(Loopback),
            &platform.metrics,
            DispatcherConfig::default(),
        );
        let token = platform.shutdown.token();
        platform
            .shutdown
            .spawn("scheduling-dispatcher", dispatcher.run(token));
        Ok(())
    }
}
