//! The ingest service: takes posts in from the networks, normalises and deduplicates them,
//! matches them to every brand's listening rules, and publishes them to
//! `tagar.posts.ingested.v1`. No store round trip on the way of a post, and no state beyond
//! the rules and a bounded memory of what it published: it scales out when a hashtag trends.
//!
//! Laid out as every service is (`docs/ANATOMY.md`):
//! - [`domain`]: the listening-rule aggregate and the matcher, pure;
//! - [`wire`]: rules and their events on the wire;
//! - [`commands`]: the rule aggregate's repository (events, outbox, read model and the
//!   tenant's rules version in one transaction);
//! - [`store`]: the rules' read model;
//! - [`grpc`] serves `IngestService` (`PushPosts`, listening rules);
//! - [`consumers`]: the loopback network's deliveries;
//! - [`ingestor`]: the one path every post takes (duplicate drop, matching, publish),
//!   [`seen`]: the posts a replica published lately, and [`rule_cache`]: each tenant's
//!   compiled matcher.

pub mod commands;
pub mod consumers;
pub mod domain;
pub mod grpc;
pub mod ingestor;
pub mod listen;
pub mod metrics;
pub mod rule_cache;
pub mod seen;
pub mod store;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use tagar_kernel::{Platform, ServiceModule};
use tagar_proto::topics;
use tagar_proto::v1::ingest_service_server::IngestServiceServer;
use tagar_store::MigrationSet;
use tonic::service::RoutesBuilder;

pub use ingestor::{BatchOutcome, Ingestor, Source};

/// How often a replica checks whether a tenant's rules changed elsewhere.
pub const RULES_REFRESH: Duration = Duration::from_millis(250);

/// The ingest service, as the host runs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ingest;

/// The ingest path over a platform, its rules read from `store` (the API's pool for pushes,
/// the background pool for the loopback consumer). The gRPC handlers and the loopback
/// consumer each build their own (the metrics are shared); their rule caches agree within
/// [`RULES_REFRESH`].
fn parts(
    platform: &Platform,
    store: &tagar_store::Store,
) -> anyhow::Result<(Arc<rule_cache::RuleCache>, Arc<Ingestor>)> {
    let rules = Arc::new(rule_cache::RuleCache::new(store.clone(), RULES_REFRESH));
    let ingestor = Arc::new(Ingestor::new(
        Arc::clone(&platform.log),
        Arc::clone(&rules),
        seen::DEFAULT_CAPACITY,
        metrics::IngestMetrics::new(&platform.metrics)?,
    ));
    Ok((rules, ingestor))
}

impl ServiceModule for Ingest {
    fn name(&self) -> &'static str {
        "ingest"
    }

    /// The topics it writes, and the two it reads (provisioning leaves an existing topic
    /// alone, so ingest can start before scheduling).
    fn topics(&self) -> &'static [&'static str] {
        &[
            topics::POSTS_INGESTED,
            topics::LISTENING_RULES,
            topics::LOOPBACK_NETWORK,
            topics::SCHEDULING_EVENTS,
            topics::NETWORK_HEARD,
        ]
    }

    fn migrations(&self) -> Option<&'static MigrationSet> {
        Some(&store::MIGRATIONS)
    }

    fn grpc_services(&self) -> &'static [&'static str] {
        &["tagar.v1.IngestService"]
    }

    fn streams(&self) -> &'static [&'static str] {
        &["/tagar.v1.IngestService/PushPosts"]
    }

    fn add_routes(&self, platform: &Platform, routes: &mut RoutesBuilder) -> anyhow::Result<()> {
        let (rules, ingestor) = parts(platform, &platform.store)?;
        routes.add_service(IngestServiceServer::new(grpc::IngestGrpc::new(
            platform.store.clone(),
            ingestor,
            rules,
            platform.limits.rules_per_tenant,
        )));
        Ok(())
    }

    fn start(&self, platform: &Platform) -> anyhow::Result<()> {
        let (rules, ingestor) = parts(platform, &platform.background)?;
        platform.consume(
            consumers::LOOPBACK,
            consumers::LoopbackHandler::new(Arc::clone(&ingestor)),
        );
        platform.consume(
            consumers::HEARD,
            consumers::LoopbackHandler::heard(Arc::clone(&ingestor)),
        );
        platform.consume(
            consumers::BRANDS,
            consumers::BrandDirectory::new(platform.background.clone()),
        );
        if let Some(firehose) = &platform.networks.bluesky_firehose {
            let listener = listen::BlueskyListener::new(
                firehose,
                platform.networks.bluesky_resolver.as_deref(),
                platform.background.clone(),
                ingestor,
                rules,
            )?;
            let token = platform.shutdown.token();
            platform
                .shutdown
                .spawn("ingest-bluesky-firehose", listener.run(token));
        }
        Ok(())
    }
}
