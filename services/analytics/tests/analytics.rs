//! The analytics service end to end, in both modes: events published to the topics it reads
//! as the other services would, the read models asked for over gRPC as a client would.

mod support;

use std::time::Duration;

use tagar_kernel::both_modes;

use chrono::{DateTime, Utc};
use tagar_model::{BrandId, TenantId};
use tagar_proto::convert::time_to_wire;
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::envelope::Event;
use tagar_proto::v1::{
    BrandMatch, Decision, Envelope, GetBrandActivityRequest, GetBrandActivityResponse,
    GetTrendsRequest, MinuteActivity, Post, PostClassified, PostIngested, PostMetrics,
    PostPublished, ReviewCaseDecided, ReviewCaseOpened, Verdict,
};
use tagar_runtime::auth::{BrandScope, Role};
use tonic::Code;

use support::{Harness, eventually};
use tagar_client::{AnalyticsClient, unary};

fn post(tenant: TenantId, brand: BrandId, tags: &[&str], created: DateTime<Utc>) -> Envelope {
    let ingested = PostIngested {
        post: Some(Post {
            native_id: uuid::Uuid::now_v7().to_string(),
            text: tags.iter().map(|t| format!("#{t} ")).collect(),
            created_at: Some(time_to_wire(created)),
            metrics: Some(PostMetrics {
                likes: 2,
                reposts: 1,
                ..PostMetrics::default()
            }),
            ..Post::default()
        }),
        matches: vec![BrandMatch {
            brand_id: brand.to_string(),
            rule_ids: vec![],
            ..Default::default()
        }],
        hashtags: tags.iter().map(|t| (*t).to_owned()).collect(),
        source: "push".into(),
    };
    EnvelopeBuilder::new(tenant, Event::PostIngested(ingested)).build()
}

fn posts(tenant: TenantId, brand: BrandId, tag: &str, n: usize) -> Vec<Envelope> {
    (0..n)
        .map(|_| post(tenant, brand, &[tag], Utc::now()))
        .collect()
}

fn classified(tenant: TenantId, brand: BrandId, verdict: Verdict) -> Envelope {
    let event = Event::PostClassified(PostClassified {
        verdict: verdict as i32,
        ..PostClassified::default()
    });
    EnvelopeBuilder::new(tenant, event).brand(brand).build()
}

fn range() -> GetBrandActivityRequest {
    let now = Utc::now();
    GetBrandActivityRequest {
        brand_id: String::new(),
        from: Some(time_to_wire(now - chrono::Duration::hours(2))),
        to: Some(time_to_wire(now + chrono::Duration::minutes(10))),
    }
}

async fn activity(client: &mut AnalyticsClient, brand: BrandId) -> GetBrandActivityResponse {
    let request = GetBrandActivityRequest {
        brand_id: brand.to_string(),
        ..range()
    };
    client
        .get_brand_activity(unary(request))
        .await
        .unwrap()
        .into_inner()
}

/// Waits until the brand's totals satisfy `done`, and returns them.
async fn totals_when(
    client: &mut AnalyticsClient,
    brand: BrandId,
    what: &str,
    done: impl Fn(&MinuteActivity) -> bool,
) -> GetBrandActivityResponse {
    eventually(what, || {
        let mut client = client.clone();
        let done = &done;
        async move {
            let got = activity(&mut client, brand).await;
            done(got.total.as_ref().unwrap()).then_some(got)
        }
    })
    .await
}

both_modes!(posts_moderation_and_publishing_are_counted_once);

