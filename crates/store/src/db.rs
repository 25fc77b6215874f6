//! The connection pool and its dialect.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions as _, Executor};
use tokio::sync::{Notify, watch};

use crate::config::DatabaseConfig;
use crate::error::StoreError;
use crate::tx::StoreTx;

/// Which SQL the database speaks, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

impl Dialect {
    /// The dialect `conn` speaks.
    pub fn of(conn: &sqlx::AnyConnection) -> Self {
        match conn.backend_name() {
            "SQLite" => Dialect::Sqlite,
            _ => Dialect::Postgres,
        }
    }
}

/// The migrations of one owner of tables (the store itself, or a service), for both backends.
///
/// Every set shares the database's one migrations table, so each numbers its files in a range
/// of its own: the store 1–999, ingest 1000–1999, moderation 2000–2999, scheduling 3000–3999,
/// analytics 4000–4999.
pub struct MigrationSet {
    /// The owner, for logs.
    pub name: &'static str,
    /// `sqlx::migrate!("./migrations/postgres")`.
    pub postgres: fn() -> sqlx::migrate::Migrator,
    /// `sqlx::migrate!("./migrations/sqlite")`.
    pub sqlite: fn() -> sqlx::migrate::Migrator,
}

const STORE_MIGRATIONS: MigrationSet = MigrationSet {
    name: "store",
    postgres: || sqlx::migrate!("./migrations/postgres"),
    sqlite: || sqlx::migrate!("./migrations/sqlite"),
};

/// In-process wake-ups. Other processes sharing the database find changes by polling.
pub(crate) struct Signals {
    /// A commit wrote outbox records (one relay per process waits on it).
    pub(crate) outbox: Notify,
    /// Log records were appended: a counter every consumer watches.
    pub(crate) log: watch::Sender<u64>,
}

impl Signals {
    fn new() -> Self {
        Self {
            outbox: Notify::new(),
            log: watch::Sender::new(0),
        }
    }

    pub(crate) fn log_appended(&self) {
        self.log.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// A handle on the database: cheap to clone, shared by every part of a process.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    config: DatabaseConfig,
    /// Wakes in-process relays and consumers at once instead of at their next poll.
    pub(crate) signals: Arc<Signals>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects and applies the embedded migrations for the URL's backend.
    #[tracing::instrument(skip_all, fields(url = %config.redacted_url()), err)]
    pub async fn connect(config: &DatabaseConfig) -> Result<Self, StoreError> {
        let store = Self::open(config, config.max_connections, Arc::new(Signals::new())).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// The same database through a pool of its own of `database.background_connections`
    /// connections, for background work: consumers and API calls never wait for each
    /// other's connections. In-process wake-ups (outbox, log) are shared with this store.
    pub async fn background(&self) -> Result<Self, StoreError> {
        Self::open(
            &self.config,
            self.config.background_connections.max(1),
            Arc::clone(&self.signals),
        )
        .await
    }

    async fn open(
        config: &DatabaseConfig,
        max_connections: u32,
        signals: Arc<Signals>,
    ) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = config.url.expose_secret();
        let dialect = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(StoreError::Config(format!(
                "expected postgres://… or sqlite://…, got {}",
                config.redacted_url()
            )));
        };
        if dialect == Dialect::Sqlite {
            create_parent_dir(url)?;
        }
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(e.to_string()))?
            // SQLite writers queue for the one write lock under load; that wait is
            // expected, so slow statements are reported at info, not as warnings.
            .log_slow_statements(::log::LevelFilter::Info, Duration::from_secs(1));
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(config.acquire_timeout_secs))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL lets readers run beside the one writer; a writer waits its turn
                        // for up to 30 s instead of failing at once.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            dialect,
            config: config.clone(),
            signals,
        })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.apply(&STORE_MIGRATIONS).await
    }

    /// Applies a migration set for this database's backend. Sets share the database's one
    /// migrations table, so each numbers its files in its own range and ignores the others'.
    pub async fn apply(&self, set: &MigrationSet) -> Result<(), StoreError> {
        let mut migrator = match self.dialect {
            Dialect::Postgres => (set.postgres)(),
            Dialect::Sqlite => (set.sqlite)(),
        };
        migrator.set_ignore_missing(true);
        migrator.run(&self.pool).await?;
        tracing::debug!(set = set.name, "migrations applied");
        Ok(())
    }

    /// A connection from the pool, for a few read-model queries in a row.
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// The pool, for a service's own read-model queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The database's dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Starts a transaction (on SQLite, as the writer: see the comment inside).
    pub async fn begin(&self) -> Result<StoreTx, StoreError> {
        let tx = match self.dialect {
            Dialect::Postgres => self.pool.begin().await?,
            // A SQLite transaction that reads, then writes, cannot become the writer if another
            // writer committed in between (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits
            // out). Taking the write lock at BEGIN makes it wait its turn instead.
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
        };
        Ok(StoreTx::new(self.clone(), tx))
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn create_parent_dir(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(())
}
