//! A scheduled post goes out once at its time, through the loopback network, with two
//! dispatchers racing for it (standalone: two dispatcher tasks on one SQLite database;
//! distributed: two processes on one PostgreSQL database and broker, plus an extra task).

mod support;

use tagar_client::unary;
use tagar_kernel::both_modes;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tagar_kernel::Mode;
use tagar_proto::topics;
use tagar_proto::v1::{self, envelope::Event};
use tagar_runtime::auth::{BrandScope, Role};
use tagar_scheduling::dispatcher::{Dispatcher, DispatcherConfig};
use tagar_scheduling::network::Loopback;
use uuid::Uuid;

fn time(ts: &prost_types::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(ts.seconds, ts.nanos as u32).unwrap()
}

async fn a_scheduled_post_is_published_once_at_its_time(mode: Mode) {
    let processes = if mode == Mode::Distributed { 2 } else { 1 };
    let system = support::start(mode, processes).await;
    let platform = system.platform();
    let extra = Dispatcher::new(
        platform.store.clone(),
        Arc::new(Loopback),
        &platform.metrics,
        DispatcherConfig::default(),
    )
    .expect("a dispatcher");
    platform
        .shutdown
        .spawn("extra-dispatcher", extra.run(platform.shutdown.token()));

    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (brand, account) = admin.kopi_kita(v1::Network::X, "@kopikita").await;
    assert_eq!(brand.time_zone, "Asia/Jakarta");
    assert_eq!(account.handle, "kopikita");

    let text = "Selamat pagi! Kopi susu hari ini ☕ #KopiKita";
    let draft = admin
        .create_draft(unary(v1::CreateDraftRequest {
            brand_id: brand.brand_id.clone(),
            account_id: account.account_id.clone(),
            text: text.into(),
            media: vec![],
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((draft.state(), draft.version), (v1::PostState::Draft, 1));
    let approved = admin
        .approve_post(unary(v1::ApprovePostRequest {
            brand_id: brand.brand_id.clone(),
            post_id: draft.post_id.clone(),
            expected_version: draft.version,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(approved.state(), v1::PostState::Approved);

    // Two seconds ahead at least, as a Jakarta wall clock reads it (whole seconds).
    let asked = Utc::now() + chrono::Duration::seconds(3);
    let local = asked
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let scheduled = admin
        .schedule_post(unary(v1::SchedulePostRequest {
            brand_id: brand.brand_id.clone(),
            post_id: draft.post_id.clone(),
            local_time: local.clone(),
            expected_version: approved.version,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(scheduled.state(), v1::PostState::Scheduled);
    assert_eq!(
        (scheduled.local_time.as_str(), scheduled.time_zone.as_str()),
        (local.as_str(), "Asia/Jakarta")
    );
    let publish_at = time(scheduled.publish_at.as_ref().unwrap());
    assert_eq!(
        publish_at.timestamp(),
        asked.timestamp(),
        "Jakarta wall clock maps to the instant"
    );

    // Read back through the last process: the post goes out once it is due.
    let mut reader = admin.on(&system, processes - 1).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let published = loop {
        let post = reader
            .get_scheduled_post(unary(v1::GetScheduledPostRequest {
                brand_id: brand.brand_id.clone(),
                post_id: draft.post_id.clone(),
            }))
            .await
            .unwrap()
            .into_inner();
        if post.state() == v1::PostState::Published {
            break post;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not published in time: {post:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        published.published_native_id.starts_with("loopback-"),
        "{published:?}"
    );
    let published_at = time(published.published_at.as_ref().unwrap());
    assert!(
        published_at >= publish_at,
        "published at {published_at}, due {publish_at}"
    );
    assert_eq!(published.version, 4);

    // Exactly one delivery on the loopback network, and one PostPublished in the stream.
    let deliveries = support::caused_by(
        &system,
        topics::LOOPBACK_NETWORK,
        &draft.post_id,
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let Some(Event::NetworkPostDelivered(delivered)) = deliveries[0].event.clone() else {
        panic!("not a delivery: {:?}", deliveries[0]);
    };
    let post = delivered.post.unwrap();
    assert_eq!(delivered.account_id, account.account_id);
    assert_eq!(
        (post.network(), post.native_id.as_str()),
        (v1::Network::X, published.published_native_id.as_str())
    );
    assert_eq!(post.text, text);
    let author = post.author.unwrap();
    assert_eq!(
        (author.id.as_str(), author.handle.as_str()),
        (account.account_id.as_str(), "kopikita")
    );
    assert_eq!(deliveries[0].brand_id, brand.brand_id);
    assert_eq!(deliveries[0].tenant_id, admin.tenant.to_string());

    let stream = platform
        .store
        .read_stream(admin.tenant, Uuid::parse_str(&draft.post_id).unwrap())
        .await
        .unwrap();
    assert!(stream.iter().all(|e| e.aggregate_type == "scheduled_post"));
    let kinds: Vec<&str> = stream.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "tagar.scheduling.PostDrafted",
            "tagar.scheduling.PostApproved",
            "tagar.scheduling.PostScheduled",
            "tagar.scheduling.PostPublished"
        ]
    );
    let metrics = platform.metrics.encode().unwrap();
    assert!(metrics.contains("tagar_posts_published_total"), "{metrics}");
    system.stop().await;
}

both_modes!(a_scheduled_post_is_published_once_at_its_time);
