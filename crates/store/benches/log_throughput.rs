//! Throughput of the store on both backends: the standalone event log (`SqlLog`) publishing
//! and consuming 400-byte records, and the event store's single-event appends.
//!
//! ```text
//! cargo bench -p tagar-store --bench log_throughput
//! ```
//!
//! - `TAGAR_BENCH_RECORDS`: log records per measurement (default 100,000).
//! - `TAGAR_BENCH_APPENDS`: appends per measurement (default 5,000).
//! - `TAGAR_BENCH_ROUNDS`: rounds of every measurement (default 3); the table shows the best
//!   and the worst, as other work on the machine only ever slows a round down.
//! - `TAGAR_TEST_DATABASE_URL`: the PostgreSQL server a fresh database is made on (default
//!   `postgres://postgres:postgres@127.0.0.1:5432/postgres`); PostgreSQL is skipped, with a
//!   message, when it does not answer. SQLite uses a file in a temporary directory.
//!
//! Progress goes to stderr, the table to stdout.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tagar_eventlog::{EventLog, Headers, OutgoingRecord, TopicSpec, bench};
use tagar_model::TenantId;
use tagar_store::{AggregateRef, DatabaseConfig, Dialect, NewEvent, OutboxMessage, SqlLog, Store};
use tagar_testkit::bench::{
    Progress, Table, drop_database, env_count, machine, reach_postgres, thousands,
};
use uuid::Uuid;

/// Bytes in each record's value and each event's payload.
const VALUE_BYTES: usize = 400;
/// Distinct keys the log records are spread over.
const KEYS: usize = 10_000;
/// Partitions of the benchmark topic.
const PARTITIONS: i32 = 6;
/// The most records one `poll` returns.
const POLL_MAX: usize = 1_000;
/// Aggregates the appends are spread over.
const AGGREGATES: usize = 1_000;
/// Concurrent writers in the append measurements.
const WRITERS: [usize; 2] = [1, 8];
/// Distinct record values the records cycle through.
const DISTINCT_VALUES: usize = 64;

fn main() {
    let records = env_count("TAGAR_BENCH_RECORDS", 100_000);
    let appends = env_count("TAGAR_BENCH_APPENDS", 5_000);
    let rounds = env_count("TAGAR_BENCH_ROUNDS", 3).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(Sizes {
        records,
        appends,
        rounds,
    }));
}

/// How much each measurement does, and how often.
#[derive(Clone, Copy)]
struct Sizes {
    records: usize,
    appends: usize,
    rounds: usize,
}

async fn run(sizes: Sizes) {
    println!("Tagar store throughput (SqlLog and event store)");
    println!("machine: {}", machine());
    println!(
        "log: {} records per measurement, {VALUE_BYTES}-byte values, {} keys, {PARTITIONS} partitions",
        thousands(sizes.records),
        thousands(KEYS)
    );
    println!(
        "appends: {} single-event appends per measurement over {} aggregates, each with one outbox record",
        thousands(sizes.appends),
        thousands(AGGREGATES)
    );
    println!("best and worst of {} rounds", sizes.rounds);
    let data = bench::records(sizes.records, KEYS, DISTINCT_VALUES, VALUE_BYTES);
    let mut table = Table::default();

    let sqlite = tagar_testkit::fresh_sqlite();
    bench_backend("SQLite", &sqlite.url(), &data, sizes, &mut table).await;

    match reach_postgres().await {
        Ok(url) => {
            bench_backend("PostgreSQL", &url, &data, sizes, &mut table).await;
            drop_database(&url).await;
        }
        Err(why) => {
            let admin = DatabaseConfig::new(tagar_testkit::postgres_admin_url()).redacted_url();
            println!(
                "PostgreSQL skipped: {admin} did not answer ({why}). Set TAGAR_TEST_DATABASE_URL \
                 or run deploy/local/ensure-postgres.sh."
            );
        }
    }
    table.print(
        "Consume times run from subscribe (the group join is a few queries) to the last record.",
    );
}

/// Every measurement on one backend, on a new database, `sizes.rounds` times.
async fn bench_backend(
    backend: &'static str,
    url: &str,
    data: &[OutgoingRecord],
    sizes: Sizes,
    table: &mut Table,
) {
    let store = Store::connect(&DatabaseConfig::new(url))
        .await
        .expect("connect");
    println!("{backend}: {}", describe(&store).await);
    let log = SqlLog::new(store.clone(), Default::default());
    for round in 1..=sizes.rounds {
        eprintln!("{backend}: round {round} of {}", sizes.rounds);
        log_round(backend, &log, data, round, table).await;
        for writers in WRITERS {
            let took = append(&store, sizes.appends, writers, backend).await;
            let plural = if writers == 1 { "" } else { "s" };
            let name = format!("Store::append, 1 event + 1 outbox, {writers} writer{plural}");
            table.push(backend, &name, "appends", sizes.appends, took);
        }
    }
    store.close().await;
}

