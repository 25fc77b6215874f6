//! The shared parts of a process: store, event log, health, metrics, shutdown, authentication.

use std::sync::Arc;

use anyhow::Context as _;
use tagar_eventlog::kafka::KafkaLog;
use tagar_eventlog::{EventLog, TopicSpec, dead_letter_topic};
use tagar_runtime::auth::Authenticator;
use tagar_runtime::vault::Vault;
use tagar_runtime::{HealthState, Metrics, Shutdown};
use tagar_store::{Dialect, SqlLog, SqlLogConfig, Store};

use super::module::ServiceModule;
use super::settings::Settings;

/// How the process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every service in one process, SQLite, the store's log.
    Standalone,
    /// One or more services against PostgreSQL and Kafka.
    Distributed,
}

/// What every service of a process shares.
#[derive(Clone)]
pub struct Platform {
    /// How the process runs.
    pub mode: Mode,
    /// The store, as the API's calls use it.
    pub store: Store,
    /// The same store through a pool of its own, for background work (consumers, the outbox
    /// relay, the dispatcher): neither starves the other of connections.
    pub background: Store,
    /// The event log: Kafka, or the store's log table.
    pub log: Arc<dyn EventLog>,
    /// Readiness, for `/healthz` and the gRPC health service.
    pub health: HealthState,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The process's one shutdown handle.
    pub shutdown: Shutdown,
    /// Checks every gRPC call's credentials.
    pub authenticator: Authenticator,
    /// What one tenant may ask of the process.
    pub limits: super::LimitsConfig,
    /// How long what is pruned by age is kept.
    pub retention: tagar_store::RetentionConfig,
    /// Seals and opens stored secrets (network credentials); `None` when the distributed
    /// mode was given no master key, and then no credential can be stored.
    pub vault: Option<Arc<Vault>>,
    /// Where the services listen to the networks.
    pub networks: super::settings::NetworksConfig,
}

impl Platform {
    /// Connects the store (applying migrations), builds the event log for `mode` and
    /// provisions every topic the `modules` write, each with its dead-letter topic.
    pub async fn start(
        settings: &Settings,
        mode: Mode,
        modules: &[Arc<dyn ServiceModule>],
    ) -> anyhow::Result<Self> {
        let grpc_services = modules
            .iter()
            .flat_map(|m| m.grpc_services().iter().copied());
        let health = HealthState::new(grpc_services);
        health.register("store").await;
        health.register("eventlog").await;

        let database = match mode {
            Mode::Standalone => settings.standalone.database(),
            Mode::Distributed => settings.database.clone(),
        };
        let store = Store::connect(&database)
            .await
            .with_context(|| format!("open the store at {}", database.redacted_url()))?;
        if mode == Mode::Distributed && store.dialect() != Dialect::Postgres {
            anyhow::bail!(
                "database.url: the distributed mode needs PostgreSQL (postgres://…); SQLite is for `tagar standalone`"
            );
        }
        for set in modules.iter().filter_map(|m| m.migrations()) {
            store
                .apply(set)
                .await
                .with_context(|| format!("apply {}'s migrations", set.name))?;
        }
        let background = store
            .background()
            .await
            .context("open the background pool")?;
        health.set_ready("store").await;

        let (log, specs): (Arc<dyn EventLog>, Vec<TopicSpec>) = match mode {
            Mode::Standalone => {
                let partitions = settings.standalone.partitions;
                let specs = topic_names(modules)
                    .map(|t| TopicSpec::new(t, partitions))
                    .collect();
                (
                    Arc::new(SqlLog::new(background.clone(), SqlLogConfig::default())),
                    specs,
                )
            }
            Mode::Distributed => {
                let kafka = KafkaLog::connect(settings.kafka.clone())
                    .context("configure the Kafka client")?;
                let specs = topic_names(modules).map(|t| kafka.topic(&t)).collect();
                (Arc::new(kafka), specs)
            }
        };
        log.provision(&specs).await.context("provision topics")?;
        health.set_ready("eventlog").await;

        let authenticator = Authenticator::from_config(Arc::new(store.clone()), &settings.auth)
            .context("auth.token_secret")?;
        let vault = match Vault::from_settings(&settings.vault).context("vault")? {
            Some(vault) => Some(vault),
            None if mode == Mode::Standalone => Some(
                Vault::from_file_or_create(&settings.standalone.vault_keys()).context("vault")?,
            ),
            None => None,
        };
        Ok(Self {
            vault: vault.map(Arc::new),
            networks: settings.networks.clone(),
            mode,
            store,
            background,
            log,
            health,
            metrics: Metrics::global(),
            shutdown: Shutdown::new(),
            authenticator,
            limits: settings.limits.clone(),
            retention: settings.retention.clone(),
        })
    }
}

/// Every topic the modules write, and each one's dead-letter topic, each once (several
/// modules of one process name the topics they share).
fn topic_names(modules: &[Arc<dyn ServiceModule>]) -> impl Iterator<Item = String> + '_ {
    modules
        .iter()
        .flat_map(|m| m.topics().iter())
        .flat_map(|t| [(*t).to_owned(), dead_letter_topic(t)])
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
}