async fn posts_moderation_and_publishing_are_counted_once(mode: tagar_kernel::Mode) {
    let harness = Harness::start(mode).await;
    let (tenant, brand) = (TenantId::new(), BrandId::new());
    let mut key = harness.client(tenant, Role::Analyst, BrandScope::All).await;

    let first = posts(tenant, brand, "kopi", 12);
    harness.publish(topics::POSTS_INGESTED, &first).await;
    let got = totals_when(&mut key, brand, "12 mentions", |t| t.mentions >= 12).await;
    let total = got.total.unwrap();
    assert_eq!((total.mentions, total.likes, total.reposts), (12, 24, 12));
    assert!(!got.minutes.is_empty());

    // The same envelopes again, then one new post behind them on the same partition: once
    // the new one is counted, the redelivered ones were handled, and added nothing.
    harness.publish(topics::POSTS_INGESTED, &first).await;
    harness
        .publish(topics::POSTS_INGESTED, &posts(tenant, brand, "kopi", 1))
        .await;
    let got = totals_when(&mut key, brand, "the 13th", |t| t.mentions >= 13).await;
    assert_eq!(got.total.unwrap().mentions, 13, "redelivery counted twice");

    // Moderation: a hide and a review flag two; a case hidden by a moderator adds a hide,
    // and a second decision on the same case does not.
    let case = uuid::Uuid::now_v7();
    let decided = |decision: Decision, version| {
        let event = Event::ReviewCaseDecided(ReviewCaseDecided {
            case_id: case.to_string(),
            decision: decision as i32,
            ..ReviewCaseDecided::default()
        });
        EnvelopeBuilder::new(tenant, event)
            .brand(brand)
            .aggregate(case, version)
            .build()
    };
    let opened = EnvelopeBuilder::new(
        tenant,
        Event::ReviewCaseOpened(ReviewCaseOpened {
            case_id: case.to_string(),
            hidden: false,
            ..ReviewCaseOpened::default()
        }),
    )
    .brand(brand)
    .aggregate(case, 1)
    .build();
    let moderation = [
        classified(tenant, brand, Verdict::Hide),
        classified(tenant, brand, Verdict::Review),
        classified(tenant, brand, Verdict::Allow),
        opened,
        decided(Decision::Hide, 2),
        decided(Decision::BlockAuthor, 3),
        classified(tenant, brand, Verdict::Review),
    ];
    harness
        .publish(topics::MODERATION_EVENTS, &moderation)
        .await;
    let got = totals_when(&mut key, brand, "3 flagged", |t| t.flagged >= 3).await;
    let total = got.total.unwrap();
    assert_eq!((total.flagged, total.hidden), (3, 2));
    assert!((got.flagged_share - 3.0 / 13.0).abs() < 1e-9);

    let published = EnvelopeBuilder::new(
        tenant,
        Event::PostPublished(PostPublished {
            native_id: "n1".into(),
            published_at: Some(time_to_wire(Utc::now())),
            ..PostPublished::default()
        }),
    )
    .brand(brand)
    .build();
    harness
        .publish(topics::SCHEDULING_EVENTS, &[published.clone(), published])
        .await;
    totals_when(&mut key, brand, "a publish", |t| t.published >= 1).await;

    let request = GetBrandActivityRequest {
        brand_id: brand.to_string(),
        ..range()
    };
    let csv = key
        .export_brand_activity(unary(request))
        .await
        .unwrap()
        .into_inner()
        .csv;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(tagar_analytics::domain::export::CSV_HEADER)
    );
    let summed: u64 = lines
        .map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(summed, 13);

    let metrics = harness.app.platform().metrics.encode().unwrap();
    assert!(metrics.contains("tagar_analytics_events_total{topic=\"tagar.posts.ingested.v1\"}"));

    // Settle, then check nothing moved: the duplicate publish counted once.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let total = activity(&mut key, brand).await.total.unwrap();
    assert_eq!((total.mentions, total.published, total.hidden), (13, 1, 2));
    harness.stop().await;
}

both_modes!(a_burst_of_a_new_hashtag_trends_and_is_pushed);

async fn a_burst_of_a_new_hashtag_trends_and_is_pushed(mode: tagar_kernel::Mode) {
    let harness = Harness::start(mode).await;
    let (tenant, brand) = (TenantId::new(), BrandId::new());
    let mut key = harness.client(tenant, Role::Manager, BrandScope::All).await;

    // A steady tag: ten a minute for the last 35 minutes.
    let now = Utc::now();
    let steady: Vec<_> = (0..35)
        .flat_map(|m| (0..10).map(move |_| m))
        .map(|m| post(tenant, brand, &["teh"], now - chrono::Duration::minutes(m)))
        .collect();
    harness.publish(topics::POSTS_INGESTED, &steady).await;
    totals_when(&mut key, brand, "the steady tag", |t| t.mentions >= 350).await;

    let trends_request = |brand_id: String| GetTrendsRequest {
        brand_id,
        limit: 5,
        window_minutes: 0,
    };
    let mut watch = key
        .watch_trends(unary(trends_request(brand.to_string())))
        .await
        .unwrap()
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(10), watch.message())
        .await
        .expect("the current trends at once")
        .unwrap()
        .unwrap();
    assert_eq!(first.trends[0].hashtag, "teh");
    assert!(
        first.trends[0].growth < 1.5,
        "steady is not a burst: {first:?}"
    );

    harness
        .publish(topics::POSTS_INGESTED, &posts(tenant, brand, "durian", 60))
        .await;
    let pushed = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let update = watch.message().await.unwrap().expect("stream open");
            if update
                .trends
                .first()
                .is_some_and(|t| t.hashtag == "durian" && t.count == 60)
            {
                return update;
            }
        }
    })
    .await
    .expect("the burst is pushed");
    assert!(pushed.trends[0].growth > 10.0, "{pushed:?}");
    assert_eq!(pushed.trends[1].hashtag, "teh");

    for brand_id in [brand.to_string(), String::new()] {
        let got = key
            .get_trends(unary(trends_request(brand_id)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got.trends[0].hashtag, "durian");
        assert!(got.as_of.is_some());
    }
    drop(watch);
    harness.stop().await;
}