/// One round of the log measurements, on topics of its own.
async fn log_round(
    backend: &'static str,
    log: &SqlLog,
    data: &[OutgoingRecord],
    round: usize,
    table: &mut Table,
) {
    let topics = [1_000, 10_000].map(|batch| format!("bench-log-{round}-{batch}"));
    let specs: Vec<TopicSpec> = topics
        .iter()
        .map(|t| TopicSpec::new(t, PARTITIONS))
        .collect();
    log.provision(&specs).await.expect("provision");
    for (topic, batch) in topics.iter().zip([1_000, 10_000]) {
        let took = publish(log, topic, data, batch, backend).await;
        let name = format!("SqlLog::publish, batches of {}", thousands(batch));
        table.push(backend, &name, "records", data.len(), took);
    }
    for commit in [false, true] {
        let took = consume(log, &topics[0], data.len(), commit, backend).await;
        let name = if commit {
            "SqlLog poll(1,000) + commit after each batch"
        } else {
            "SqlLog poll(1,000)"
        };
        table.push(backend, name, "records", data.len(), took);
    }
}

/// The server's version and the settings that decide commit cost.
async fn describe(store: &Store) -> String {
    let scalar = |sql: &'static str| async move {
        sqlx::query_scalar::<_, String>(sql)
            .fetch_one(store.pool())
            .await
            .unwrap_or_else(|e| format!("({e})"))
    };
    match store.dialect() {
        Dialect::Postgres => {
            let version = scalar("SELECT version()").await;
            let version = version.split(" on ").next().unwrap_or_default().to_owned();
            let sync = scalar("SHOW synchronous_commit").await;
            let fsync = scalar("SHOW fsync").await;
            format!("{version}, synchronous_commit={sync}, fsync={fsync}")
        }
        Dialect::Sqlite => {
            let version = scalar("SELECT sqlite_version()").await;
            format!("SQLite {version}, WAL, synchronous=NORMAL (file in a temporary directory)")
        }
    }
}

/// `SqlLog::publish` over `data`, `batch` records per call, one call at a time.
async fn publish(
    log: &SqlLog,
    topic: &str,
    data: &[OutgoingRecord],
    batch: usize,
    backend: &str,
) -> Duration {
    let label = format!("{backend}: publish, batches of {}", thousands(batch));
    let mut progress = Progress::new(label, data.len());
    let start = Instant::now();
    for batch in data.chunks(batch) {
        log.publish(topic, batch).await.expect("publish");
        progress.add(batch.len());
    }
    start.elapsed()
}

/// A fresh group reading `n` records, committing after each batch when `commit` (as
/// `ConsumerRunner` does). Timed from `subscribe`, so the (short) join is included.
async fn consume(log: &SqlLog, topic: &str, n: usize, commit: bool, backend: &str) -> Duration {
    let group = tagar_testkit::unique("bench");
    let label = format!("{backend}: consume, commit={commit}");
    let start = Instant::now();
    let mut consumer = log.subscribe(&group, &[topic]).await.expect("subscribe");
    bench::read_all(&mut *consumer, n, POLL_MAX, commit, label).await;
    let took = start.elapsed();
    consumer.close().await.expect("close");
    took
}

/// `total` single-event appends, each with its outbox record (what a command handler
/// writes), by `writers` concurrent tasks, each on its own share of the aggregates.
async fn append(store: &Store, total: usize, writers: usize, backend: &str) -> Duration {
    eprintln!(
        "{backend}: {} appends by {writers} concurrent writers",
        thousands(total)
    );
    let tenant = TenantId::new();
    let payload = Bytes::from(vec![0x5a; VALUE_BYTES]);
    let start = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            // The first writers take the remainder, so the counts add up to `total`.
            let count = total / writers + usize::from(w < total % writers);
            let writer = Writer {
                store: store.clone(),
                tenant,
                payload: payload.clone(),
                aggregates: (AGGREGATES / writers).max(1),
            };
            tokio::spawn(writer.run(count))
        })
        .collect();
    for task in tasks {
        task.await.expect("writer");
    }
    start.elapsed()
}

/// One writer appending to its own aggregates, round robin, so writers never conflict.
struct Writer {
    store: Store,
    tenant: TenantId,
    payload: Bytes,
    aggregates: usize,
}

impl Writer {
    async fn run(self, count: usize) {
        let ids: Vec<Uuid> = (0..self.aggregates).map(|_| Uuid::now_v7()).collect();
        let keys: Vec<Bytes> = ids.iter().map(|id| Bytes::from(id.to_string())).collect();
        let mut versions = vec![0u64; self.aggregates];
        for i in 0..count {
            let a = i % self.aggregates;
            let aggregate = AggregateRef {
                tenant: self.tenant,
                kind: "bench_post",
                id: ids[a],
            };
            let event = NewEvent {
                event_id: Uuid::now_v7(),
                event_type: "BenchPostEdited".to_owned(),
                payload: self.payload.clone(),
                occurred_at_us: tagar_store::now_us(),
            };
            let outbox = OutboxMessage {
                topic: "bench-events".to_owned(),
                key: keys[a].clone(),
                payload: self.payload.clone(),
                headers: Headers::new(),
            };
            versions[a] = self
                .store
                .append(&aggregate, versions[a], &[event], &[outbox])
                .await
                .expect("append");
        }
    }
}
