//! Ingest at trending-event scale, measured against the broker.
//!
//! `cargo bench -p tagar --bench ingest` runs, for each replica count, `tagar serve` processes
//! as a user runs them, on a fresh PostgreSQL database and a Tansu broker of their own, with
//! extra `tagar serve ingest` replicas, twice:
//! - **ingest alone** (with scheduling, which ingest learns brands from): it pushes generated
//!   posts (a trending burst in five languages, three brands listening) from several
//!   concurrent `PushPosts` streams spread over the replicas, then produces the very records
//!   ingest wrote (the `PostIngested` envelopes of the same posts) with raw rdkafka to the
//!   same broker, with the same producer settings. It prints posts/s beside records/s, and
//!   the time a batch spent in each stage of the ingest path (from the replicas' own
//!   `tagar_ingest_stage_seconds`);
//! - **the whole system**: the same push with moderation and analytics consuming as it goes,
//!   and how far behind they fell and when they had read everything.
//!
//! - `TAGAR_BENCH_POSTS`: posts per run (default 100,000).
//! - `TAGAR_BENCH_REPLICAS`: the ingest replica counts to run (default `1,2,4`).
//! - `TAGAR_BENCH_STREAMS`: concurrent push streams (default 8), spread over the replicas.
//! - `TAGAR_BENCH_MESSAGE`: posts per `PushPostsRequest` (default 1,000).
//! - `TAGAR_BENCH_STORAGE`: the broker's storage engine, `memory` (default) or `sqlite`.
//! - `TAGAR_BENCH_CONSUMERS=off`: do not wait for moderation and analytics to catch up.
//! - `TAGAR_BENCH_LINGER_MS`, `TAGAR_BENCH_COMPRESSION`: the producers' `kafka.linger_ms`
//!   and `kafka.compression` (ingest's and the raw one alike; defaults as configured).
//!
//! Progress goes to stderr, the tables to stdout.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::{Offset, TopicPartitionList};
use tagar_client::push::push_posts;
use tagar_eventlog::bench::raw::{produce_raw, raw_producer};
use tagar_eventlog::{OutgoingRecord, TopicSpec};
use tagar_kernel::testing::TestApp;
use tagar_model::TenantId;
use tagar_proto::{topics, v1};
use tagar_runtime::auth::{BrandScope, Role};
use tagar_testkit::bench::{env_count, machine, thousands};

/// Partitions of the topics, as in production (`kafka.partitions`).
const PARTITIONS: i32 = 12;
/// The consumer groups whose lag is watched.
const CONSUMERS: [&str; 2] = ["tagar-moderation", "tagar-analytics-posts"];
/// How long the consumers may take to catch up before the benchmark stops waiting.
const CATCH_UP: Duration = Duration::from_secs(600);

fn tagar() -> &'static str {
    env!("CARGO_BIN_EXE_tagar")
}

struct Setup {
    posts: usize,
    replicas: Vec<usize>,
    streams: usize,
    message: usize,
    storage: String,
    consumers: bool,
    linger_ms: Option<u32>,
    compression: Option<String>,
}

impl Setup {
    fn from_env() -> Self {
        let replicas = std::env::var("TAGAR_BENCH_REPLICAS")
            .unwrap_or_else(|_| "1,2,4".into())
            .split(',')
            .map(|n| {
                n.trim()
                    .parse::<usize>()
                    .expect("TAGAR_BENCH_REPLICAS: numbers")
            })
            .filter(|&n| n > 0)
            .collect();
        Self {
            posts: env_count("TAGAR_BENCH_POSTS", 100_000),
            replicas,
            streams: env_count("TAGAR_BENCH_STREAMS", 8).max(1),
            message: env_count("TAGAR_BENCH_MESSAGE", 1_000).max(1),
            storage: std::env::var("TAGAR_BENCH_STORAGE").unwrap_or_else(|_| "memory".into()),
            consumers: std::env::var("TAGAR_BENCH_CONSUMERS").as_deref() != Ok("off"),
            linger_ms: std::env::var("TAGAR_BENCH_LINGER_MS")
                .ok()
                .map(|v| v.parse().expect("TAGAR_BENCH_LINGER_MS: milliseconds")),
            compression: std::env::var("TAGAR_BENCH_COMPRESSION").ok(),
        }
    }
}

