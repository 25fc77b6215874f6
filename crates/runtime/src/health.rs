//! Process health: components report themselves ready or not; the result drives both the
//! admin `/healthz` endpoint and the gRPC `grpc.health.v1.Health` service.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tonic_health::ServingStatus;
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::{HealthReporter, HealthService};

/// A cheap clonable handle through which components report readiness.
///
/// The process is ready when every registered component is ready and shutdown has not
/// begun. Each change is pushed to the gRPC health service for the configured service
/// names and for `""` (the whole server).
#[derive(Clone, Debug)]
pub struct HealthState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    components: Mutex<BTreeMap<String, bool>>,
    draining: Mutex<bool>,
    reporter: HealthReporter,
    grpc_services: Vec<String>,
}

/// A snapshot of health, as `/healthz` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthReport {
    /// Components that are registered but not ready, in name order.
    pub failing: Vec<String>,
    /// Whether shutdown has begun.
    pub draining: bool,
}

impl HealthReport {
    /// Ready to take traffic.
    pub fn is_ready(&self) -> bool {
        self.failing.is_empty() && !self.draining
    }
}

impl HealthState {
    /// A health state that also reports on the given fully qualified gRPC service names
    /// (e.g. `tagar.scheduling.v1.Scheduling`). Until a component registers, it is ready.
    pub fn new<I, S>(grpc_services: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut grpc_services: Vec<String> = grpc_services.into_iter().map(Into::into).collect();
        grpc_services.push(String::new());
        Self {
            inner: Arc::new(Inner {
                components: Mutex::new(BTreeMap::new()),
                draining: Mutex::new(false),
                reporter: HealthReporter::new(),
                grpc_services,
            }),
        }
    }

    /// The `grpc.health.v1.Health` service to add to the tonic server.
    pub fn grpc_service(&self) -> HealthServer<HealthService> {
        HealthServer::new(HealthService::from_health_reporter(
            self.inner.reporter.clone(),
        ))
    }

    /// Registers `component` as not yet ready (e.g. `"store"` before it has connected).
    pub async fn register(&self, component: &str) {
        self.set(component, false).await;
    }

    /// Marks `component` ready.
    pub async fn set_ready(&self, component: &str) {
        self.set(component, true).await;
    }

    /// Marks `component` not ready, e.g. when its connection drops.
    pub async fn set_unready(&self, component: &str) {
        self.set(component, false).await;
    }

    /// Marks the process as draining: it stops being ready so load balancers and
    /// Kubernetes stop sending new work while in-flight work finishes.
    pub async fn set_draining(&self) {
        *lock(&self.inner.draining) = true;
        self.publish().await;
    }

    /// The current health.
    pub fn report(&self) -> HealthReport {
        let failing = lock(&self.inner.components)
            .iter()
            .filter(|(_, ready)| !**ready)
            .map(|(name, _)| name.clone())
            .collect();
        HealthReport {
            failing,
            draining: *lock(&self.inner.draining),
        }
    }

    async fn set(&self, component: &str, ready: bool) {
        let changed =
            lock(&self.inner.components).insert(component.to_owned(), ready) != Some(ready);
        if changed {
            tracing::info!(component, ready, "health changed");
        }
        self.publish().await;
    }

    async fn publish(&self) {
        let status = if self.report().is_ready() {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        for service in &self.inner.grpc_services {
            self.inner
                .reporter
                .set_service_status(service, status)
                .await;
        }
    }
}

/// Health bookkeeping stays usable even if a thread panicked while holding the lock.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
