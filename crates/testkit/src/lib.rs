//! The test harness: starts what tests need, on this machine, and cleans up.
//!
//! - [`kafka_brokers`]: a real Tansu broker (a Kafka-protocol broker) on a free port, one per
//!   test process, stopped when the process ends. Or the brokers in `TAGAR_TEST_KAFKA_BROKERS`.
//! - [`fresh_postgres`]: a new, empty PostgreSQL database per call, on the server in
//!   `TAGAR_TEST_DATABASE_URL` (default `postgres://postgres:postgres@127.0.0.1:5432/postgres`).
//! - [`fresh_sqlite`]: a SQLite file in a temporary directory removed on drop.
//! - [`unique`]: names (topics, groups) no other test uses.
//! - [`bench`]: what every benchmark prints the same way (sizes, counts, the machine).
//! - [`pds`]: a real Bluesky PDS and PLC directory, one per test process.
//! - [`mastodon`]: a Mastodon server of the documented endpoints Tagar uses.
//! - [`media`]: a server of a brand's media files, and small real files to serve.
//! - [`proxy`]: a proxy that lets a network call through and holds its answer back.
//! - [`x`]: an X API v2 server of the documented endpoints Tagar uses.
//! - [`faults`]: a PostgreSQL cluster and a broker of a test's own, to restart under it.

pub mod bench;
mod broker;
pub mod faults;
pub mod mastodon;
pub mod media;
pub mod pds;
pub mod proxy;
pub mod x;

use std::sync::atomic::{AtomicU64, Ordering};

pub use broker::{dedicated_kafka_brokers, dedicated_kafka_brokers_on, kafka_brokers};
pub(crate) use broker::{die_with_parent, free_port};

/// Consumer session timeout for tests: Tansu makes a group join wait out the rebalance delay,
/// so short timeouts keep joins fast.
pub const SESSION_TIMEOUT_MS: u32 = 6_000;
/// Consumer max poll interval for tests (see [`SESSION_TIMEOUT_MS`]).
pub const MAX_POLL_INTERVAL_MS: u32 = 10_000;

/// A name no other test (in any process) uses: `prefix-<pid>-<n>-<random>`.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}-{n}-{}", std::process::id(), &random[..8])
}

/// The server-level database URL tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TAGAR_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Creates a new, empty PostgreSQL database and returns its URL. Databases are named
/// `tagar_test_…`; the test script drops old ones before each run.
pub async fn fresh_postgres() -> String {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {admin}: {e}. Run deploy/local/ensure-postgres.sh"));
    let name = format!("tagar_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(&admin);
    format!("{base}/{name}")
}

/// A SQLite database file in its own temporary directory (removed when dropped).
pub struct SqliteFile {
    dir: tempfile::TempDir,
}

impl SqliteFile {
    /// The database URL (the file is created on first connect).
    pub fn url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.dir.path().join("tagar.db").display()
        )
    }

    /// The directory holding the file.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

/// A new SQLite file in a fresh temporary directory.
pub fn fresh_sqlite() -> SqliteFile {
    SqliteFile {
        dir: tempfile::tempdir().expect("temporary directory"),
    }
}
