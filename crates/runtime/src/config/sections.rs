//! The configuration sections the runtime kit owns. Each is independent so a service can
//! compose only the ones it needs into its own settings struct.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Where the gRPC server listens (`[grpc]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GrpcConfig {
    /// Socket address of the gRPC server; `TAGAR__GRPC__LISTEN`, default `0.0.0.0:50051`.
    pub listen: SocketAddr,
}

impl Default for GrpcConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 50051)),
        }
    }
}

/// Where the unauthenticated admin HTTP server (`/healthz`, `/metrics`) listens (`[admin]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminConfig {
    /// Socket address of the admin server; `TAGAR__ADMIN__LISTEN`, default `0.0.0.0:9090`.
    pub listen: SocketAddr,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 9090)),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable multi-line output, for a terminal.
    #[default]
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logging and tracing (`[telemetry]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TelemetryConfig {
    /// `tracing` filter directives; `TAGAR__TELEMETRY__FILTER`, default
    /// `info,opentelemetry=warn,opentelemetry_sdk=warn`.
    /// `RUST_LOG`, when set, wins so an operator can turn up one module quickly.
    pub filter: String,
    /// Output format, `pretty` or `json`; `TAGAR__TELEMETRY__FORMAT`, default `pretty`.
    pub format: LogFormat,
    /// Overrides the service name reported in traces; `TAGAR__TELEMETRY__SERVICE_NAME`.
    /// When unset, the binary's own name is used.
    pub service_name: Option<String>,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            // The OpenTelemetry SDK announces its own set-up at info; that is noise here.
            filter: "info,opentelemetry=warn,opentelemetry_sdk=warn".to_owned(),
            format: LogFormat::Pretty,
            service_name: None,
        }
    }
}

/// Credentials for the gRPC API (`[auth]`).
///
/// The secret is never serialized, so printing or dumping a settings struct cannot reveal
/// it; it can only be read from the file or the environment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthConfig {
    /// HMAC-SHA256 key that signs and verifies bearer tokens, at least 32 bytes;
    /// `TAGAR__AUTH__TOKEN_SECRET`. When unset, only API keys are accepted.
    #[serde(skip_serializing)]
    pub token_secret: Option<SecretString>,
    /// Lifetime of tokens this service issues; `TAGAR__AUTH__TOKEN_TTL_SECONDS`,
    /// default 3600.
    pub token_ttl_seconds: u64,
}

impl AuthConfig {
    /// Token lifetime as a [`Duration`].
    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_seconds)
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            token_secret: None,
            token_ttl_seconds: 3600,
        }
    }
}

/// Graceful shutdown (`[shutdown]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShutdownConfig {
    /// How long in-flight work may take to finish after SIGTERM before the process exits
    /// anyway; `TAGAR__SHUTDOWN__DRAIN_SECONDS`, default 20 (below Kubernetes' 30 s grace).
    pub drain_seconds: u64,
}

impl ShutdownConfig {
    /// Drain bound as a [`Duration`].
    pub fn drain(&self) -> Duration {
        Duration::from_secs(self.drain_seconds)
    }
}

impl Default for ShutdownConfig {
    fn default() -> Self {
        Self { drain_seconds: 20 }
    }
}
