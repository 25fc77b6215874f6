//! The runtime kit every Tagar service is built on: configuration, telemetry, metrics and
//! health on an admin port, graceful shutdown, and gRPC authentication.
//!
//! A service's `main` loads its settings with [`config::load`], calls [`telemetry::init`],
//! creates one [`Shutdown`] and one [`HealthState`], starts [`admin::serve`], and builds its
//! tonic server with [`auth::AuthLayer`] and [`telemetry::grpc_server_span`].

pub mod admin;
pub mod auth;
pub mod config;
pub mod health;
pub mod metrics;
pub mod shutdown;
pub mod telemetry;
pub mod vault;

pub use admin::AdminError;
pub use auth::{
    ApiKey, AuthError, AuthLayer, Authenticator, BrandScope, KeyDirectory, Principal, Role,
    StaticKeyDirectory, StoredKey, TokenIssuer, principal_from,
};
pub use config::{
    AdminConfig, AuthConfig, ConfigError, GrpcConfig, LogFormat, ShutdownConfig, TelemetryConfig,
};
pub use health::{HealthReport, HealthState};
pub use metrics::{Metrics, MetricsError};
pub use shutdown::{DrainOutcome, Shutdown};
pub use telemetry::{TelemetryError, TelemetryGuard};
