//! The moderation service: classifies what reaches a brand (abuse, spam, sentiment,
//! language), applies the brand's policy (allow, review, hide), and runs the review queue of
//! event-sourced review cases.
//!
//! Laid out as every service is (`docs/ANATOMY.md`):
//! - [`domain`]: the classifier, the brand policy aggregate (and what it makes of a post) and
//!   the review case aggregate, pure;
//! - [`wire`]: their events as envelope payloads, the classification fact, and the API's
//!   messages;
//! - [`commands`]: one repository per aggregate (events, outbox and read model in one
//!   transaction);
//! - [`store`]: the read models' projections and queries;
//! - [`grpc`] serves `tagar.v1.ModerationService`;
//! - [`consumers`]: reads `tagar.posts.ingested.v1`, writes `PostClassified` facts and opens
//!   cases and inbox items; reads `tagar.scheduling.events.v1` for the brands' accounts and
//!   the outcome of the inbox's replies.

pub mod commands;
pub mod consumers;
pub mod domain;
pub mod grpc;
pub mod store;
pub mod wire;

use std::sync::Arc;

use anyhow::Context as _;
use tagar_kernel::{Platform, ServiceModule};
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
        &[
            topics::MODERATION_EVENTS,
            topics::POSTS_INGESTED,
            topics::SCHEDULING_EVENTS,
            topics::ANALYTICS_EVENTS,
        ]
    }

    fn migrations(&self) -> Option<&'static MigrationSet> {
        Some(&MIGRATIONS)
    }

    fn grpc_services(&self) -> &'static [&'static str] {
        &["tagar.v1.ModerationService"]
    }

    fn streams(&self) -> &'static [&'static str] {
        &["/tagar.v1.ModerationService/WatchInbox"]
    }

    fn add_routes(&self, platform: &Platform, routes: &mut RoutesBuilder) -> anyhow::Result<()> {
        routes.add_service(ModerationServiceServer::new(grpc::ModerationApi::new(
            platform.store.clone(),
            platform.shutdown.clone(),
            platform.limits.streams_per_tenant,
        )));
        Ok(())
    }

    fn start(&self, platform: &Platform) -> anyhow::Result<()> {
        let classifier = Arc::new(Classifier::builtin().context("moderation word lists")?);
        let handler =
            IngestedPosts::new(platform.background.clone(), classifier, &platform.metrics)?;
        platform.consume(consumers::INGESTED_POSTS, handler);
        platform.consume(
            consumers::SCHEDULING,
            consumers::Replies::new(platform.background.clone()),
        );
        Ok(())
    }
}
