//! The store's contract, run on both backends against real databases: a temporary SQLite file
//! and a fresh PostgreSQL database per test. Also runs the event-log contract on the store's
//! log table, the standalone mode's event log.

mod event_store;
mod keys;
mod outbox;
mod retention;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tagar_eventlog::EventLog;
use tagar_eventlog::contract::Harness;
use tagar_store::{DatabaseConfig, SqlLog, SqlLogConfig, Store};

/// A database for one test, kept alive (and, for SQLite, removed) with the value.
pub struct Db {
    /// The database URL.
    pub url: String,
    _sqlite: Option<tagar_testkit::SqliteFile>,
}

impl Db {
    /// A temporary SQLite file.
    pub async fn sqlite() -> Self {
        let file = tagar_testkit::fresh_sqlite();
        Self {
            url: file.url(),
            _sqlite: Some(file),
        }
    }

    /// A fresh PostgreSQL database.
    pub async fn postgres() -> Self {
        Self {
            url: tagar_testkit::fresh_postgres().await,
            _sqlite: None,
        }
    }

    /// A new connection pool, as a freshly started process would open.
    pub async fn store(&self) -> Store {
        Store::connect(&DatabaseConfig::new(&self.url))
            .await
            .expect("connect")
    }
}

#[async_trait]
impl Harness for Db {
    async fn log(&self) -> Arc<dyn EventLog> {
        let config = SqlLogConfig {
            session_timeout: Duration::from_secs(3),
            poll_interval: Duration::from_millis(50),
        };
        Arc::new(SqlLog::new(self.store().await, config))
    }
}

/// Expands the store's own suite (event store and outbox) for one backend.
macro_rules! store_suite {
    ($db:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let db = $db.await;
                crate::$module::$name(&db).await;
            }
        )*
    };
}

macro_rules! backend_suite {
    ($db:expr) => {
        store_suite!($db;
            event_store::appends_and_reads_a_stream,
            event_store::a_stale_writer_gets_a_conflict,
            event_store::concurrent_writers_never_lose_an_update,
            event_store::many_aggregates_append_concurrently,
            event_store::reads_are_scoped_to_the_tenant,
            event_store::read_all_follows_commit_order,
            event_store::migrations_apply_once_on_restart,
            event_store::service_migrations_share_the_database,
            event_store::read_then_write_transactions_all_commit,
            outbox::the_relay_publishes_in_order_and_marks_done,
            outbox::a_crash_before_marking_duplicates_but_never_loses,
            outbox::a_conflicting_append_writes_no_outbox,
            outbox::processed_events_make_consumers_idempotent,
            outbox::the_relay_survives_an_outage,
            outbox::a_stopped_relay_lets_another_lead,
            keys::api_keys_authenticate_until_revoked,
            retention::retention_prunes_what_is_old_and_keeps_the_rest,
        );
        tagar_eventlog::contract_suite!($db);
    };
}

mod sqlite {
    use super::*;
    backend_suite!(Db::sqlite());
}

mod postgres {
    use super::*;
    backend_suite!(Db::postgres());
}
