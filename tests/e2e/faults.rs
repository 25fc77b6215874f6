//! Real faults under a running system, while posts are replayed into it: PostgreSQL
//! restarted, the broker restarted, and every service killed with SIGKILL at random moments,
//! many times. A client retries what failed, as a real one would. Afterwards the counts are
//! exact: every post counted once, every abusive post in the review queue once, every
//! scheduled post published once.
//!
//! Slow, and they restart servers: not run by `cargo test` (they are `#[ignore]`d) nor by
//! CI. Run them with `deploy/local/fault-tests.sh` (which passes `--ignored`), one at a time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};
use tagar_client::{AnalyticsClient, IngestClient, ModerationClient};
use tagar_kernel::Mode;
use tagar_kernel::testing::{Launch, TestApp, eventually};
use tagar_model::TenantId;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tagar_testkit::faults::{PrivatePostgres, RestartableBroker};

use crate::client::Clients;

/// Posts are replayed in batches of `BATCH`, one every `PACE`, from before the first fault
/// until after the last (and at least `MIN_POSTS`); one in `ABUSIVE_EVERY` is abusive.
/// (The review queue lists up to 500 cases a state, which bounds the abusive share.)
const BATCH: usize = 50;
const PACE: Duration = Duration::from_millis(200);
const MIN_POSTS: usize = 2_000;
const ABUSIVE_EVERY: usize = 25;
/// Posts scheduled during the replay.
const SCHEDULED: usize = 3;
const WAIT: Duration = Duration::from_secs(300);

fn post(i: usize) -> v1::Post {
    let text = if i.is_multiple_of(ABUSIVE_EVERY) {
        format!("kopi kalian kayak air got, dasar bodoh anjing #TehTarik {i}")
    } else {
        format!("sore ini ngopi dulu #TehTarik {i}")
    };
    tagar_kernel::testing::x_post(&format!("fault-{i}"), &format!("user{}", i % 300), &text)
}

