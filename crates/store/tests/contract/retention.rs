//! Retention: what is old enough goes, in batches; what is recent or still needed stays.

use std::time::Duration;

use bytes::Bytes;
use tagar_eventlog::{EventLog, Headers, OutgoingRecord, TopicSpec};
use tagar_model::TenantId;
use tagar_store::{OutboxMessage, Prune, RetentionConfig, SqlLog, SqlLogConfig, TimeUnit};
use uuid::Uuid;

use crate::Db;
use crate::event_store::{aggregate, event};

const HOUR_US: i64 = 3_600 * 1_000_000;

pub async fn retention_prunes_what_is_old_and_keeps_the_rest(db: &Db) {
    let store = db.store().await;
    let now = tagar_store::now_us();
    // Processed ids: 7,000 of them ten days old (more than a batch), one from now.
    let mut tx = store.begin().await.unwrap();
    for i in 0..7_000 {
        sqlx::query("INSERT INTO processed_events (consumer, event_id, processed_at_us) VALUES ($1, $2, $3)")
            .bind("old")
            .bind(format!("e{i}"))
            .bind(now - 240 * HOUR_US)
            .execute(tx.conn())
            .await
            .unwrap();
    }
    assert!(tx.mark_processed("new", Uuid::now_v7()).await.unwrap());
    tx.commit().await.unwrap();

    // Outbox: one published two days ago, one never published (kept, however old).
    let message = |text: &str| OutboxMessage {
        topic: "t".into(),
        key: Bytes::from_static(b"k"),
        payload: Bytes::copy_from_slice(text.as_bytes()),
        headers: Headers::new(),
    };
    let agg = aggregate(TenantId::new());
    store
        .append(
            &agg,
            0,
            &[event("a"), event("b")],
            &[message("sent"), message("waiting")],
        )
        .await
        .unwrap();
    sqlx::query("UPDATE outbox SET created_at_us = $1")
        .bind(now - 72 * HOUR_US)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE outbox SET published_at_us = $1 WHERE payload = $2")
        .bind(now - 48 * HOUR_US)
        .bind(&b"sent"[..])
        .execute(store.pool())
        .await
        .unwrap();

    // The log: a topic kept an hour, with an old record and a new one.
    let log = SqlLog::new(store.clone(), SqlLogConfig::default());
    let mut spec = TopicSpec::new("kept.an.hour", 1);
    spec.retention = Some(Duration::from_secs(3_600));
    log.provision(&[spec]).await.unwrap();
    log.publish("kept.an.hour", &[OutgoingRecord::new("k", "old")])
        .await
        .unwrap();
    sqlx::query("UPDATE log_records SET appended_at_ms = $1")
        .bind((now - 2 * HOUR_US) / 1_000)
        .execute(store.pool())
        .await
        .unwrap();
    log.publish("kept.an.hour", &[OutgoingRecord::new("k", "new")])
        .await
        .unwrap();

    // A service's table, pruned by a time column in milliseconds.
    sqlx::query("CREATE TABLE probe_seen (id TEXT PRIMARY KEY, seen_at_ms BIGINT NOT NULL)")
        .execute(store.pool())
        .await
        .unwrap();
    for (id, age_h) in [("stale", 10), ("fresh", 0)] {
        sqlx::query("INSERT INTO probe_seen (id, seen_at_ms) VALUES ($1, $2)")
            .bind(id)
            .bind((now - age_h * HOUR_US) / 1_000)
            .execute(store.pool())
            .await
            .unwrap();
    }
    let extra = [Prune {
        table: "probe_seen",
        column: "seen_at_ms",
        unit: TimeUnit::Millis,
        keep: Duration::from_secs(5 * 3_600),
    }];

    let report = store
        .prune(&RetentionConfig::default(), &extra)
        .await
        .unwrap();
    assert_eq!(
        report.deleted,
        [
            ("processed_events", 7_000),
            ("outbox", 1),
            ("probe_seen", 1),
            ("log_records", 1)
        ]
    );
    let count = |sql: &'static str| {
        let store = store.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(store.pool())
                .await
                .unwrap()
        }
    };
    assert_eq!(
        count("SELECT CAST(COUNT(*) AS BIGINT) FROM processed_events").await,
        1
    );
    assert_eq!(
        store.outbox_pending().await.unwrap(),
        1,
        "never published: kept"
    );
    assert_eq!(
        count("SELECT CAST(COUNT(*) AS BIGINT) FROM probe_seen").await,
        1
    );
    assert_eq!(
        count("SELECT CAST(COUNT(*) AS BIGINT) FROM log_records").await,
        1
    );
    // Nothing left to prune: a second run deletes nothing.
    assert_eq!(
        store
            .prune(&RetentionConfig::default(), &extra)
            .await
            .unwrap()
            .total(),
        0
    );
}
