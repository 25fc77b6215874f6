//! The scheduling service: owns brands, their social accounts, drafts and their approval,
//! and publishes each approved post exactly once at its time in the brand's time zone.
//!
//! Laid out as every service is (`docs/ANATOMY.md`):
//! - [`domain`]: the brand, social-account and scheduled-post aggregates and the time-zone
//!   rules, pure;
//! - [`wire`]: their events as envelope payloads, and the API's messages;
//! - [`commands`]: one repository per aggregate (events, outbox and read model in one
//!   transaction);
//! - [`store`]: the read models' projections and queries, and claiming due posts;
//! - [`grpc`] serves `tagar.v1.SchedulingService`;
//! - [`network`]: where posts go: the loopback network, or a linked account's own network
//!   through its connector (`tagar-networks`), with credentials from the vault;
//! - [`dispatcher`]: the background task that publishes due posts, exactly once.

pub mod commands;
pub mod consumers;
pub mod counts;
pub mod dispatcher;
pub mod domain;
pub mod grpc;
pub mod listen;
pub mod network;
pub mod store;
pub mod wire;

use std::sync::Arc;

use tagar_kernel::{Platform, ServiceModule};
use tagar_proto::topics;
use tagar_proto::v1::scheduling_service_server::SchedulingServiceServer;
use tagar_store::MigrationSet;
use tonic::service::RoutesBuilder;

use crate::dispatcher::{Dispatcher, DispatcherConfig};
use crate::network::{Loopback, Networks};

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
        &[
            topics::SCHEDULING_EVENTS,
            topics::LOOPBACK_NETWORK,
            topics::MODERATION_EVENTS,
            topics::NETWORK_HEARD,
            topics::LISTENING_RULES,
            topics::ANALYTICS_EVENTS,
        ]
    }

    fn migrations(&self) -> Option<&'static MigrationSet> {
        Some(&MIGRATIONS)
    }

    fn grpc_services(&self) -> &'static [&'static str] {
        &["tagar.v1.SchedulingService"]
    }

    fn add_routes(&self, platform: &Platform, routes: &mut RoutesBuilder) -> anyhow::Result<()> {
        routes.add_service(SchedulingServiceServer::new(grpc::SchedulingApi::new(
            platform.store.clone(),
            Networks::real(),
            platform.vault.clone(),
        )));
        Ok(())
    }

    fn start(&self, platform: &Platform) -> anyhow::Result<()> {
        // One set of connectors for the process: X's rotating refresh tokens are cached per
        // connector, so the dispatcher, the listener and the decisions consumer share them.
        let networks = Networks::configured(&platform.networks);
        let dispatcher = Dispatcher::new(
            platform.background.clone(),
            Arc::new(Loopback),
            &platform.metrics,
            DispatcherConfig::with_lease(std::time::Duration::from_secs(
                platform.networks.publish_lease_seconds,
            )),
        )?
        .with_networks(networks.clone(), platform.vault.clone());
        let token = platform.shutdown.token();
        platform
            .shutdown
            .spawn("scheduling-dispatcher", dispatcher.run(token));
        let listener = listen::Listener::new(
            platform.background.clone(),
            networks.clone(),
            platform.vault.clone(),
            std::time::Duration::from_secs(platform.networks.poll_seconds.max(1)),
        );
        platform.shutdown.spawn(
            "scheduling-listener",
            listener.run(platform.shutdown.token()),
        );
        let counter = counts::Counter::new(
            platform.background.clone(),
            networks.clone(),
            platform.vault.clone(),
            &platform.metrics,
            std::time::Duration::from_secs(30),
        )?;
        platform
            .shutdown
            .spawn("scheduling-counter", counter.run(platform.shutdown.token()));
        platform.consume(
            consumers::REPLIES,
            consumers::Replier::new(platform.background.clone()),
        );
        platform.consume(
            consumers::CRISES,
            consumers::Pauser::new(platform.background.clone()),
        );
        platform.consume(
            consumers::RULES,
            consumers::Terms::new(platform.background.clone()),
        );
        platform.consume(
            consumers::DECISIONS,
            consumers::Blocker::new(
                platform.background.clone(),
                networks,
                platform.vault.clone(),
                &platform.metrics,
            )?,
        );
        Ok(())
    }
}
