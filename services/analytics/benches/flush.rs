//! Throughput of analytics' write path: `store::flush`, the one transaction a consumer batch
//! becomes (mark every event processed, sum the new ones, upsert the per-minute read models),
//! on SQLite and on PostgreSQL.
//!
//! ```text
//! cargo bench -p tagar-analytics --bench flush
//! ```
//!
//! The events are ingested posts as a trending hour makes them: 3 tenants with 3 brands each,
//! posts spread over 60 minutes, each matching one brand (one in five matching two) and
//! carrying 0–3 hashtags drawn from 500 with a heavy head (a few tags are most of the volume),
//! so the upserts hit the same hot rows again and again, as they do when a hashtag trends.
//!
//! - `TAGAR_BENCH_EVENTS`: events per measurement (default 100,000).
//! - `TAGAR_BENCH_ROUNDS`: rounds of every measurement (default 3); the table shows the best
//!   and the worst.
//! - `TAGAR_TEST_DATABASE_URL`: the PostgreSQL server a fresh database is made on; PostgreSQL
//!   is skipped, with a message, when it does not answer.
//!
//! Progress goes to stderr, the table to stdout.

use std::time::{Duration, Instant};

use tagar_analytics::domain::fold::{BrandMinute, Counts, Fold, HashtagMinute, Scope};
use tagar_analytics::store;
use tagar_model::{BrandId, TenantId};
use tagar_store::{DatabaseConfig, Store};
use tagar_testkit::bench::{Table, drop_database, env_count, machine, reach_postgres, thousands};
use uuid::Uuid;

/// Tenants, and brands per tenant.
const TENANTS: usize = 3;
const BRANDS: usize = 3;
/// Distinct hashtags, and how many minutes the posts spread over.
const HASHTAGS: usize = 500;
const MINUTES: i64 = 60;
/// The batch sizes measured: the posts consumer's batch (2,000) and the others' (500).
const BATCHES: [usize; 2] = [2_000, 500];

fn main() {
    let events = env_count("TAGAR_BENCH_EVENTS", 100_000);
    let rounds = env_count("TAGAR_BENCH_ROUNDS", 3).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(events, rounds));
}

async fn run(events: usize, rounds: usize) {
    println!("Tagar analytics flush throughput (store::flush, one transaction per batch)");
    println!("machine: {}", machine());
    let data = dataset(events);
    let rows: usize = data
        .iter()
        .map(|(_, f)| f.brands.len() + f.hashtags.len())
        .sum();
    println!(
        "{} ingested-post events: {TENANTS} tenants × {BRANDS} brands, {HASHTAGS} hashtags, \
         {MINUTES} minutes; {:.1} read-model increments per event",
        thousands(events),
        rows as f64 / events as f64
    );
    println!();

    let mut table = Table::default();
    let sqlite = tagar_testkit::fresh_sqlite();
    bench_backend("SQLite", &sqlite.url(), &data, rounds, &mut table).await;
    match reach_postgres().await {
        Ok(url) => {
            bench_backend("PostgreSQL", &url, &data, rounds, &mut table).await;
            drop_database(&url).await;
        }
        Err(why) => println!(
            "PostgreSQL skipped: the server did not answer ({why}). Set TAGAR_TEST_DATABASE_URL \
             or run deploy/local/ensure-postgres.sh."
        ),
    }
    table.print(
        "Each round flushes every event as new for consumer groups of its own, then again as \
         redelivered (every event already marked: the batch only marks and commits).",
    );
}