/// A call retried until it goes through, as a client riding out an outage would.
async fn retry<T, F, Fut>(what: &str, mut call: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, tonic::Status>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match call().await {
            Ok(done) => return done,
            Err(status) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "{what}: still failing after {WAIT:?}: {status:?}"
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

/// Drafts, approves and schedules a post `seconds` ahead.
async fn schedule(c: &mut Clients, (brand, account): (&str, &str), seconds: i64) {
    let draft = retry("draft", || {
        let mut scheduling = c.scheduling.clone();
        let request = v1::CreateDraftRequest {
            brand_id: brand.to_owned(),
            account_id: account.to_owned(),
            text: format!("Selamat sore dari Teh Tarik, {seconds}"),
            media: vec![],
        };
        async move { scheduling.create_draft(request).await }
    })
    .await
    .into_inner();
    retry("approve", || {
        let mut scheduling = c.scheduling.clone();
        let request = v1::ApprovePostRequest {
            brand_id: brand.to_owned(),
            post_id: draft.post_id.clone(),
            expected_version: 0,
        };
        async move {
            match scheduling.approve_post(request).await {
                // A retry after a call that did go through.
                Err(s) if s.code() == tonic::Code::FailedPrecondition => Ok(()),
                other => other.map(|_| ()),
            }
        }
    })
    .await;
    let at = (Utc::now() + chrono::Duration::seconds(seconds))
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    retry("schedule", || {
        let mut scheduling = c.scheduling.clone();
        let request = v1::SchedulePostRequest {
            brand_id: brand.to_owned(),
            post_id: draft.post_id.clone(),
            local_time: at.clone(),
            expected_version: 0,
        };
        async move { scheduling.schedule_post(request).await.map(|_| ()) }
    })
    .await;
}

/// The replay running under the faults.
struct Replay {
    pushed: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<usize>,
}

impl Replay {
    /// Starts pushing, each batch retried until it goes through.
    fn start(ingest: IngestClient) -> Self {
        let pushed = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, done) = (Arc::clone(&pushed), Arc::clone(&stop));
        let task = tokio::spawn(async move {
            let mut next = 0;
            while next < MIN_POSTS || !done.load(Ordering::Relaxed) {
                let batch: Vec<v1::Post> = (next..next + BATCH).map(post).collect();
                retry("push", || {
                    let messages = vec![v1::PushPostsRequest {
                        posts: batch.clone(),
                    }];
                    let mut ingest = ingest.clone();
                    async move { ingest.push_posts(tokio_stream::iter(messages)).await }
                })
                .await;
                next += BATCH;
                count.store(next, Ordering::Relaxed);
                tokio::time::sleep(PACE).await;
            }
            next
        });
        Self { pushed, stop, task }
    }

    /// Says a fault is about to strike, and how far the replay is.
    fn fault(&self, what: &str) {
        let pushed = self.pushed.load(Ordering::Relaxed);
        eprintln!("fault: {what}, {pushed} posts pushed");
    }

    /// Lets the replay run a few batches more after the last fault, then stops it: how many
    /// posts it pushed.
    async fn finish(self) -> usize {
        tokio::time::sleep(Duration::from_secs(2)).await;
        self.stop.store(true, Ordering::Relaxed);
        let posts = self.task.await.expect("the replay");
        eprintln!("replay: {posts} posts pushed");
        posts
    }
}

/// Waits for exact counts, then checks they hold: nothing lost, nothing doubled.
async fn counts_are_exact(c: &mut Clients, brand: &str, posts: usize) {
    let totals = |mut analytics: AnalyticsClient, brand: String| async move {
        let now = Utc::now();
        analytics
            .get_brand_activity(v1::GetBrandActivityRequest {
                brand_id: brand,
                from: Some(tagar_proto::convert::time_to_wire(
                    now - chrono::Duration::hours(2),
                )),
                to: Some(tagar_proto::convert::time_to_wire(
                    now + chrono::Duration::hours(2),
                )),
            })
            .await
            .ok()?
            .into_inner()
            .total
    };
    let cases = |mut moderation: ModerationClient, brand: String| async move {
        let mut all = 0;
        for state in [v1::CaseState::Unspecified, v1::CaseState::Decided] {
            all += moderation
                .list_review_cases(v1::ListReviewCasesRequest {
                    brand_id: brand.clone(),
                    state: state as i32,
                    limit: 500,
                })
                .await
                .ok()?
                .into_inner()
                .cases
                .len();
        }
        Some(all)
    };
    let abusive = posts.div_ceil(ABUSIVE_EVERY);
    eventually(
        WAIT,
        "every post counted, every case opened, every post published",
        || {
            let (analytics, moderation, brand) =
                (c.analytics.clone(), c.moderation.clone(), brand.to_owned());
            async move {
                let t = totals(analytics, brand.clone()).await?;
                let n = cases(moderation, brand).await?;
                (t.mentions as usize >= posts && n >= abusive && t.published as usize >= SCHEDULED)
                    .then_some(())
            }
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let t = totals(c.analytics.clone(), brand.to_owned())
        .await
        .expect("totals");
    assert_eq!(t.mentions as usize, posts, "every post counted once");
    assert_eq!(
        t.published as usize, SCHEDULED,
        "every scheduled post published once"
    );
    let n = cases(c.moderation.clone(), brand.to_owned())
        .await
        .expect("cases");
    assert_eq!(n, abusive, "every abusive post in the queue once");
}

/// Says what the services noticed: consumers that found their group stuck (partitions no
/// member read) and joined it again.
fn report(app: &TestApp) {
    for service in [
        "standalone",
        "ingest",
        "moderation",
        "scheduling",
        "analytics",
    ] {
        let rejoins = app
            .child_log(service)
            .matches("partitions have records no member of the group reads")
            .count();
        if rejoins > 0 {
            eprintln!("{service}: joined a stuck consumer group again {rejoins} times");
        }
    }
}

/// An agency on the system: its key, clients, and a brand listening for `#TehTarik` with an
/// X account, set up before the faults begin.
struct Agency {
    key: String,
    c: Clients,
    brand: String,
    account: String,
}

async fn agency(app: &TestApp) -> Agency {
    let key = app.key(TenantId::new(), Role::Admin, BrandScope::All).await;
    let mut c = Clients::connect(app, &key).await;
    let brand = c
        .brand_listening("Teh Tarik", "Asia/Jakarta", "TehTarik")
        .await;
    let account = c.x_account(&brand, "tehtarik").await;
    Agency {
        key,
        c,
        brand,
        account,
    }
}

/// Schedules a post due `seconds` from now for each of `seconds`.
async fn schedule_all(a: &mut Agency, seconds: [i64; SCHEDULED]) {
    for s in seconds {
        schedule(&mut a.c, (&a.brand, &a.account), s).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "restarts servers; run with deploy/local/fault-tests.sh"]
async fn postgres_restarted_mid_replay() {
    let pg = PrivatePostgres::start();
    let url = pg.url();
    let app = TestApp::launch_with(
        Mode::Distributed,
        Launch::Binary(crate::TAGAR.into()),
        |s| {
            s.database = tagar_store::DatabaseConfig::new(url);
        },
    )
    .await;
    let mut a = agency(&app).await;
    let replay = Replay::start(a.c.ingest.clone());
    // Due while the faults strike.
    schedule_all(&mut a, [6, 9, 12]).await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(3)).await;
        replay.fault("PostgreSQL restarted");
        tokio::task::block_in_place(|| pg.restart());
    }
    let posts = replay.finish().await;
    counts_are_exact(&mut a.c, &a.brand, posts).await;
    report(&app);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "restarts servers; run with deploy/local/fault-tests.sh"]
async fn broker_restarted_mid_replay() {
    let mut broker = RestartableBroker::start();
    let brokers = broker.brokers();
    let app = TestApp::launch_with(
        Mode::Distributed,
        Launch::Binary(crate::TAGAR.into()),
        |s| {
            s.kafka.brokers = brokers;
        },
    )
    .await;
    let mut a = agency(&app).await;
    let replay = Replay::start(a.c.ingest.clone());
    schedule_all(&mut a, [6, 10, 14]).await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(4)).await;
        replay.fault("broker restarted");
        tokio::task::block_in_place(|| broker.restart());
    }
    let posts = replay.finish().await;
    counts_are_exact(&mut a.c, &a.brand, posts).await;
    report(&app);
    app.stop().await;
}

