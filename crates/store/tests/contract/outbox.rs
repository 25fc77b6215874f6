//! The outbox, its relay, and consumer idempotency.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tagar_eventlog::contract::Harness;
use tagar_eventlog::{Consumer, EventLog, Headers, LogError, OutgoingRecord, TopicSpec};
use tagar_model::TenantId;
use tagar_store::{OutboxMessage, OutboxRelay, RelayConfig, StoreError};
use uuid::Uuid;

use crate::Db;
use crate::event_store::{aggregate, event};

fn message(topic: &str, key: &str, text: &str) -> OutboxMessage {
    OutboxMessage {
        topic: topic.into(),
        key: Bytes::copy_from_slice(key.as_bytes()),
        payload: Bytes::copy_from_slice(text.as_bytes()),
        headers: Headers::new().with("tagar-event-id", Uuid::now_v7().to_string()),
    }
}

async fn drain(consumer: &mut dyn Consumer, want: usize) -> Vec<tagar_eventlog::Record> {
    let mut got = Vec::new();
    for _ in 0..100 {
        if got.len() >= want {
            break;
        }
        got.extend(
            consumer
                .poll(100, Duration::from_millis(100))
                .await
                .unwrap(),
        );
    }
    got
}

fn text(r: &tagar_eventlog::Record) -> String {
    String::from_utf8(r.value.to_vec()).unwrap()
}

async fn provisioned(db: &Db, topics: &[&str]) -> Arc<dyn EventLog> {
    let log = db.log().await;
    let specs: Vec<_> = topics.iter().map(|t| TopicSpec::new(*t, 1)).collect();
    log.provision(&specs).await.unwrap();
    log
}

pub async fn the_relay_publishes_in_order_and_marks_done(db: &Db) {
    let store = db.store().await;
    let log = provisioned(db, &["posts", "cases"]).await;
    let tenant = TenantId::new();
    let (a, b) = (aggregate(tenant), aggregate(tenant));
    store
        .append(&a, 0, &[event("p1")], &[message("posts", "a", "p1")])
        .await
        .unwrap();
    store
        .append(&b, 0, &[event("c1")], &[message("cases", "b", "c1")])
        .await
        .unwrap();
    store
        .append(
            &a,
            1,
            &[event("p2"), event("p3")],
            &[message("posts", "a", "p2"), message("posts", "a", "p3")],
        )
        .await
        .unwrap();
    assert_eq!(store.outbox_pending().await.unwrap(), 4);

    let relay = OutboxRelay::new(store.clone(), Arc::clone(&log), RelayConfig::default());
    assert_eq!(relay.relay_once().await.unwrap(), 4);
    assert_eq!(store.outbox_pending().await.unwrap(), 0);
    assert_eq!(
        relay.relay_once().await.unwrap(),
        0,
        "nothing is published twice"
    );

    let mut posts = log.subscribe("reader", &["posts"]).await.unwrap();
    assert_eq!(
        drain(&mut *posts, 3)
            .await
            .iter()
            .map(text)
            .collect::<Vec<_>>(),
        ["p1", "p2", "p3"]
    );
    let mut cases = log.subscribe("reader", &["cases"]).await.unwrap();
    assert_eq!(
        drain(&mut *cases, 1)
            .await
            .iter()
            .map(text)
            .collect::<Vec<_>>(),
        ["c1"]
    );
}

/// A log that writes, then fails as if the process died before the relay could mark.
struct DiesAfterPublish(Arc<dyn EventLog>);

#[async_trait]
impl EventLog for DiesAfterPublish {
    async fn provision(&self, topics: &[TopicSpec]) -> Result<(), LogError> {
        self.0.provision(topics).await
    }
    async fn publish(&self, topic: &str, records: &[OutgoingRecord]) -> Result<(), LogError> {
        self.0.publish(topic, records).await?;
        Err(LogError::Backend("process killed".into()))
    }
    async fn subscribe(&self, group: &str, topics: &[&str]) -> Result<Box<dyn Consumer>, LogError> {
        self.0.subscribe(group, topics).await
    }
}

pub async fn a_crash_before_marking_duplicates_but_never_loses(db: &Db) {
    let store = db.store().await;
    let log = provisioned(db, &["posts"]).await;
    let agg = aggregate(TenantId::new());
    let outbox: Vec<_> = (1..=3)
        .map(|i| message("posts", "a", &format!("p{i}")))
        .collect();
    store.append(&agg, 0, &[event("x")], &outbox).await.unwrap();

    let dying = OutboxRelay::new(
        store.clone(),
        Arc::new(DiesAfterPublish(Arc::clone(&log))),
        RelayConfig::default(),
    );
    assert!(dying.relay_once().await.is_err());
    assert_eq!(
        store.outbox_pending().await.unwrap(),
        3,
        "not marked: the crash came first"
    );

    let restarted = OutboxRelay::new(db.store().await, Arc::clone(&log), RelayConfig::default());
    assert_eq!(restarted.relay_once().await.unwrap(), 3);

    // The log holds each record twice; an idempotent consumer applies each once.
    let mut consumer = log.subscribe("projection", &["posts"]).await.unwrap();
    let records = drain(&mut *consumer, 6).await;
    assert_eq!(
        records.iter().map(text).collect::<Vec<_>>(),
        ["p1", "p2", "p3", "p1", "p2", "p3"]
    );
    let mut applied = Vec::new();
    for r in &records {
        let id = Uuid::parse_str(r.headers.get_str("tagar-event-id").unwrap()).unwrap();
        let mut tx = store.begin().await.unwrap();
        if tx.mark_processed("projection", id).await.unwrap() {
            applied.push(text(r));
        }
        tx.commit().await.unwrap();
    }
    assert_eq!(applied, ["p1", "p2", "p3"]);
}

