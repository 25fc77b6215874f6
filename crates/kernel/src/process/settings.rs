//! Every setting of a Tagar process, composed from each part's own section.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tagar_eventlog::kafka::KafkaConfig;
use tagar_runtime::{AdminConfig, AuthConfig, GrpcConfig, ShutdownConfig, TelemetryConfig};
use tagar_store::DatabaseConfig;

/// A process's settings: built-in defaults, then the TOML file (`--config` or `TAGAR_CONFIG`),
/// then `TAGAR__SECTION__KEY` environment variables.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `[grpc]`: where the gRPC server listens.
    pub grpc: GrpcConfig,
    /// `[admin]`: where `/healthz` and `/metrics` are served.
    pub admin: AdminConfig,
    /// `[telemetry]`: log filter and format; OTLP export when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    pub telemetry: TelemetryConfig,
    /// `[auth]`: the token signing secret.
    pub auth: AuthConfig,
    /// `[shutdown]`: how long in-flight work may take to drain.
    pub shutdown: ShutdownConfig,
    /// `[database]`: the distributed mode's PostgreSQL.
    pub database: DatabaseConfig,
    /// `[kafka]`: the distributed mode's brokers and topic defaults.
    pub kafka: KafkaConfig,
    /// `[standalone]`: the standalone mode's data directory and log partitions.
    pub standalone: StandaloneConfig,
    /// `[limits]`: what one tenant may ask of a process.
    pub limits: super::LimitsConfig,
    /// `[retention]`: how long what is pruned by age is kept.
    pub retention: tagar_store::RetentionConfig,
    /// `[vault]`: the master keys that protect stored network credentials.
    pub vault: tagar_runtime::vault::VaultConfig,
    /// `[networks]`: where Tagar listens to the networks.
    pub networks: NetworksConfig,
}

/// Where Tagar listens (`TAGAR__NETWORKS__…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworksConfig {
    /// The Bluesky firehose ingest listens to: a relay (`https://bsky.network` carries the
    /// whole network) or one PDS (`http://localhost:2583`). Unset: ingest does not listen to
    /// Bluesky.
    pub bluesky_firehose: Option<String>,
    /// Where a post author's DID is resolved to a handle (`com.atproto.repo.describeRepo`);
    /// unset: the firehose's host.
    pub bluesky_resolver: Option<String>,
    /// Seconds between looks at each linked Mastodon and X account's mentions (default 60:
    /// within X's rate limit for mentions on its basic tier).
    pub poll_seconds: u64,
    /// Whether posts' media may be fetched from loopback and private addresses (default
    /// `false`: only public ones, so a tenant's media address cannot reach the deployment's
    /// own services). Turn on for a media server inside the deployment, and in tests.
    pub media_private_addresses: bool,
    /// How long one attempt at publishing a post to its network holds the post (default
    /// 120): after it, another dispatcher (or this one, restarted) may try again, with the
    /// same idempotency key. A network call may take half of it.
    pub publish_lease_seconds: u64,
}

impl Default for NetworksConfig {
    fn default() -> Self {
        Self {
            bluesky_firehose: None,
            bluesky_resolver: None,
            poll_seconds: 60,
            media_private_addresses: false,
            publish_lease_seconds: 120,
        }
    }
}

/// Settings of the standalone mode (`TAGAR__STANDALONE__…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct StandaloneConfig {
    /// Where the SQLite database (`tagar.db`) and the first admin key live.
    pub data_dir: PathBuf,
    /// Partitions of each topic in the store's log: how many consumers of one group can share
    /// a topic inside the one process.
    pub partitions: i32,
}

impl Default for StandaloneConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            partitions: 4,
        }
    }
}

impl StandaloneConfig {
    /// The vault's key file in the data directory, created on the first start.
    pub fn vault_keys(&self) -> PathBuf {
        self.data_dir.join("vault.keys")
    }

    /// The SQLite database in the data directory.
    pub fn database(&self) -> DatabaseConfig {
        DatabaseConfig::new(format!(
            "sqlite://{}?mode=rwc",
            self.data_dir.join("tagar.db").display()
        ))
    }
}
