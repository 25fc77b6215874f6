//! The admin HTTP server: unauthenticated `/healthz`, `/readyz`, `/livez` and `/metrics`
//! on its own port, so probes and scrapers never need tenant credentials.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::health::HealthState;
use crate::metrics::Metrics;

/// Why the admin server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The listen address could not be bound.
    #[error("cannot bind the admin server to {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Serving failed after startup.
    #[error("admin server failed: {0}")]
    Serve(#[source] std::io::Error),
}

#[derive(Clone)]
struct AdminState {
    health: HealthState,
    metrics: Metrics,
}

/// Binds `addr` (port 0 picks a free port) and serves the admin endpoints until `shutdown`
/// is cancelled. Returns the bound address and the server task.
///
/// - `GET /healthz`, `GET /readyz`: `200 ok` when every component is ready, otherwise
///   `503` listing the components that are not.
/// - `GET /livez`: `200 ok` while the process answers at all, for liveness probes that
///   must not restart a pod merely because its database is unreachable.
/// - `GET /metrics`: the Prometheus text format.
pub async fn serve(
    addr: SocketAddr,
    health: HealthState,
    metrics: Metrics,
    shutdown: CancellationToken,
) -> Result<(SocketAddr, JoinHandle<Result<(), AdminError>>), AdminError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| AdminError::Bind { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| AdminError::Bind { addr, source })?;
    let app = router(health, metrics);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
            .map_err(AdminError::Serve)
    });
    tracing::info!(%bound, "admin server listening");
    Ok((bound, task))
}

fn router(health: HealthState, metrics: Metrics) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(healthz))
        .route("/livez", get(|| async { "ok" }))
        .route("/metrics", get(metrics_text))
        .with_state(AdminState { health, metrics })
}

async fn healthz(State(state): State<AdminState>) -> Response {
    let report = state.health.report();
    if report.is_ready() {
        return (StatusCode::OK, "ok").into_response();
    }
    let mut reasons = report.failing;
    if report.draining {
        reasons.push("shutting down".to_owned());
    }
    let body = format!("not ready: {}", reasons.join(", "));
    (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
}

async fn metrics_text(State(state): State<AdminState>) -> Response {
    match state.metrics.encode() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot render metrics");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot render metrics").into_response()
        }
    }
}