pub async fn a_conflicting_append_writes_no_outbox(db: &Db) {
    let store = db.store().await;
    let agg = aggregate(TenantId::new());
    store.append(&agg, 0, &[event("a")], &[]).await.unwrap();
    let refused = store
        .append(&agg, 0, &[event("b")], &[message("posts", "a", "b")])
        .await;
    assert!(matches!(refused, Err(StoreError::Conflict { .. })));
    assert_eq!(store.outbox_pending().await.unwrap(), 0);
}

pub async fn processed_events_make_consumers_idempotent(db: &Db) {
    let store = db.store().await;
    sqlx::query("CREATE TABLE mention_counts (brand TEXT PRIMARY KEY, n BIGINT NOT NULL)")
        .execute(store.pool())
        .await
        .unwrap();
    let count = || {
        let store = store.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT n FROM mention_counts WHERE brand = 'acme'")
                .fetch_optional(store.pool())
                .await
                .unwrap()
                .unwrap_or(0)
        }
    };
    let apply = |id: Uuid, commit: bool| {
        let store = store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            if tx.mark_processed("analytics", id).await.unwrap() {
                sqlx::query("INSERT INTO mention_counts (brand, n) VALUES ('acme', 1) ON CONFLICT (brand) DO UPDATE SET n = mention_counts.n + 1")
                    .execute(tx.conn())
                    .await
                    .unwrap();
            }
            if commit {
                tx.commit().await.unwrap()
            } else {
                tx.rollback().await.unwrap()
            }
        }
    };
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
    apply(first, true).await;
    apply(first, true).await;
    assert_eq!(count().await, 1, "a redelivered event changes nothing");
    // A rolled-back change leaves no mark: the event is applied when it comes again.
    apply(second, false).await;
    assert_eq!(count().await, 1);
    apply(second, true).await;
    assert_eq!(count().await, 2);
}

/// A log whose publishes fail while `down` is set, as a broker outage would.
struct Outage {
    log: Arc<dyn EventLog>,
    down: Arc<std::sync::atomic::AtomicBool>,
}

#[async_trait]
impl EventLog for Outage {
    async fn provision(&self, topics: &[TopicSpec]) -> Result<(), LogError> {
        self.log.provision(topics).await
    }
    async fn publish(&self, topic: &str, records: &[OutgoingRecord]) -> Result<(), LogError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(LogError::Backend("broker unreachable".into()));
        }
        self.log.publish(topic, records).await
    }
    async fn subscribe(&self, group: &str, topics: &[&str]) -> Result<Box<dyn Consumer>, LogError> {
        self.log.subscribe(group, topics).await
    }
}

fn quick() -> RelayConfig {
    RelayConfig {
        poll_interval: Duration::from_millis(20),
        ..RelayConfig::default()
    }
}

/// The running relay rides out a broker outage: it retries, and publishes every record once
/// the broker is back.
pub async fn the_relay_survives_an_outage(db: &Db) {
    let store = db.store().await;
    let log = provisioned(db, &["posts"]).await;
    let down = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let relay = OutboxRelay::new(
        store.clone(),
        Arc::new(Outage {
            log: Arc::clone(&log),
            down: Arc::clone(&down),
        }),
        quick(),
    );
    let cancel = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn(relay.run(cancel.clone()));
    let agg = aggregate(TenantId::new());
    store
        .append(&agg, 0, &[event("x")], &[message("posts", "a", "p1")])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        store.outbox_pending().await.unwrap(),
        1,
        "the broker is down"
    );
    down.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut consumer = log.subscribe("reader", &["posts"]).await.unwrap();
    assert_eq!(
        drain(&mut *consumer, 1)
            .await
            .iter()
            .map(text)
            .collect::<Vec<_>>(),
        ["p1"]
    );
    cancel.cancel();
    task.await.unwrap().unwrap();
    assert_eq!(store.outbox_pending().await.unwrap(), 0);
}

/// A relay that stops leading lets go of its lock: another process's relay (PostgreSQL: the
/// same database, another pool) takes over at once, while the first process lives on.
pub async fn a_stopped_relay_lets_another_lead(db: &Db) {
    let (first, second) = (db.store().await, db.store().await);
    let log = provisioned(db, &["posts"]).await;
    let cancel = tokio_util::sync::CancellationToken::new();
    let relay = OutboxRelay::new(first.clone(), Arc::clone(&log), quick());
    let task = tokio::spawn(relay.run(cancel.clone()));
    let agg = aggregate(TenantId::new());
    first
        .append(&agg, 0, &[event("x")], &[message("posts", "a", "p1")])
        .await
        .unwrap();
    let mut consumer = log.subscribe("reader", &["posts"]).await.unwrap();
    assert_eq!(
        drain(&mut *consumer, 1).await.len(),
        1,
        "the first relay leads"
    );
    cancel.cancel();
    task.await.unwrap().unwrap();

    // The first process keeps its pool (and would keep a lock left on a pooled connection).
    let takeover = tokio_util::sync::CancellationToken::new();
    let relay = OutboxRelay::new(second.clone(), Arc::clone(&log), quick());
    let task = tokio::spawn(relay.run(takeover.clone()));
    second
        .append(&agg, 1, &[event("y")], &[message("posts", "a", "p2")])
        .await
        .unwrap();
    let got = drain(&mut *consumer, 1).await;
    assert_eq!(
        got.iter().map(text).collect::<Vec<_>>(),
        ["p2"],
        "the second relay leads"
    );
    takeover.cancel();
    task.await.unwrap().unwrap();
    first.ping().await.unwrap();
}
