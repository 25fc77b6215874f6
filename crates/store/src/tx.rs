//! A transaction over the store: events, outbox and processed-event marks commit together
//! with whatever read-model rows the caller writes through [`StoreTx::conn`].

use std::collections::HashSet;

use sqlx::{Any, AnyConnection, Row as _, Transaction};
use uuid::Uuid;

use crate::db::{Dialect, Store};
use crate::error::StoreError;
use crate::params::BulkInsert;

/// An open transaction. Dropping it without [`StoreTx::commit`] rolls it back.
pub struct StoreTx {
    pub(crate) store: Store,
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) holds_append_lock: bool,
    pub(crate) wrote_outbox: bool,
}

impl StoreTx {
    pub(crate) fn new(store: Store, tx: Transaction<'static, Any>) -> Self {
        Self {
            store,
            tx,
            holds_append_lock: false,
            wrote_outbox: false,
        }
    }

    /// The connection, for the caller's own queries inside the transaction.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The database's dialect.
    pub fn dialect(&self) -> Dialect {
        self.store.dialect()
    }

    /// Records that `consumer` processed `event_id`. Returns `false` when it already had: the
    /// caller then skips its read-model change, so a redelivered event changes nothing.
    pub async fn mark_processed(
        &mut self,
        consumer: &str,
        event_id: Uuid,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO processed_events (consumer, event_id, processed_at_us) VALUES ($1, $2, $3) \
             ON CONFLICT (consumer, event_id) DO NOTHING",
        )
        .bind(consumer)
        .bind(event_id.to_string())
        .bind(crate::now_us())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records that `consumer` processed each of `event_ids`, with multi-row `INSERT … ON
    /// CONFLICT DO NOTHING RETURNING event_id`: returns those it had not processed before,
    /// whose read-model changes the caller makes (a copy within `event_ids` counts once).
    pub async fn mark_all_processed(
        &mut self,
        consumer: &str,
        event_ids: &[Uuid],
    ) -> Result<HashSet<Uuid>, StoreError> {
        let mut ids = event_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let now = crate::now_us();
        let mut fresh = HashSet::with_capacity(ids.len());
        let mark = BulkInsert::new(
            self.dialect(),
            "INSERT INTO processed_events (consumer, event_id, processed_at_us)",
            3,
        )
        .tail(&[" ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"]);
        for chunk in ids.chunks(mark.rows_per_statement()) {
            let sql = mark.sql(chunk.len());
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(consumer).bind(id.to_string()).bind(now);
            }
            for row in query.fetch_all(&mut *self.tx).await? {
                let id: String = row.try_get(0)?;
                let id = Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt {
                    field: "processed_events.event_id",
                    reason: e.to_string(),
                })?;
                fresh.insert(id);
            }
        }
        Ok(fresh)
    }

    /// Takes the store-wide append lock for the rest of the transaction, so global positions
    /// and outbox ids are handed out in commit order. PostgreSQL: a transaction-scoped
    /// advisory lock; SQLite: a write to a one-row table (which also makes the transaction a
    /// writer at once, so it never fails upgrading from reader to writer).
    pub(crate) async fn lock_appends(&mut self) -> Result<(), StoreError> {
        if self.holds_append_lock {
            return Ok(());
        }
        let sql = match self.store.dialect() {
            Dialect::Postgres => "SELECT pg_advisory_xact_lock(7461676172)",
            Dialect::Sqlite => "UPDATE append_lock SET appends = appends + 1 WHERE id = 1",
        };
        sqlx::query(sql).execute(&mut *self.tx).await?;
        self.holds_append_lock = true;
        Ok(())
    }

    /// Commits, then wakes the in-process outbox relay if outbox records were written.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        if self.wrote_outbox {
            self.store.signals.outbox.notify_one();
        }
        Ok(())
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }
}