async fn bench_backend(
    backend: &'static str,
    url: &str,
    data: &[(Uuid, Fold)],
    rounds: usize,
    table: &mut Table,
) {
    let store = Store::connect(&DatabaseConfig::new(url))
        .await
        .expect("connect");
    store
        .apply(&tagar_analytics::MIGRATIONS)
        .await
        .expect("analytics migrations");
    for round in 1..=rounds {
        for batch in BATCHES {
            // A group of its own per measurement, so every event is new to it.
            let group = format!("bench-{round}-{batch}");
            let label = format!("{backend}, round {round}/{rounds}, batches of {batch}");
            for redelivered in [false, true] {
                let took = flush_all(&store, &group, data, batch, redelivered, &label).await;
                let what = if redelivered { "redelivered" } else { "new" };
                let name = format!(
                    "store::flush, {what} events, batches of {}",
                    thousands(batch)
                );
                table.push(backend, &name, "events", data.len(), took);
            }
        }
    }
    store.close().await;
}

/// Flushes `data` in batches of `batch` for `group`, and checks that every event counted as
/// new (or, `redelivered`, none did), so the figures are of the work they claim to be.
async fn flush_all(
    store: &Store,
    group: &str,
    data: &[(Uuid, Fold)],
    batch: usize,
    redelivered: bool,
    label: &str,
) -> Duration {
    let start = Instant::now();
    let mut new = 0;
    let mut last = Instant::now();
    for (i, chunk) in data.chunks(batch).enumerate() {
        new += store::flush(store, group, chunk).await.expect("flush");
        if last.elapsed() > Duration::from_secs(2) {
            eprintln!(
                "{label}: {} of {} events",
                thousands((i + 1) * batch),
                thousands(data.len())
            );
            last = Instant::now();
        }
    }
    let expected = if redelivered { 0 } else { data.len() };
    assert_eq!(new, expected, "{label}: events counted as new");
    start.elapsed()
}

/// `n` ingested-post folds, as `fold` makes them, from a fixed pseudo-random sequence.
fn dataset(n: usize) -> Vec<(Uuid, Fold)> {
    let tenants: Vec<(TenantId, Vec<BrandId>)> = (0..TENANTS)
        .map(|_| {
            let brands = (0..BRANDS)
                .map(|_| BrandId::from_uuid(Uuid::now_v7()))
                .collect();
            (TenantId::from_uuid(Uuid::now_v7()), brands)
        })
        .collect();
    let tags: Vec<String> = (0..HASHTAGS).map(|i| format!("tag{i}")).collect();
    let hour_us = (chrono::Utc::now().timestamp_micros() / 3_600_000_000) * 3_600_000_000;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|_| {
            let (tenant, brands) = &tenants[rng.below(TENANTS)];
            let minute_us = hour_us + rng.below(MINUTES as usize) as i64 * 60_000_000;
            let mut matched = vec![brands[rng.below(BRANDS)]];
            if rng.below(5) == 0 {
                let other = brands[rng.below(BRANDS)];
                if other != matched[0] {
                    matched.push(other);
                }
            }
            let counts = Counts {
                mentions: 1,
                likes: rng.below(50) as i64,
                reposts: rng.below(5) as i64,
                replies: rng.below(3) as i64,
                ..Counts::default()
            };
            let mut fold = Fold::default();
            for brand in &matched {
                let key = BrandMinute {
                    tenant: *tenant,
                    brand: *brand,
                    minute_us,
                };
                fold.brands.push((key, counts));
            }
            let mut post_tags: Vec<&String> = (0..rng.below(4))
                .map(|_| &tags[rng.heavy_head(HASHTAGS)])
                .collect();
            post_tags.sort_unstable();
            post_tags.dedup();
            let scopes = matched
                .iter()
                .map(|b| Scope::Brand(*b))
                .chain([Scope::Tenant]);
            for scope in scopes {
                for tag in &post_tags {
                    fold.hashtags.push(HashtagMinute {
                        tenant: *tenant,
                        scope,
                        hashtag: (*tag).clone(),
                        minute_us,
                    });
                }
            }
            (Uuid::now_v7(), fold)
        })
        .collect()
}

/// A small, fixed pseudo-random sequence (the same data on every run).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// In `0..n`, the low indices far likelier (the square of a uniform draw).
    fn heavy_head(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u) * n as f64) as usize
    }
}