/// One run's figures: ingest alone, then the whole system.
struct Run {
    replicas: usize,
    took: Duration,
    raw: Duration,
    record_bytes: usize,
    stages: Vec<(String, f64, u64)>,
    whole: Option<Whole>,
}

/// The push with every service running.
struct Whole {
    took: Duration,
    lag: HashMap<&'static str, (i64, Option<Duration>)>,
}

fn main() {
    let setup = Setup::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        eprintln!("generating {} posts with tagar gen", thousands(setup.posts));
        let posts = Arc::new(generate(setup.posts));
        let mut runs = Vec::new();
        for &replicas in &setup.replicas {
            let mut run = alone(&setup, replicas, Arc::clone(&posts)).await;
            if setup.consumers {
                run.whole = Some(whole(&setup, replicas, Arc::clone(&posts)).await);
            }
            runs.push(run);
        }
        print(&setup, &runs);
    });
}

/// A trending burst in five languages from `tagar gen`, as `tagar push` would send it.
fn generate(n: usize) -> Vec<v1::Post> {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("posts.jsonl");
    let out = std::process::Command::new(tagar())
        .args(["gen", "--shape", "burst", "--seed", "8", "--posts"])
        .arg(n.to_string())
        .arg("--out")
        .arg(&file)
        .output()
        .expect("run tagar gen");
    assert!(
        out.status.success(),
        "tagar gen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&file)
        .expect("the replay")
        .lines()
        .map(|line| v1::Post::from(&tagar_client::jsonl::parse_line(line).expect("a post")))
        .collect()
}

/// `services`, plus `replicas - 1` more ingest replicas, on a broker and database of their own.
async fn system(setup: &Setup, services: &[&'static str], replicas: usize) -> TestApp {
    let brokers = tagar_testkit::dedicated_kafka_brokers_on(&setup.storage);
    let mut app = TestApp::binary_services(tagar(), services, |s| {
        s.kafka.brokers = brokers;
        s.kafka.partitions = PARTITIONS;
        if let Some(linger) = setup.linger_ms {
            s.kafka.linger_ms = linger;
        }
        if let Some(compression) = &setup.compression {
            s.kafka.compression.clone_from(compression);
        }
    })
    .await;
    for _ in 1..replicas {
        app.spawn_replica("ingest").await;
    }
    app
}

/// A tenant with three brands listening, every replica warmed up: its id, key and rules.
async fn agency(
    app: &TestApp,
    setup: &Setup,
    posts: &[v1::Post],
) -> (TenantId, String, Vec<tagar_ingest::domain::ListeningRule>) {
    let tenant = TenantId::new();
    let key = app.key(tenant, Role::Admin, BrandScope::All).await;
    let rules = listen(app, &key).await;
    // Every replica's connections, producer id and rule cache ready before the clock runs.
    for (n, i) in app.processes_of("ingest").into_iter().enumerate() {
        let warm: Vec<v1::Post> = posts[..100.min(posts.len())]
            .iter()
            .map(|p| v1::Post {
                native_id: format!("warm-{n}-{}", p.native_id),
                ..p.clone()
            })
            .collect();
        let mut client = app.connect(i, &key).await.ingest();
        push_posts(&mut client, warm.into_iter(), setup.message)
            .await
            .expect("warm-up push");
    }
    (tenant, key, rules)
}

/// Pushes every post from the setup's streams, spread over the ingest replicas.
async fn push_all(app: &TestApp, setup: &Setup, key: &str, posts: &Arc<Vec<v1::Post>>) -> Duration {
    let ingest = app.processes_of("ingest");
    let started = Instant::now();
    let mut streams = Vec::new();
    for s in 0..setup.streams {
        let mut client = app.connect(ingest[s % ingest.len()], key).await.ingest();
        let posts = Arc::clone(posts);
        let (streams_n, message) = (setup.streams, setup.message);
        streams.push(tokio::spawn(async move {
            let mine = (s..posts.len())
                .step_by(streams_n)
                .map(move |i| posts[i].clone());
            push_posts(&mut client, mine, message).await.expect("push")
        }));
    }
    let mut accepted = 0;
    for stream in streams {
        accepted += stream.await.expect("stream").accepted;
    }
    let took = started.elapsed();
    assert_eq!(accepted as usize, posts.len(), "every post accepted once");
    eprintln!(
        "ingest: {} posts in {:.2} s",
        thousands(posts.len()),
        took.as_secs_f64()
    );
    took
}

/// Ingest alone (with scheduling, for the brands): posts/s, the stages, and raw rdkafka
/// producing the same records to the same broker.
async fn alone(setup: &Setup, replicas: usize, posts: Arc<Vec<v1::Post>>) -> Run {
    eprintln!(
        "\n== ingest alone, {replicas} replica(s), {} streams",
        setup.streams
    );
    let app = system(setup, &["scheduling", "ingest"], replicas).await;
    let (tenant, key, rules) = agency(&app, setup, &posts).await;
    let ingest = app.processes_of("ingest");
    let before = stage_totals(&app, &ingest).await;
    let took = push_all(&app, setup, &key, &posts).await;
    let after = stage_totals(&app, &ingest).await;
    let stages = after
        .iter()
        .map(|(stage, (secs, batches))| {
            let (s0, b0) = before.get(stage).copied().unwrap_or_default();
            (stage.clone(), secs - s0, batches - b0)
        })
        .collect();

    let records = envelopes(tenant, &rules, &posts);
    let record_bytes = records.iter().map(|r| r.value.len()).sum::<usize>() / records.len();
    let topic = "bench.raw.posts";
    app.log()
        .provision(&[
            TopicSpec::new(topic, PARTITIONS),
            TopicSpec::new("bench.raw.warm-up", 1),
        ])
        .await
        .expect("raw topics");
    let producer = raw_producer(&app.settings().kafka, "bench.raw.warm-up").await;
    let raw = produce_raw(&producer, topic, &Arc::from(records)).await;
    app.stop().await;
    Run {
        replicas,
        took,
        raw,
        record_bytes,
        stages,
        whole: None,
    }
}

/// The whole system: the same push while moderation and analytics consume.
async fn whole(setup: &Setup, replicas: usize, posts: Arc<Vec<v1::Post>>) -> Whole {
    eprintln!("\n== the whole system, {replicas} ingest replica(s)");
    let app = system(
        setup,
        &["scheduling", "ingest", "moderation", "analytics"],
        replicas,
    )
    .await;
    let (_, key, _) = agency(&app, setup, &posts).await;
    let watch = watch_lag(app.settings().kafka.brokers.clone());
    let took = push_all(&app, setup, &key, &posts).await;
    let lag = watch.finish().await;
    app.stop().await;
    Whole { took, lag }
}

/// Three brands listening as the demo's do: hashtags, keywords, a handle, a competitor.
async fn listen(app: &TestApp, key: &str) -> Vec<tagar_ingest::domain::ListeningRule> {
    let session = app.connect_to("scheduling", key).await;
    let (mut scheduling, mut ingest) = (
        session.scheduling(),
        app.connect_to("ingest", key).await.ingest(),
    );
    let mut rules = Vec::new();
    for (name, zone, patterns) in [
        (
            "Kopi Nusantara",
            "Asia/Jakarta",
            &["#KopiSenja", "kopi susu", "@kopinusantara"][..],
        ),
        (
            "Batik Ayu",
            "Asia/Kolkata",
            &["#BatikAyu", "batik", "Teh Melati"][..],
        ),
        (
            "Teh Melati",
            "Asia/Tehran",
            &["#TehMelati", "چای", "@tehmelati"][..],
        ),
    ] {
        let brand = scheduling
            .create_brand(v1::CreateBrandRequest {
                name: name.into(),
                time_zone: zone.into(),
            })
            .await
            .expect("brand")
            .into_inner()
            .brand_id;
        for (i, pattern) in patterns.iter().enumerate() {
            let kind = match (i, name) {
                (2, "Batik Ayu") => v1::RuleKind::Competitor,
                _ if pattern.starts_with('#') => v1::RuleKind::Hashtag,
                _ if pattern.starts_with('@') => v1::RuleKind::Handle,
                _ => v1::RuleKind::Keyword,
            };
            let rule = ingest
                .add_listening_rule(v1::AddListeningRuleRequest {
                    brand_id: brand.clone(),
                    kind: kind as i32,
                    pattern: (*pattern).into(),
                })
                .await
                .expect("rule")
                .into_inner()
                .rule
                .expect("the rule");
            rules.push(tagar_ingest::wire::rule_from(&rule).expect("a rule"));
        }
    }
    rules
}

/// The `PostIngested` records ingest writes for `posts`.
fn envelopes(
    tenant: TenantId,
    rules: &[tagar_ingest::domain::ListeningRule],
    posts: &[v1::Post],
) -> Vec<OutgoingRecord> {
    let matcher = tagar_ingest::domain::Matcher::new(rules);
    let posts: Vec<tagar_model::Post> = posts
        .iter()
        .map(|p| tagar_model::Post::try_from(p.clone()).expect("a valid post"))
        .collect();
    let ids = tagar_ingest::ingestor::event_ids(tenant, &posts);
    tagar_ingest::ingestor::records(
        &matcher,
        tenant,
        &BrandScope::All,
        &posts,
        &ids,
        &[],
        tagar_ingest::Source::Push,
    )
    .0
}

/// `stage → (seconds, batches)` summed over the replicas' `tagar_ingest_stage_seconds`.
async fn stage_totals(app: &TestApp, replicas: &[usize]) -> HashMap<String, (f64, u64)> {
    let mut totals: HashMap<String, (f64, u64)> = HashMap::new();
    for &i in replicas {
        for line in app.metrics(i).await.lines() {
            let Some(rest) = line.strip_prefix("tagar_ingest_stage_seconds_") else {
                continue;
            };
            let (what, value) = rest.rsplit_once(' ').expect("a sample");
            let Some((kind, labels)) = what.split_once('{') else {
                continue;
            };
            let stage = labels
                .split("stage=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_default()
                .to_owned();
            let entry = totals.entry(stage).or_default();
            match kind {
                "sum" => entry.0 += value.parse::<f64>().expect("seconds"),
                "count" => entry.1 += value.parse::<u64>().expect("batches"),
                _ => {}
            }
        }
    }
    totals
}

/// Samples the consumers' lag on the posts topic every half second.
struct LagWatch {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<HashMap<&'static str, (i64, Option<Duration>)>>,
}

fn watch_lag(brokers: String) -> LagWatch {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::task::spawn_blocking(move || {
        let consumers: Vec<(&'static str, BaseConsumer)> = CONSUMERS
            .iter()
            .map(|&group| {
                let consumer: BaseConsumer = rdkafka::ClientConfig::new()
                    .set("bootstrap.servers", &brokers)
                    .set("group.id", group)
                    .set("enable.auto.commit", "false")
                    .create()
                    .expect("a lag reader");
                (group, consumer)
            })
            .collect();
        let mut worst: HashMap<&'static str, (i64, Option<Duration>)> = HashMap::new();
        let started = Instant::now();
        let mut caught_up_at: HashMap<&'static str, Duration> = HashMap::new();
        let mut push_done = false;
        loop {
            if *stopped.borrow_and_update() {
                push_done = true;
            }
            let mut all_caught_up = true;
            for (group, consumer) in &consumers {
                let lag = lag_of(consumer).unwrap_or(i64::MAX);
                let entry = worst.entry(group).or_insert((0, None));
                if lag != i64::MAX {
                    entry.0 = entry.0.max(lag);
                }
                if push_done && lag == 0 {
                    caught_up_at
                        .entry(group)
                        .or_insert_with(|| started.elapsed());
                } else if push_done {
                    all_caught_up = false;
                }
            }
            if push_done && (all_caught_up || started.elapsed() > CATCH_UP) {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        for (group, at) in caught_up_at {
            if let Some(entry) = worst.get_mut(group) {
                entry.1 = Some(at);
            }
        }
        worst
    });
    LagWatch { stop, task }
}

impl LagWatch {
    /// Stops sampling once every consumer has caught up (or [`CATCH_UP`] passed): each
    /// group's largest lag and when, from the push's start, it had read everything.
    async fn finish(self) -> HashMap<&'static str, (i64, Option<Duration>)> {
        eprintln!("waiting for moderation and analytics to catch up");
        let _ = self.stop.send(true);
        self.task.await.expect("lag watch")
    }
}

/// Records on the posts topic the group has not committed.
fn lag_of(consumer: &BaseConsumer) -> Option<i64> {
    let timeout = Duration::from_secs(5);
    let mut list = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        list.add_partition(topics::POSTS_INGESTED, p);
    }
    let committed = consumer.committed_offsets(list, timeout).ok()?;
    let mut lag = 0;
    for e in committed.elements() {
        let (low, high) = consumer
            .fetch_watermarks(topics::POSTS_INGESTED, e.partition(), timeout)
            .ok()?;
        let at = match e.offset() {
            Offset::Offset(at) => at,
            _ => low,
        };
        lag += (high - at).max(0);
    }
    Some(lag)
}

fn print(setup: &Setup, runs: &[Run]) {
    println!(
        "\nIngest, distributed: {} posts from {} streams in messages of {}, Tansu ({}) and PostgreSQL on {}",
        thousands(setup.posts),
        setup.streams,
        thousands(setup.message),
        setup.storage,
        machine()
    );
    if setup.linger_ms.is_some() || setup.compression.is_some() {
        println!(
            "Producers: linger.ms {}, compression {}",
            setup
                .linger_ms
                .map_or("as configured".into(), |l| l.to_string()),
            setup.compression.as_deref().unwrap_or("as configured")
        );
    }
    println!(
        "\nIngest alone (with scheduling):\n\n| ingest replicas | ingest posts/s | raw rdkafka records/s (same records, same broker) | ratio | record bytes |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for r in runs {
        let ingest = setup.posts as f64 / r.took.as_secs_f64();
        let raw = setup.posts as f64 / r.raw.as_secs_f64();
        println!(
            "| {} | {} | {} | {:.2} | {} |",
            r.replicas,
            thousands(ingest as usize),
            thousands(raw as usize),
            ingest / raw,
            r.record_bytes
        );
    }
    println!("\nTime per stage, summed over the replicas' batches (µs per post):");
    println!(
        "\n| ingest replicas | batches | {} |",
        stage_names(runs).join(" | ")
    );
    println!("|---:|---:|{}", "---:|".repeat(stage_names(runs).len()));
    for r in runs {
        let batches = r.stages.iter().map(|(_, _, b)| *b).max().unwrap_or(0);
        let cells: Vec<String> = stage_names(runs)
            .iter()
            .map(|name| {
                r.stages
                    .iter()
                    .find(|(s, _, _)| s == name)
                    .map(|(_, secs, _)| format!("{:.1}", secs * 1e6 / setup.posts as f64))
                    .unwrap_or_else(|| "-".into())
            })
            .collect();
        println!("| {} | {} | {} |", r.replicas, batches, cells.join(" | "));
    }
    if setup.consumers {
        println!(
            "\nThe whole system: the same push while moderation and analytics consume (their largest lag, when they had read every post from the push's start, and so the least rate they read at):"
        );
        println!(
            "\n| ingest replicas | push posts/s | {} |",
            CONSUMERS.join(" | ")
        );
        println!("|---:|---:|{}", "---|".repeat(CONSUMERS.len()));
        for r in runs {
            let Some(whole) = &r.whole else { continue };
            let cells: Vec<String> = CONSUMERS
                .iter()
                .map(|g| match whole.lag.get(g) {
                    Some((lag, Some(at))) => format!(
                        "lag ≤ {}, caught up at {:.1} s (≥ {} posts/s)",
                        thousands(*lag as usize),
                        at.as_secs_f64(),
                        thousands((setup.posts as f64 / at.as_secs_f64()) as usize)
                    ),
                    Some((lag, None)) => format!(
                        "lag ≤ {}, behind after {} s",
                        thousands(*lag as usize),
                        CATCH_UP.as_secs()
                    ),
                    None => "-".into(),
                })
                .collect();
            println!(
                "| {} | {} | {} |",
                r.replicas,
                thousands((setup.posts as f64 / whole.took.as_secs_f64()) as usize),
                cells.join(" | ")
            );
        }
    }
}

fn stage_names(runs: &[Run]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for stage in tagar_ingest::metrics::Stage::ALL {
        if runs
            .iter()
            .any(|r| r.stages.iter().any(|(s, _, _)| s == stage.as_str()))
        {
            names.push(stage.as_str().to_owned());
        }
    }
    names
}
