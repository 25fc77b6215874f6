//! Test support (feature `testing`): [`TestApp`], the one harness every service test and
//! end-to-end test runs on, in both modes; [`both_modes!`](crate::both_modes) to run a test
//! body in each; reading topics back ([`TopicReader`]); and waiting for what consumers do
//! eventually ([`eventually`]); what many tests start from ([`x_post`], [`brand_listening`]).
//!
//! Everything runs against the real thing: a Tansu broker and a fresh PostgreSQL database
//! (distributed), or a SQLite file (standalone), set up by `deploy/local/test.sh`. A test that
//! cannot reach them fails, naming the script that sets them up; none passes silently.

mod app;
mod fixtures;
mod reader;

use std::future::Future;
use std::time::Duration;

pub use app::{Launch, TestApp};
pub use fixtures::{brand_listening, x_post};
pub use reader::TopicReader;

use crate::{Mode, Settings};

/// Settings for one test system, and the data directory they point at (standalone).
pub struct TestSettings {
    /// Settings: ports picked by the system, a short drain, and the mode's storage.
    pub settings: Settings,
    dir: tempfile::TempDir,
}

impl TestSettings {
    /// A directory the test owns: the standalone data directory, and where child processes
    /// write their logs.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

/// Settings for a test system in `mode`: a temporary data directory (standalone), or a fresh
/// PostgreSQL database and a broker of its own with short group timeouts (distributed).
///
/// A broker per system, because the services' consumer groups have fixed names: systems of
/// several tests on one broker would share (or inherit) group memberships. Tansu starts in
/// tens of milliseconds. With `TAGAR_TEST_KAFKA_BROKERS` set, every test uses those brokers,
/// and tests of one binary must run one at a time (`--test-threads=1`).
pub async fn settings(mode: Mode) -> TestSettings {
    let mut settings = Settings::default();
    settings.grpc.listen = "127.0.0.1:0".parse().expect("address");
    settings.admin.listen = "127.0.0.1:0".parse().expect("address");
    settings.shutdown.drain_seconds = 5;
    let dir = tempfile::tempdir().expect("temporary directory");
    match mode {
        Mode::Standalone => {
            settings.standalone.data_dir = dir.path().to_owned();
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
            // One master key for every process of the system, as an operator would give it.
            let keys = dir.path().join("vault.keys");
            tagar_runtime::vault::write_key_file(
                &keys,
                &[tagar_runtime::vault::generate_master_key("test")],
            )
            .expect("write the test vault key");
            settings.vault.master_keys_file = Some(keys);
        }
    }
    TestSettings { settings, dir }
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
            "timed out after {within:?} waiting for {what}"
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
