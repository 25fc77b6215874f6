//! What a service plugs into the host.

use tagar_store::MigrationSet;
use tonic::service::RoutesBuilder;

use super::platform::Platform;

/// A service the host can run: its topics, its gRPC services, its background tasks.
pub trait ServiceModule: Send + Sync {
    /// Its short name, as in `tagar serve <name>`.
    fn name(&self) -> &'static str;

    /// The topics it writes; the host provisions each, with its dead-letter topic, at start.
    fn topics(&self) -> &'static [&'static str];

    /// The migrations of the tables it owns, applied at start (see `MigrationSet` for the
    /// version range each service numbers its files in).
    fn migrations(&self) -> Option<&'static MigrationSet> {
        None
    }

    /// The fully-qualified names of the gRPC services it serves, reported by the health service.
    fn grpc_services(&self) -> &'static [&'static str] {
        &[]
    }

    /// The rows of its tables that retention prunes by age (see `tagar_store::Prune`).
    fn prunes(&self, _retention: &tagar_store::RetentionConfig) -> Vec<tagar_store::Prune> {
        Vec::new()
    }

    /// The paths of its streaming methods (`/tagar.v1.Service/Method`): rate-limited like
    /// every call, but with no deadline.
    fn streams(&self) -> &'static [&'static str] {
        &[]
    }

    /// Adds its gRPC services to the server.
    fn add_routes(&self, _platform: &Platform, _routes: &mut RoutesBuilder) -> anyhow::Result<()> {
        Ok(())
    }

    /// Starts its background tasks (consumers, dispatchers) through `platform.shutdown`, so
    /// they stop and drain with the process.
    fn start(&self, _platform: &Platform) -> anyhow::Result<()> {
        Ok(())
    }
}
