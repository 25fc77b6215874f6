//! Test support for the services (feature `testing`): a process's settings in either mode on
//! this machine's test broker and database, API keys, authenticated requests, and waiting for
//! what consumers do eventually. Every service's integration tests stand on it.

use std::future::Future;
use std::time::Duration;

use tagar_runtime::auth::{ApiKey, BrandScope, Role};
use uuid::Uuid;

use crate::{Mode, Platform, Settings};

/// Settings for one test process, and the data directory they point at (standalone).
pub struct TestSettings {
    /// Settings: ports picked by the system, a short drain, and the mode's storage.
    pub settings: Settings,
    _dir: Option<tempfile::TempDir>,
}

/// Settings for a test process in `mode`: a temporary data directory (standalone), or a fresh
/// PostgreSQL database and a broker of its own with short group timeouts (distributed).
///
/// A broker per process, because the services' consumer groups have fixed names: processes
/// of several tests on one broker would share (or inherit) group memberships. Tansu starts in
/// tens of milliseconds. With `TAGAR_TEST_KAFKA_BROKERS` set, every test uses those brokers,
/// and tests of one binary must run one at a time (`--test-threads=1`).
pub async fn settings(mode: Mode) -> TestSettings {
    let mut settings = Settings::default();
    settings.grpc.listen = "127.0.0.1:0".parse().expect("address");
    settings.admin.listen = "127.0.0.1:0".parse().expect("address");
    settings.shutdown.drain_seconds = 5;
    let dir = match mode {
        Mode::Standalone => {
            let dir = tempfile::tempdir().expect("temporary directory");
            settings.standalone.data_dir = dir.path().to_owned();
            Some(dir)
        }
        Mode::Distributed => {
            settings.database =
                tagar_store::DatabaseConfig::new(tagar_testkit::fresh_postgres().await);
            settings.kafka.brokers = match std::env::var("TAGAR_TEST_KAFKA_BROKERS") {
                Ok(external) => external,
                Err(_) => tagar_testkit::dedicated_kafka_brokers(),
            };
            settings.kafka.session_timeout_ms = tagar_testkit::SESSION_TIMEOUT_MS;
            settings.kafka.max_poll_interval_ms = tagar_testkit::MAX_POLL_INTERVAL_MS;
            settings.kafka.partitions = 2;
            None
        }
    };
    TestSettings {
        settings,
        _dir: dir,
    }
}

/// A new API key of `tenant` with `role` and `brands`, saved in the platform's store.
pub async fn mint_key(platform: &Platform, tenant: Uuid, role: Role, brands: BrandScope) -> String {
    let (plain, stored) = ApiKey::generate(tenant, role, brands);
    platform
        .store
        .save_key(&stored, "test")
        .await
        .expect("save the test key");
    plain.expose().to_owned()
}

/// A request carrying `key` in the `x-api-key` header.
pub fn with_key<T>(key: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("x-api-key", key.parse().expect("an API key is ASCII"));
    request
}

/// Polls `probe` until it returns `Some`, failing the test after `within`, naming `what`.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Runs the async test body `$name(mode)` in both modes, as `$name::standalone` and
/// `$name::distributed`.
#[macro_export]
macro_rules! both_modes {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn standalone() {
                super::$name($crate::Mode::Standalone).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn distributed() {
                super::$name($crate::Mode::Distributed).await;
            }
        }
    };
}
