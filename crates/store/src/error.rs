//! What can go wrong in the store.

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended to the aggregate first: reload it and decide again.
    #[error("version conflict on {aggregate_id}: expected version {expected}, found {actual}")]
    Conflict {
        /// The aggregate.
        aggregate_id: String,
        /// The version the writer expected.
        expected: u64,
        /// The version the store holds.
        actual: u64,
    },
    /// The URL names no backend Tagar supports.
    #[error("database.url: {0}")]
    Config(String),
    /// A stored value could not be read back.
    #[error("corrupt stored value in {field}: {reason}")]
    Corrupt {
        /// The table and column.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The event log refused or failed (outbox relay).
    #[error(transparent)]
    Log(#[from] tagar_eventlog::LogError),
    /// Applying the embedded migrations failed.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database failed or could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether this is a unique-constraint violation (a concurrent writer won a race).
    pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
    }
}
