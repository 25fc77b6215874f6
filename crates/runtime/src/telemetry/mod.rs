//! Logging and distributed tracing.
//!
//! [`init`] installs one `tracing` subscriber for the process: an env filter, a pretty or
//! JSON formatter, and an OpenTelemetry layer. Spans go to an OTLP collector only when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; the
//! OpenTelemetry layer is installed either way so every span has a trace context that
//! [`propagation`] can carry across gRPC metadata and Kafka headers.

pub mod propagation;

pub use propagation::{
    extract_from_headers, extract_from_map, grpc_server_span, inject_into_map,
    inject_into_metadata, propagate_current_span,
};

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, TelemetryConfig};

/// Environment variables whose presence switches the OTLP exporter on.
pub const OTLP_ENDPOINT_ENVS: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
];

/// How long dropping the guard waits for buffered spans to reach the collector.
const FLUSH_BOUND: Duration = Duration::from_secs(5);

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The filter directives (from `RUST_LOG` or `telemetry.filter`) do not parse.
    #[error("invalid log filter `{filter}`: {reason}")]
    InvalidFilter {
        /// The directives that were given.
        filter: String,
        /// Why they were rejected.
        reason: String,
    },
    /// A global subscriber is already installed (for example a second call in tests).
    #[error("a tracing subscriber is already installed: {0}")]
    AlreadyInitialized(String),
    /// The OTLP gRPC exporter spawns onto Tokio, so it needs a running runtime.
    #[error("the OTLP exporter needs a Tokio runtime; call telemetry::init inside one")]
    NoRuntime,
    /// The OTLP exporter could not be built from its environment configuration.
    #[error("cannot build the OTLP span exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// Keeps the tracer provider alive; dropping it flushes buffered spans (bounded by a few
/// seconds) and shuts the exporter down. Hold it in `main` until the process exits.
#[must_use = "dropping the guard shuts tracing export down"]
#[derive(Debug)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
    exporting: bool,
}

impl TelemetryGuard {
    /// Whether spans are being exported to an OTLP collector.
    pub fn exporting(&self) -> bool {
        self.exporting
    }

    /// Flushes and shuts down now instead of on drop.
    pub fn shutdown(mut self) {
        self.flush_and_close();
    }

    fn flush_and_close(&mut self) {
        if let Some(provider) = self.provider.take() {
            // Nothing useful can be done with a failed flush while exiting; say so once.
            if let Err(error) = provider.shutdown_with_timeout(FLUSH_BOUND) {
                eprintln!("tagar: tracer provider shutdown: {error}");
            }
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        self.flush_and_close();
    }
}

/// Installs the W3C TraceContext propagator globally. [`init`] calls it; it is public for
/// tools and tests that propagate context without installing a subscriber.
pub fn install_propagator() {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
}

/// Installs the process-wide subscriber. `service_name` is used unless
/// `config.service_name` overrides it. A second call returns
/// [`TelemetryError::AlreadyInitialized`] and changes nothing.
pub fn init(
    config: &TelemetryConfig,
    service_name: &str,
) -> Result<TelemetryGuard, TelemetryError> {
    install_propagator();
    let filter = env_filter(&config.filter)?;
    let service_name = config
        .service_name
        .clone()
        .unwrap_or_else(|| service_name.to_owned());
    let exporting = OTLP_ENDPOINT_ENVS
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    let provider = tracer_provider(&service_name, exporting)?;
    let tracer = provider.tracer(service_name.clone());

    let fmt = match config.format {
        // One line per event: readable in a terminal and greppable.
        // Logs go to stderr, so what a command prints for people and scripts stays on stdout.
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .compact()
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .json()
            .with_current_span(true)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(fmt)
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .with(filter)
        .try_init()
        .map_err(|e| TelemetryError::AlreadyInitialized(e.to_string()))?;

    opentelemetry::global::set_tracer_provider(provider.clone());
    tracing::info!(service = %service_name, exporting, "telemetry initialised");
    Ok(TelemetryGuard {
        provider: Some(provider),
        exporting,
    })
}

fn env_filter(configured: &str) -> Result<EnvFilter, TelemetryError> {
    let directives = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| configured.to_owned());
    EnvFilter::try_new(&directives).map_err(|e| TelemetryError::InvalidFilter {
        filter: directives,
        reason: e.to_string(),
    })
}

/// Without an exporter the provider still mints span ids, so incoming trace context is
/// continued and passed on to the next service even when this one exports nothing.
fn tracer_provider(
    service_name: &str,
    exporting: bool,
) -> Result<SdkTracerProvider, TelemetryError> {
    let resource = Resource::builder()
        .with_service_name(service_name.to_owned())
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    if !exporting {
        return Ok(builder.build());
    }
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(TelemetryError::NoRuntime);
    }
    // The endpoint, headers and timeout come from the standard OTEL_EXPORTER_OTLP_* variables.
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .build()?;
    Ok(builder.with_batch_exporter(exporter).build())
}
