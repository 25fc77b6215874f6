//! `tagar standalone` and `tagar serve`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use tagar_kernel::{Mode, ServiceModule, Settings};

use crate::keys;

/// A service `tagar serve` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceName {
    /// Takes posts in, matches listening rules, publishes them.
    Ingest,
    /// Classifies, applies policy, runs the review queue.
    Moderation,
    /// Calendars, approvals, publishing once at the right time.
    Scheduling,
    /// Read models and reports.
    Analytics,
}

impl ServiceName {
    fn module(self) -> Arc<dyn ServiceModule> {
        match self {
            ServiceName::Ingest => Arc::new(tagar_ingest::Ingest),
            ServiceName::Moderation => Arc::new(tagar_moderation::Moderation),
            ServiceName::Scheduling => Arc::new(tagar_scheduling::Scheduling),
            ServiceName::Analytics => Arc::new(tagar_analytics::Analytics),
        }
    }
}

fn all_modules() -> Vec<Arc<dyn ServiceModule>> {
    [
        ServiceName::Ingest,
        ServiceName::Moderation,
        ServiceName::Scheduling,
        ServiceName::Analytics,
    ]
    .into_iter()
    .map(ServiceName::module)
    .collect()
}

/// Where a process listens, overriding the settings.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The gRPC address (`[grpc] listen`).
    #[arg(long, value_name = "ADDR")]
    grpc_listen: Option<SocketAddr>,
    /// The admin HTTP address for /healthz and /metrics (`[admin] listen`).
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<SocketAddr>,
}

impl ListenArgs {
    fn apply(&self, settings: &mut Settings) {
        if let Some(addr) = self.grpc_listen {
            settings.grpc.listen = addr;
        }
        if let Some(addr) = self.admin_listen {
            settings.admin.listen = addr;
        }
    }
}

/// Arguments of `tagar standalone`.
#[derive(Debug, Args)]
pub struct StandaloneArgs {
    /// Where the database and the first admin key live (`[standalone] data_dir`).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(flatten)]
    listen: ListenArgs,
    /// Runs the demo once the services are up: an agency with three brands, a trending event
    /// replayed through ingest, posts scheduled and published, and a report. Then keeps serving.
    #[arg(long)]
    demo: bool,
    /// Posts in the demo's trending event.
    #[arg(long, value_name = "N", default_value_t = 200_000, requires = "demo")]
    demo_posts: u64,
    /// The demo generator's seed.
    #[arg(long, value_name = "SEED", default_value_t = 42, requires = "demo")]
    demo_seed: u64,
    /// The demo also publishes to and listens on this Bluesky PDS (one that makes accounts
    /// without an invite, such as `deploy/local/run-pds.sh` runs on http://localhost:2583);
    /// sets `networks.bluesky_firehose` to it unless that is set.
    #[arg(long, value_name = "URL", requires = "demo")]
    demo_bluesky: Option<String>,
}

/// Arguments of `tagar serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The services to run in this process (usually one per pod).
    #[arg(required = true, value_enum)]
    services: Vec<ServiceName>,
    #[command(flatten)]
    listen: ListenArgs,
}

/// Runs every service in one process until ctrl-c.
pub async fn standalone(config: Option<&Path>, args: StandaloneArgs) -> anyhow::Result<()> {
    let mut settings = tagar_kernel::load_settings(config)?;
    if let Some(dir) = args.data_dir {
        settings.standalone.data_dir = dir;
    }
    args.listen.apply(&mut settings);
    if let Some(pds) = &args.demo_bluesky
        && settings.networks.bluesky_firehose.is_none()
    {
        settings.networks.bluesky_firehose = Some(pds.clone());
    }
    if args.demo && std::env::var_os("TAGAR__TELEMETRY__FILTER").is_none() {
        // The demo's report is the output to read: only warnings and errors besides it.
        settings.telemetry.filter = "warn".to_owned();
    }
    let _telemetry =
        tagar_runtime::telemetry::init(&settings.telemetry, "tagar").context("telemetry")?;
    let modules = all_modules();
    let platform = tagar_kernel::Platform::start(&settings, Mode::Standalone, &modules).await?;
    // The first key exists before the process reports ready, so anyone who waits for
    // readiness finds it.
    let first_key = keys::bootstrap(&platform.store, &settings.standalone.data_dir).await?;
    platform.shutdown.listen_for_signals();
    let running = tagar_kernel::serve(&settings, platform, &modules).await?;
    println!(
        "Tagar is running standalone (data in {}).",
        settings.standalone.data_dir.display()
    );
    println!(
        "  gRPC   {}   (every service; reflection on)",
        running.grpc_addr
    );
    println!(
        "  admin  http://{}/healthz  and  /metrics",
        running.admin_addr
    );
    if let Some(path) = first_key {
        println!(
            "  A new tenant and its admin API key were created; the key is in {}",
            path.display()
        );
        println!("  (readable only by you). Send it as the `x-api-key` header.");
    }
    if args.demo {
        let options = crate::demo::DemoOptions {
            posts: args.demo_posts,
            seed: args.demo_seed,
            bluesky: args.demo_bluesky.clone(),
        };
        let store = running.platform.store.clone();
        crate::demo::run(
            &store,
            &settings.standalone.data_dir,
            running.grpc_addr,
            &options,
        )
        .await?;
        println!(
            "\nTagar keeps serving on {} (admin {}).",
            running.grpc_addr, running.admin_addr
        );
    }
    println!("Press ctrl-c to stop.");
    running.wait().await
}

/// Runs the chosen services against PostgreSQL and Kafka until SIGTERM or ctrl-c.
pub async fn serve(config: Option<&Path>, args: ServeArgs) -> anyhow::Result<()> {
    let mut settings = tagar_kernel::load_settings(config)?;
    args.listen.apply(&mut settings);
    let mut services = args.services;
    services.dedup();
    let modules: Vec<_> = services.iter().map(|s| s.module()).collect();
    let names: Vec<_> = modules.iter().map(|m| m.name()).collect();
    tagar_kernel::run(
        settings,
        Mode::Distributed,
        modules,
        &format!("tagar-{}", names.join("+")),
    )
    .await
}