/// Kills `kills` processes (random ones, at random moments) while the replay runs.
async fn killed_at_random(mode: Mode, kills: usize, seed: u64) {
    let mut app = TestApp::binary(mode, crate::TAGAR).await;
    let mut a = agency(&app).await;
    let replay = Replay::start(a.c.ingest.clone());
    schedule_all(&mut a, [10, 20, 30]).await;
    let services: &[&str] = match mode {
        Mode::Standalone => &["standalone"],
        Mode::Distributed => &["ingest", "moderation", "scheduling", "analytics"],
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for _ in 0..kills {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(200..3_000))).await;
        let victim = services.choose(&mut rng).expect("a service");
        replay.fault(&format!("{victim} killed"));
        app.kill_and_restart(victim).await;
    }
    let posts = replay.finish().await;
    let mut c = Clients::connect(&app, &a.key).await;
    counts_are_exact(&mut c, &a.brand, posts).await;
    report(&app);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "kills services many times; run with deploy/local/fault-tests.sh"]
async fn distributed_services_killed_at_random_mid_replay() {
    killed_at_random(Mode::Distributed, 12, 7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "kills the process many times; run with deploy/local/fault-tests.sh"]
async fn standalone_killed_at_random_mid_replay() {
    killed_at_random(Mode::Standalone, 8, 11).await;
}
