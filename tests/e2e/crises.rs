//! A crisis end to end: a planted surge of negative posts (in four languages) comes in
//! through ingest and moderation, analytics detects it against the brand's own baseline and
//! streams it, scheduling pauses the brand's queue at once, a post that comes due is held,
//! the brand's statement goes out once on the fast path, and the resume lets the held post
//! out; the crisis's timeline records each step.

use std::time::Duration;

use tagar_kernel::testing::TestApp;
use tagar_proto::v1;
use tonic::Code;

use crate::client::{Clients, eventually};

/// Negative posts about a recall, as people write them in Tagar's languages.
const SURGE: [&str; 6] = [
    "the recall is a disgrace, this is not good at all #KopiKita",
    "worst coffee ever, the recall is terrible and nobody answers #KopiKita",
    "produknya tidak bagus, recall ini buruk sekali #KopiKita",
    "ce n'est pas bon, le recall est une honte #KopiKita",
    "yeh accha nahi hai, recall bahut bura hai #KopiKita",
    "I hate this recall, terrible service #KopiKita",
];

/// Every inbox item of the caller's brands, as the desk lists them.
async fn desk(c: &Clients) -> Option<Vec<v1::InboxItem>> {
    let mut moderation = c.moderation.clone();
    let items = moderation
        .list_inbox(v1::ListInboxRequest::default())
        .await
        .ok()?
        .into_inner()
        .items;
    Some(items)
}

async fn brand_row(c: &Clients, brand: &str) -> v1::Brand {
    let mut scheduling = c.scheduling.clone();
    scheduling
        .list_brands(v1::ListBrandsRequest {})
        .await
        .expect("list brands")
        .into_inner()
        .brands
        .into_iter()
        .find(|b| b.brand_id == brand)
        .expect("the brand is listed")
}

