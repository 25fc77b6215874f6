//! The moderation service: classifies what reaches a brand (abuse, spam, sentiment,
//! language), applies the brand's policy (allow, review, hide), and runs the review queue of
//! event-sourced review cases.
//!
//! - [`domain`] holds the classifier, the policy and the review case aggregate, pure;
//! - [`consumers`] reads `tagar.posts.ingested.v1`, writes `PostClassified` facts and opens
//!   cases;
//! - [`grpc`] serves `tagar.v1.ModerationService`;
//! - [`commands`] and [`store`] record events and read models.

pub mod commands;
pub mod consumers;
pub mod domain;
pub mod grpc;
pub mod store;

use std::sync::Arc;

use anyhow::Context as _;
use tagar_eventlog::{RunnerConfig, supervise};
use tagar_host::{Platform, ServiceModule};
use tagar_proto::topics;
use tagar_proto::v1::moderation_service_server::ModerationServiceServer;
use tagar_store::MigrationSet;
use tonic::service::RoutesBuilder;

use crate::consumers::IngestedPosts;
use crate::domain::classifier::Classifier;

static MIGRATIONS: MigrationSet = MigrationSet {
    name: "moderation",
    postgres: || sqlx::migrate!("./migrations/postgres"),
    sqlite: || sqlx::migrate!("./migrations/sqlite"),
};

/// The moderation service, as the host runs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Moderation;

impl ServiceModule for Moderation {
    fn name(&self) -> &'static str {
        "moderation"
    }

    /// Its own topic, and the ingested-posts topic it reads: provisioning leaves an existing
    /// topic alone, so moderation can start before ingest.
    fn topics(&self) -> &'static [&'static str] {
        &[topics::MODERATION_EVENTS, topics::POSTS_INGESTED]
    }

    fn migrations(&self) -> Option<&'static MigrationSet> {
        Some(&MIGRATIONS)
    }

    fn grpc_services(&self) -> &'static [&'static str] {
        &["tagar.v1.ModerationService"]
    }

    fn add_routes(&self, platform: &Platform, routes: &mut RoutesBuilder) {
        routes.add_service(ModerationServiceServer::new(grpc::ModerationApi::new(
            platform.store.clone(),
        )));
    }

    fn start(&self, platform: &Platform) -> anyhow::Result<()> {
        let classifier = Arc::new(Classifier::builtin().context("moderation word lists")?);
        let counter = consumers::classified_counter(&platform.metrics)?;
        let handler = IngestedPosts::new(platform.store.clone(), classifier, counter);
        let log = Arc::clone(&platform.log);
        let token = platform.shutdown.token();
        platform
            .shutdown
            .spawn("moderation-ingested-posts", async move {
                let mut handler = handler;
                let (group, topics) = (consumers::GROUP, [topics::POSTS_INGESTED]);
                supervise(
                    log,
                    group,
                    &topics,
                    RunnerConfig::default(),
                    &mut handler,
                    token,
                )
                .await;
            });
        Ok(())
    }
}
