//! Runs a process's servers and background tasks until shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tagar_runtime::auth::AuthLayer;
use tagar_runtime::telemetry::grpc_server_span;
use tagar_runtime::{DrainOutcome, admin};
use tagar_store::{OutboxRelay, RelayConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::service::RoutesBuilder;

use super::LimitLayer;
use super::module::ServiceModule;
use super::platform::Platform;
use super::settings::Settings;

/// A running process: where it listens, and the task that ends when it has shut down.
pub struct Running {
    /// The gRPC server's address.
    pub grpc_addr: SocketAddr,
    /// The admin server's address (`/healthz`, `/metrics`).
    pub admin_addr: SocketAddr,
    /// The platform it runs on.
    pub platform: Platform,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Waits until the process has shut down and drained.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task")?
    }

    /// Starts shutdown and waits for the drain.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.platform.shutdown.cancel();
        self.wait().await
    }
}

/// Prunes what is kept only for a while, every `retention.interval_seconds`, on the
/// background pool. Every replica prunes; the deletes are idempotent and batched.
fn spawn_retention(platform: &Platform, modules: &[Arc<dyn ServiceModule>]) -> anyhow::Result<()> {
    let retention = platform.retention.clone();
    let prunes: Vec<_> = modules.iter().flat_map(|m| m.prunes(&retention)).collect();
    let store = platform.background.clone();
    let pruned = platform.metrics.counter_vec(
        "pruned_rows_total",
        "Rows retention deleted, by table.",
        &["table"],
    )?;
    let token = platform.shutdown.token();
    platform.shutdown.spawn("retention", async move {
        let mut tick = tokio::time::interval(retention.interval());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = token.cancelled() => return,
                _ = tick.tick() => {}
            }
            match store.prune(&retention, &prunes).await {
                Ok(report) => {
                    for (table, n) in &report.deleted {
                        pruned.with_label_values(&[table]).inc_by(*n);
                    }
                    if report.total() > 0 {
                        tracing::info!(deleted = ?report.deleted, "retention pruned old rows");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "retention failed this round; next round"),
            }
        }
    });
    Ok(())
}

/// Starts the outbox relay, each module's background tasks, the admin server and the
/// authenticated gRPC server (health and reflection included). Returns once listening.
pub async fn serve(
    settings: &Settings,
    platform: Platform,
    modules: &[Arc<dyn ServiceModule>],
) -> anyhow::Result<Running> {
    let shutdown = platform.shutdown.clone();
    // Not ready until the gRPC listener is bound: the admin server answers `/healthz` first,
    // and a readiness probe (or a test) must not send calls to a port nobody listens on.
    platform.health.register("grpc").await;
    let (admin_addr, admin_task) = admin::serve(
        settings.admin.listen,
        platform.health.clone(),
        platform.metrics.clone(),
        shutdown.token(),
    )
    .await
    .context("start the admin server")?;

    let relay = OutboxRelay::new(
        platform.background.clone(),
        Arc::clone(&platform.log),
        RelayConfig::default(),
    );
    let token = shutdown.token();
    shutdown.spawn("outbox-relay", async move {
        if let Err(e) = relay.run(token).await {
            tracing::error!(error = %e, "outbox relay stopped");
        }
    });
    spawn_retention(&platform, modules)?;
    for module in modules {
        module
            .start(&platform)
            .with_context(|| format!("start {}", module.name()))?;
    }

    let mut routes = RoutesBuilder::default();
    routes.add_service(platform.health.grpc_service());
    // Reflection in both versions (grpcurl 1.8 and many other clients still ask v1alpha),
    // describing Tagar's services, the health service and reflection itself.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(tagar_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
    };
    routes.add_service(
        reflection()
            .build_v1()
            .context("build the reflection service (v1)")?,
    );
    routes.add_service(
        reflection()
            .build_v1alpha()
            .context("build the reflection service (v1alpha)")?,
    );
    for module in modules {
        module
            .add_routes(&platform, &mut routes)
            .with_context(|| format!("serve {}", module.name()))?;
    }

    let listener = TcpListener::bind(settings.grpc.listen)
        .await
        .with_context(|| format!("bind gRPC on {}", settings.grpc.listen))?;
    let grpc_addr = listener.local_addr()?;
    platform.health.set_ready("grpc").await;
    let names: Vec<_> = modules.iter().map(|m| m.name()).collect();
    tracing::info!(%grpc_addr, %admin_addr, services = ?names, mode = ?platform.mode, "tagar is serving");

    let token = shutdown.token();
    let server = tonic::transport::Server::builder()
        // Clients reconnect now and then, so replicas added during a trending event get load.
        .max_connection_age(Duration::from_secs(300))
        .max_connection_age_grace(Duration::from_secs(30))
        .trace_fn(grpc_server_span)
        .layer(AuthLayer::new(platform.authenticator.clone()))
        .layer(LimitLayer::new(
            &platform.limits,
            modules
                .iter()
                .flat_map(|m| m.streams().iter().copied())
                .collect(),
        ))
        .add_routes(routes.routes())
        .serve_with_incoming_shutdown(
            TcpListenerStream::new(listener),
            shutdown.token().cancelled_owned(),
        );
    let drain = settings.shutdown.drain();
    let health = platform.health.clone();
    let stores = (platform.store.clone(), platform.background.clone());
    let task = tokio::spawn(async move {
        let mut server = Box::pin(server);
        let served = tokio::select! {
            ended = &mut server => ended.context("gRPC server"),
            () = token.cancelled() => {
                // Readiness goes to 503 at once, so load balancers stop sending new calls, and
                // open streams get at most the drain bound to finish.
                health.set_draining().await;
                match tokio::time::timeout(drain, &mut server).await {
                    Ok(ended) => ended.context("gRPC server"),
                    Err(_) => {
                        tracing::warn!(?drain, "gRPC calls still open after the drain bound; closing them");
                        Ok(())
                    }
                }
            }
        };
        health.set_draining().await;
        shutdown.cancel();
        if let DrainOutcome::TimedOut { still_running } = shutdown.wait_drained(drain).await {
            tracing::warn!(?still_running, "tasks still running after the drain bound");
        }
        let _ = admin_task.await;
        stores.0.close().await;
        stores.1.close().await;
        served
    });
    Ok(Running {
        grpc_addr,
        admin_addr,
        platform,
        task,
    })
}