pub async fn a_negative_surge_pauses_the_queue_until_a_person_resumes_it(app: &TestApp, key: &str) {
    let mut c = Clients::connect(app, key).await;
    let brand = c
        .brand_listening("Kopi Kita", "Asia/Jakarta", "KopiKita")
        .await;
    let account = c.x_account(&brand, "kopikita").await;
    let mut watch = c
        .analytics
        .clone()
        .watch_crises(v1::WatchCrisesRequest {
            brand_id: brand.clone(),
        })
        .await
        .expect("watch crises")
        .into_inner();

    // Another brand's question, in before the storm (so due before its posts).
    let other = c
        .brand_listening("Teh Melati", "Asia/Tehran", "TehMelati")
        .await;
    let question = tagar_kernel::testing::x_post("teh-q", "rina", "kapan #TehMelati buka?");
    c.push(vec![question])
        .await
        .expect("push the other brand's question");

    // Normal traffic first: a few posts, one of them negative, raise nothing.
    let calm: Vec<_> = (0..12)
        .map(|i| {
            let text = match i {
                0 => "the coffee was not good today #KopiKita".to_owned(),
                _ => format!("pagi! kopi susu nomor {i} #KopiKita"),
            };
            tagar_kernel::testing::x_post(&format!("calm-{i}"), &format!("fan{i}"), &text)
        })
        .collect();
    c.push(calm).await.expect("push the calm posts");
    let surge: Vec<_> = (0..36)
        .map(|i| {
            let text = SURGE[i % SURGE.len()];
            tagar_kernel::testing::x_post(&format!("surge-{i}"), &format!("angry{i}"), text)
        })
        .collect();
    let pushed = std::time::Instant::now();
    c.push(surge).await.expect("push the surge");

    let streamed = tokio::time::timeout(Duration::from_secs(60), watch.message())
        .await
        .expect("a crisis is streamed within a minute")
        .expect("the stream")
        .expect("a crisis");
    // The figure the README quotes: `cargo test -p tagar --test e2e crisis -- --nocapture`.
    println!(
        "crisis streamed {:.1} s after the surge was pushed",
        pushed.elapsed().as_secs_f64()
    );
    assert_eq!(streamed.brand_id, brand);
    assert_eq!(streamed.state(), v1::CrisisState::Open);
    let detected = streamed.detected.clone().unwrap();
    assert_eq!(detected.trigger(), v1::CrisisTrigger::Negative);
    assert!(detected.negatives >= 20, "{detected:?}");
    assert!(detected.negatives <= 37, "{detected:?}");
    assert!(!detected.top_negative.is_empty());
    assert!(
        detected
            .top_negative
            .iter()
            .all(|p| p.text.contains("#KopiKita")),
        "{:?}",
        detected.top_negative
    );
    assert_eq!(
        detected.rising_terms.first().map(String::as_str),
        Some("recall")
    );
    let crisis_id = streamed.crisis_id.clone();

    // Scheduling heard it: the queue is paused for this crisis.
    let paused = eventually(Duration::from_secs(30), "the queue paused", || {
        let c = &c;
        let brand = &brand;
        async move { brand_row(c, brand).await.pause }
    })
    .await;
    assert_eq!(paused.crisis_id, crisis_id);
    assert_eq!(paused.by, "analytics");
    assert!(paused.reason.starts_with("crisis: "), "{}", paused.reason);

    // The desk puts the brand in a crisis first, ahead of what is due earlier elsewhere.
    let listed = eventually(
        Duration::from_secs(30),
        "the crisis on the desk",
        || async {
            let items = desk(&c).await?;
            let first = items.first()?;
            let has_other = items.iter().any(|i| i.native_id == "teh-q");
            (first.in_crisis && has_other).then_some(items)
        },
    )
    .await;
    let last = listed.last().unwrap();
    assert_eq!((last.native_id.as_str(), last.in_crisis), ("teh-q", false));
    assert_eq!(last.brand_id, other);
    assert!(
        listed[..listed.len() - 1]
            .iter()
            .all(|i| i.brand_id == brand && i.in_crisis)
    );

    // A post that comes due now is held: counted as held, not published.
    let held = c
        .schedule_in(&brand, account.clone(), "Promo kopi susu hari ini!", 2)
        .await;
    eventually(Duration::from_secs(30), "the post held", || {
        let c = &c;
        let brand = &brand;
        async move {
            let pause = brand_row(c, brand).await.pause?;
            (pause.held_posts == 1).then_some(())
        }
    })
    .await;

    // The statement goes out while the queue is paused, once.
    let refused = c
        .scheduling
        .post_statement(v1::PostStatementRequest {
            brand_id: brand.clone(),
            crisis_id: "not-a-crisis".into(),
            account_id: account.clone(),
            text: "x".into(),
            media: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().starts_with("crisis_id: "),
        "{}",
        refused.message()
    );
    let statement = c
        .scheduling
        .post_statement(v1::PostStatementRequest {
            brand_id: brand.clone(),
            crisis_id: crisis_id.clone(),
            account_id: account.clone(),
            text:
                "Kami mendengar Anda. Penarikan produk sedang kami tangani; detail di kopikita.id"
                    .into(),
            media: vec![],
        })
        .await
        .expect("post the statement")
        .into_inner();
    assert_eq!(statement.statement_of, crisis_id);
    c.published(&brand, &statement.post_id, Duration::from_secs(30))
        .await;
    // The held post came due before the statement and the dispatcher takes posts in due
    // order: the statement out and the held post not means the pause held it.
    let still = c
        .scheduling
        .get_scheduled_post(v1::GetScheduledPostRequest {
            brand_id: brand.clone(),
            post_id: held.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(still.state(), v1::PostState::Scheduled);

    // A person resumes: the held post goes out.
    let resumed = c
        .scheduling
        .resume_queue(v1::ResumeQueueRequest {
            brand_id: brand.clone(),
            held: v1::HeldPosts::Publish as i32,
            expected_version: 0,
        })
        .await
        .expect("resume")
        .into_inner();
    assert_eq!(resumed.brand.unwrap().pause, None);
    assert_eq!(
        resumed
            .held
            .iter()
            .map(|p| p.post_id.as_str())
            .collect::<Vec<_>>(),
        [held.as_str()]
    );
    c.published(&brand, &held, Duration::from_secs(30)).await;
    eventually(
        Duration::from_secs(30),
        "the crisis off the desk",
        || async {
            let items = desk(&c).await?;
            items.iter().all(|i| !i.in_crisis).then_some(())
        },
    )
    .await;
    let again = c
        .scheduling
        .resume_queue(v1::ResumeQueueRequest {
            brand_id: brand.clone(),
            held: 0,
            expected_version: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);

    // The timeline, as a report.
    let closed = eventually(Duration::from_secs(30), "the crisis closed", || {
        let mut analytics = c.analytics.clone();
        let request = v1::GetCrisisRequest {
            crisis_id: crisis_id.clone(),
        };
        async move {
            let crisis = analytics.get_crisis(request).await.ok()?.into_inner();
            (crisis.state() == v1::CrisisState::Closed).then_some(crisis)
        }
    })
    .await;
    let steps: Vec<&str> = closed.timeline.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(
        steps,
        [
            "detected",
            "paused",
            "statement_planned",
            "statement_published",
            "resumed"
        ]
    );
    let published = &closed.timeline[3];
    assert_eq!(published.post_id, statement.post_id);
    assert!(
        !published.detail.is_empty(),
        "the statement's id on the network"
    );
    assert_eq!(closed.timeline[4].detail, "1 held posts published");
    let listed = c
        .analytics
        .list_crises(v1::ListCrisesRequest {
            brand_id: brand.clone(),
            open_only: false,
            limit: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .crises;
    assert_eq!(
        listed.len(),
        1,
        "one crisis, however many replicas or rounds saw it"
    );

    // The brand published two posts: the statement and the held one, each once.
    let totals = eventually(Duration::from_secs(30), "both publishes counted", || {
        let mut analytics = c.analytics.clone();
        let brand = brand.clone();
        async move {
            let t = crate::client::totals(&mut analytics, &brand).await;
            (t.published >= 2).then_some(t)
        }
    })
    .await;
    assert_eq!(totals.published, 2);
    assert!(totals.negative >= 20, "{totals:?}");

    thresholds_are_checked_and_kept(&mut c, &brand).await;
    let other = app
        .key(
            tagar_model::TenantId::new(),
            tagar_runtime::auth::Role::Admin,
            tagar_runtime::auth::BrandScope::All,
        )
        .await;
    let mut stranger = Clients::connect(app, &other).await;
    let hidden = stranger
        .analytics
        .get_crisis(v1::GetCrisisRequest { crisis_id })
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound, "another tenant's crisis");
}

async fn thresholds(c: &mut Clients, brand: &str) -> v1::CrisisThresholds {
    c.analytics
        .get_crisis_thresholds(v1::GetCrisisThresholdsRequest {
            brand_id: brand.to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
}

async fn thresholds_are_checked_and_kept(c: &mut Clients, brand: &str) {
    let defaults = thresholds(c, brand).await;
    assert_eq!((defaults.window_minutes, defaults.min_negatives), (2, 20));
    assert!(defaults.updated_by.is_empty());
    let bad = c
        .analytics
        .set_crisis_thresholds(v1::CrisisThresholds {
            brand_id: brand.to_owned(),
            min_negative_share: 1.5,
            ..defaults.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(
        bad.message().starts_with("min_negative_share: "),
        "{}",
        bad.message()
    );
    let set = c
        .analytics
        .set_crisis_thresholds(v1::CrisisThresholds {
            brand_id: brand.to_owned(),
            min_negatives: 50,
            ..defaults
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(set.min_negatives, 50);
    let read = thresholds(c, brand).await;
    assert_eq!(read.min_negatives, 50);
    assert!(!read.updated_by.is_empty());
}
