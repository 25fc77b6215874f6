//! The store: Tagar's relational persistence, on PostgreSQL (distributed mode) or SQLite
//! (standalone mode), through one code path.
//!
//! - [`Store::append`]: an aggregate's events with an expected version (optimistic concurrency:
//!   a concurrent writer gets [`StoreError::Conflict`], never a lost update), written in the same
//!   transaction as their outbox records.
//! - [`OutboxRelay`]: publishes the outbox to the event log in order and marks it done; a crash
//!   between the two yields a duplicate consumers drop, never a loss.
//! - [`StoreTx::mark_processed`]: consumer idempotency, recorded in the same transaction as
//!   the read-model change.
//! - API keys, hashed, behind the runtime kit's `KeyDirectory`.
//! - [`SqlLog`]: the event log as an append-only table, for the standalone mode, with every
//!   guarantee of the Kafka backend.
//!
//! - [`Store::prune`]: retention, by age, of what is kept only for a while.
//!
//! Migrations are embedded, one set per backend, and applied by [`Store::connect`].

mod config;
mod db;
mod error;
mod events;
mod headers_codec;
mod keys;
mod log;
mod outbox;
mod params;
mod retention;
mod tx;

pub use config::DatabaseConfig;
pub use db::{Dialect, MigrationSet, Store};
pub use error::StoreError;
pub use events::{AggregateRef, NewEvent, StoredEvent};
pub use keys::KeyListing;
pub use log::{SqlLog, SqlLogConfig};
pub use outbox::{OutboxMessage, OutboxRelay, RelayConfig};
pub use params::{BulkInsert, MAX_BOUND_PER_STATEMENT, MAX_ROWS_PER_STATEMENT, Placeholders};
pub use retention::{Prune, PruneReport, RetentionConfig, TimeUnit};
pub use tx::StoreTx;

/// Microseconds since the epoch, the store's unit of time.
pub fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}
