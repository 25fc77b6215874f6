//! A long standalone run with retention on: the database stays bounded.
//!
//! `cargo bench -p tagar --bench retention` runs the four services in one process on SQLite
//! (as `tagar standalone` does) with retention shortened to a minute (processed ids, the
//! log, the outbox) and a prune every five seconds, and pushes posts in rounds
//! of `TAGAR_BENCH_POSTS` (default 5,000) for `TAGAR_BENCH_ROUNDS` rounds (default 36, about
//! three minutes). After each round it prints the database's size on disk (the file and its
//! write-ahead log) and the rows retention prunes. With `TAGAR_BENCH_RETENTION=off` the same
//! run keeps everything, for comparison.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use tagar_client::push::push_posts;
use tagar_kernel::Mode;
use tagar_kernel::testing::TestApp;
use tagar_model::TenantId;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tagar_testkit::bench::{env_count, machine, thousands};

fn post(round: usize, i: usize) -> v1::Post {
    v1::Post {
        network: v1::Network::X as i32,
        native_id: format!("r{round}-{i}"),
        author: Some(v1::Author {
            id: format!("u{}", i % 500),
            handle: format!("user{}", i % 500),
            display_name: "User".into(),
            ..Default::default()
        }),
        text: format!("Ngopi sore ini #KopiSenja, yang ke-{i} hari ini"),
        created_at: Some(tagar_proto::convert::time_to_wire(Utc::now())),
        ..Default::default()
    }
}

fn size_mib(dir: &std::path::Path) -> f64 {
    ["tagar.db", "tagar.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len() as f64)
        .sum::<f64>()
        / 1_048_576.0
}

async fn rows(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"))
        .fetch_one(app.store().pool())
        .await
        .unwrap_or(-1)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let posts = env_count("TAGAR_BENCH_POSTS", 5_000);
    let rounds = env_count("TAGAR_BENCH_ROUNDS", 36);
    let retention = std::env::var("TAGAR_BENCH_RETENTION").as_deref() != Ok("off");
    let app = TestApp::start_with(Mode::Standalone, support::all_services(), |s| {
        s.limits.requests_per_second = 1_000_000.0;
        if retention {
            let minute = 1.0 / 60.0;
            s.retention.interval_seconds = 5;
            s.retention.processed_events_hours = minute;
            s.retention.outbox_hours = minute;
            s.retention.log_hours = minute;
        }
    })
    .await;
    let session = app
        .session(TenantId::new(), Role::Admin, BrandScope::All)
        .await;
    tagar_kernel::testing::brand_listening(
        &mut session.scheduling(),
        &mut session.ingest(),
        ("Kopi Nusantara", "Asia/Jakarta"),
        "KopiSenja",
    )
    .await;

    println!(
        "Retention {} on {}: {rounds} rounds of {} posts",
        if retention { "on (1 minute)" } else { "off" },
        machine(),
        thousands(posts)
    );
    println!("| round | elapsed s | posts pushed | database MiB | log records | processed ids |");
    println!("|---:|---:|---:|---:|---:|---:|");
    let started = Instant::now();
    let mut ingest = session.ingest();
    for round in 0..rounds {
        let batch: Vec<v1::Post> = (0..posts).map(|i| post(round, i)).collect();
        push_posts(&mut ingest, batch.into_iter(), 1_000)
            .await
            .expect("push");
        tokio::time::sleep(Duration::from_secs(4)).await;
        println!(
            "| {} | {:.0} | {} | {:.1} | {} | {} |",
            round + 1,
            started.elapsed().as_secs_f64(),
            thousands((round + 1) * posts),
            size_mib(app.dir()),
            thousands(rows(&app, "log_records").await.max(0) as usize),
            thousands(rows(&app, "processed_events").await.max(0) as usize),
        );
    }
    app.stop().await;
}
