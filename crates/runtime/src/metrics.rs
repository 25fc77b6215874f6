//! Prometheus metrics: one registry per process, every metric named `tagar_…`.
//!
//! Asking for a metric that is registered already returns the collector registered first, so
//! a service that starts twice in one process (tests run both modes in one binary) or two
//! parts that count the same thing share one collector, with no static cache of their own.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Namespace prepended to every metric name, so `posts_ingested_total` becomes
/// `tagar_posts_ingested_total`.
pub const NAMESPACE: &str = "tagar";

/// Why a metric could not be registered or the registry rendered.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The name or labels are invalid.
    #[error("metric `{name}`: {source}")]
    Register {
        /// Name as passed, without the `tagar_` prefix.
        name: String,
        /// What Prometheus rejected.
        source: prometheus::Error,
    },
    /// A metric of that name is registered already, as another kind of collector.
    #[error("metric `{name}` is registered already as another kind of metric")]
    KindMismatch {
        /// Name as passed, without the `tagar_` prefix.
        name: String,
    },
    /// The registry could not be rendered in the text format.
    #[error("cannot encode metrics: {0}")]
    Encode(#[source] prometheus::Error),
}

/// A cheap clonable handle to a Prometheus registry.
#[derive(Clone, Default)]
pub struct Metrics {
    registry: Registry,
    /// Every collector registered through this handle (or its clones), by name.
    collectors: Arc<Mutex<HashMap<String, Box<dyn Any + Send>>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh, empty registry (for tests, or to keep one service's metrics apart).
    pub fn new() -> Self {
        Self::default()
    }

    /// The process-wide registry that `/metrics` serves; all four services share it when
    /// they run in one process, so their metric names must differ.
    pub fn global() -> Self {
        static GLOBAL: OnceLock<Metrics> = OnceLock::new();
        GLOBAL.get_or_init(Metrics::new).clone()
    }

    /// The underlying registry, for registering collectors built elsewhere.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The counter named `tagar_<name>`, registered on first use.
    pub fn counter(&self, name: &str, help: &str) -> Result<IntCounter, MetricsError> {
        self.register(name, IntCounter::with_opts(opts(name, help)))
    }

    /// The counter family named `tagar_<name>` with the given label names, registered on
    /// first use.
    pub fn counter_vec(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> Result<IntCounterVec, MetricsError> {
        self.register(name, IntCounterVec::new(opts(name, help), labels))
    }

    /// The gauge named `tagar_<name>`, registered on first use.
    pub fn gauge(&self, name: &str, help: &str) -> Result<IntGauge, MetricsError> {
        self.register(name, IntGauge::with_opts(opts(name, help)))
    }

    /// The gauge family named `tagar_<name>` with the given label names, registered on first
    /// use.
    pub fn gauge_vec(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> Result<IntGaugeVec, MetricsError> {
        self.register(name, IntGaugeVec::new(opts(name, help), labels))
    }

    /// The histogram named `tagar_<name>`, registered on first use; `buckets` of `None` uses
    /// Prometheus' defaults (5 ms to 10 s, suited to request latencies in seconds).
    pub fn histogram(
        &self,
        name: &str,
        help: &str,
        buckets: Option<Vec<f64>>,
    ) -> Result<Histogram, MetricsError> {
        self.register(
            name,
            Histogram::with_opts(histogram_opts(name, help, buckets)),
        )
    }

    /// The histogram family named `tagar_<name>` with the given label names, registered on
    /// first use.
    pub fn histogram_vec(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        buckets: Option<Vec<f64>>,
    ) -> Result<HistogramVec, MetricsError> {
        self.register(
            name,
            HistogramVec::new(histogram_opts(name, help, buckets), labels),
        )
    }

    /// Renders every registered metric in the Prometheus text exposition format.
    pub fn encode(&self) -> Result<String, MetricsError> {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .map_err(MetricsError::Encode)?;
        // The text encoder only ever writes UTF-8.
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }

    /// The collector registered as `name`, or `built`, registered now. A second ask returns
    /// the first collector (its help text and labels stay those of the first ask).
    fn register<M>(&self, name: &str, built: prometheus::Result<M>) -> Result<M, MetricsError>
    where
        M: prometheus::core::Collector + Clone + Send + 'static,
    {
        let mut collectors = self
            .collectors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(existing) = collectors.get(name) {
            return existing.downcast_ref::<M>().cloned().ok_or_else(|| {
                MetricsError::KindMismatch {
                    name: name.to_owned(),
                }
            });
        }
        let error = |source| MetricsError::Register {
            name: name.to_owned(),
            source,
        };
        let metric = built.map_err(error)?;
        self.registry
            .register(Box::new(metric.clone()))
            .map_err(error)?;
        collectors.insert(name.to_owned(), Box::new(metric.clone()));
        Ok(metric)
    }
}

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help).namespace(NAMESPACE)
}

fn histogram_opts(name: &str, help: &str, buckets: Option<Vec<f64>>) -> HistogramOpts {
    let opts = HistogramOpts::from(opts(name, help));
    match buckets {
        Some(buckets) => opts.buckets(buckets),
        None => opts,
    }
}
