//! The process a service runs in: its settings, its shared parts ([`Platform`]), what a
//! service plugs in ([`ServiceModule`]), its servers, and its whole life from start to drain.

mod limits;
mod module;
mod platform;
mod server;
mod settings;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

pub use limits::{LimitLayer, LimitsConfig};
pub use module::ServiceModule;
pub use platform::{Mode, Platform};
pub use server::{Running, serve};
pub use settings::{NetworksConfig, Settings, StandaloneConfig};

/// Loads settings: defaults, then `file` (or `TAGAR_CONFIG`), then `TAGAR__…` variables.
pub fn load_settings(file: Option<&Path>) -> anyhow::Result<Settings> {
    tagar_runtime::config::load(file).context("configuration")
}

/// Starts a process running `modules` in `mode`, with telemetry already initialised.
pub async fn start(
    settings: &Settings,
    mode: Mode,
    modules: &[Arc<dyn ServiceModule>],
) -> anyhow::Result<Running> {
    let platform = Platform::start(settings, mode, modules).await?;
    platform.shutdown.listen_for_signals();
    serve(settings, platform, modules).await
}

/// Runs a process until SIGTERM or ctrl-c: what a service's `main` calls.
pub async fn run(
    settings: Settings,
    mode: Mode,
    modules: Vec<Arc<dyn ServiceModule>>,
    name: &str,
) -> anyhow::Result<()> {
    let _telemetry =
        tagar_runtime::telemetry::init(&settings.telemetry, name).context("telemetry")?;
    let running = start(&settings, mode, &modules).await?;
    running.wait().await
}

/// `main` for a one-service binary: distributed mode, settings from the environment, errors
/// printed with their causes and a non-zero exit.
pub async fn main_for(module: Arc<dyn ServiceModule>) -> std::process::ExitCode {
    let name = format!("tagar-{}", module.name());
    let outcome =
        async { run(load_settings(None)?, Mode::Distributed, vec![module], &name).await }.await;
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