both_modes!(tenants_and_roles_are_kept_apart);

async fn tenants_and_roles_are_kept_apart(mode: tagar_kernel::Mode) {
    let harness = Harness::start(mode).await;
    let (tenant_a, tenant_b, brand) = (TenantId::new(), TenantId::new(), BrandId::new());
    let mut key_a = harness.client(tenant_a, Role::Admin, BrandScope::All).await;
    let mut key_b = harness.client(tenant_b, Role::Admin, BrandScope::All).await;

    harness
        .publish(
            topics::POSTS_INGESTED,
            &posts(tenant_a, brand, "rahasia", 8),
        )
        .await;
    totals_when(&mut key_a, brand, "A's posts", |t| t.mentions >= 8).await;

    // Tenant B asking for A's brand sees nothing, and no trend of A's.
    let theirs = activity(&mut key_b, brand).await;
    assert_eq!(theirs.total.unwrap().mentions, 0);
    assert!(theirs.minutes.is_empty());
    let all = GetTrendsRequest::default();
    let trends_b = key_b.get_trends(unary(all.clone())).await.unwrap();
    assert!(trends_b.into_inner().trends.is_empty());
    let trends_a = key_a.get_trends(unary(all.clone())).await.unwrap();
    assert_eq!(trends_a.into_inner().trends[0].hashtag, "rahasia");

    // Roles and brand scopes.
    let mut other_brand = harness
        .client(
            tenant_a,
            Role::Analyst,
            BrandScope::Only([uuid::Uuid::now_v7()].into()),
        )
        .await;
    let request = GetBrandActivityRequest {
        brand_id: brand.to_string(),
        ..range()
    };
    let denied = other_brand
        .get_brand_activity(unary(request.clone()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let denied = other_brand.get_trends(unary(all)).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let mut moderator = harness
        .client(tenant_a, Role::Moderator, BrandScope::All)
        .await;
    let denied = moderator
        .get_brand_activity(unary(request.clone()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    let bad = GetBrandActivityRequest {
        brand_id: "acme".into(),
        ..range()
    };
    let refused = key_a.get_brand_activity(unary(bad)).await.unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().starts_with("brand_id"),
        "{}",
        refused.message()
    );
    let reversed = GetBrandActivityRequest {
        from: request.to,
        to: request.from,
        ..request
    };
    let refused = key_a.get_brand_activity(unary(reversed)).await.unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    harness.stop().await;
}

both_modes!(a_restart_mid_batch_loses_nothing_and_counts_nothing_twice);

async fn a_restart_mid_batch_loses_nothing_and_counts_nothing_twice(mode: tagar_kernel::Mode) {
    let harness = Harness::start(mode).await;
    let (tenant, brand) = (TenantId::new(), BrandId::new());
    let key = harness.key(tenant, Role::Analyst, BrandScope::All).await;
    for _ in 0..5 {
        harness
            .publish(topics::POSTS_INGESTED, &posts(tenant, brand, "ulang", 400))
            .await;
    }
    // Stopped while it folds (or before it began), started again on the same store and log.
    let harness = harness.restart().await;
    let mut key = harness.connect(&key).await;
    totals_when(&mut key, brand, "2,000 mentions", |t| t.mentions >= 2_000).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let total = activity(&mut key, brand).await.total.unwrap();
    assert_eq!(total.mentions, 2_000);
    harness.stop().await;
}
