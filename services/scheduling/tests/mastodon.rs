//! Publishing to Mastodon through the dispatcher, against `tagar_testkit::mastodon` (the
//! documented endpoints and semantics the connector uses): once per post through a crash
//! between the call and the commit (the `Idempotency-Key`), a rate limit retried at the
//! server's reset time, a revoked token marking the account for reconnecting.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tagar_client::unary;
use tagar_kernel::testing::TestApp;
use tagar_kernel::{Mode, both_modes};
use tagar_networks::Connector;
use tagar_networks::mastodon::Mastodon;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tagar_scheduling::dispatcher::Dispatcher;
use tagar_testkit::mastodon::MastodonServer;

fn dispatcher(system: &TestApp, connector: Arc<dyn Connector>) -> Dispatcher {
    support::dispatcher(system, connector, Duration::from_secs(5))
}

async fn schedule(
    admin: &mut support::Agent,
    brand: &str,
    account: &str,
    text: &str,
    ahead: chrono::Duration,
) -> String {
    support::schedule(admin, brand, account, text, ahead).await
}

async fn get(admin: &mut support::Agent, brand: &str, post: &str) -> v1::ScheduledPost {
    support::get(admin, brand, post).await
}

async fn a_mastodon_post_goes_out_once_through_crashes_rate_limits_and_revocation(mode: Mode) {
    let server = MastodonServer::start().await;
    let (account_id, token) = server.create_account("kopikita");
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let brand = support::jakarta_brand(&mut admin).await;
    let connect = |token: String| v1::ConnectAccountRequest {
        brand_id: brand.clone(),
        network: v1::Network::Mastodon as i32,
        handle: "kopikita".into(),
        credentials: Some(v1::connect_account_request::Credentials::Mastodon(
            v1::MastodonCredentials {
                instance: server.url.clone(),
                access_token: token,
            },
        )),
    };
    let refused = admin
        .connect_account(unary(connect("not-a-token".into())))
        .await
        .unwrap_err();
    assert!(
        refused.message().starts_with("credentials: were refused"),
        "{refused:?}"
    );
    let account = admin
        .connect_account(unary(connect(token.clone())))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(account.native_account_id, account_id);

    // Published by the system's own dispatcher, at its time.
    let post = schedule(
        &mut admin,
        &brand,
        &account.account_id,
        "Selamat pagi #KopiKita",
        chrono::Duration::seconds(2),
    )
    .await;
    let published = tagar_kernel::testing::eventually(Duration::from_secs(30), "published", || {
        let mut api: tagar_client::SchedulingClient = (*admin).clone();
        let (brand, post) = (brand.clone(), post.clone());
        async move {
            let p = api
                .get_scheduled_post(unary(v1::GetScheduledPostRequest {
                    brand_id: brand,
                    post_id: post,
                }))
                .await
                .ok()?
                .into_inner();
            (p.state() == v1::PostState::Published).then_some(p)
        }
    })
    .await;
    assert_eq!(server.statuses_of(&account_id), ["Selamat pagi #KopiKita"]);

    // A dispatcher dies after its call went through; the next attempt's call carries the
    // same Idempotency-Key, and the server answers with the first status.
    let post = schedule(
        &mut admin,
        &brand,
        &account.account_id,
        "Besok #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    let then = Utc::now() + chrono::Duration::days(2);
    let dying = support::DiesAfterTheCall::new(Arc::new(Mastodon::new()));
    let first = dispatcher(&system, dying.clone());
    let round = tokio::spawn(async move { first.dispatch_once(then).await });
    dying.until_called().await;
    round.abort();
    let _ = round.await;
    let next = dispatcher(&system, Arc::new(Mastodon::new()));
    assert_eq!(
        next.dispatch_once(then + chrono::Duration::seconds(31))
            .await
            .unwrap(),
        1
    );
    let done = get(&mut admin, &brand, &post).await;
    assert_eq!(
        (done.state(), done.publish_attempts),
        (v1::PostState::Published, 2)
    );
    assert_eq!(
        server.statuses_of(&account_id).len(),
        2,
        "one status for the post"
    );
    assert_ne!(done.published_native_id, published.published_native_id);

    // A spent rate limit: retried at the server's reset time, not before.
    let post = schedule(
        &mut admin,
        &brand,
        &account.account_id,
        "Sore #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    server.spend_rate_limit(&account_id);
    assert_eq!(next.dispatch_once(then).await.unwrap(), 1);
    let limited = get(&mut admin, &brand, &post).await;
    assert_eq!(limited.state(), v1::PostState::Scheduled);
    assert!(limited.reason.contains("rate limit"), "{}", limited.reason);

    // A revoked token: the account needs reconnecting, its post fails and is not retried.
    server.revoke(&token);
    let post = schedule(
        &mut admin,
        &brand,
        &account.account_id,
        "Malam #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    let later = server.rate_limit_reset().unwrap() + chrono::Duration::days(3);
    next.dispatch_once(later).await.unwrap();
    let failed = get(&mut admin, &brand, &post).await;
    assert_eq!(failed.state(), v1::PostState::Failed, "{}", failed.reason);
    assert!(
        failed.reason.contains("needs reconnecting"),
        "{}",
        failed.reason
    );
    system.stop().await;
}

both_modes!(a_mastodon_post_goes_out_once_through_crashes_rate_limits_and_revocation);

/// Schedules the menu post with `media` a day ahead.
async fn in_a_day(
    admin: &mut support::Agent,
    brand: &str,
    account: &str,
    media: Vec<v1::Media>,
) -> String {
    let (text, ahead) = ("Menu baru #KopiKita", chrono::Duration::days(1));
    support::schedule_with_media(admin, brand, account, text, media, ahead).await
}

fn image(url: String, alt: &str, rights: bool) -> v1::Media {
    v1::Media {
        kind: v1::MediaKind::Image as i32,
        url,
        alt_text: alt.into(),
        usage_rights: rights,
    }
}

async fn a_post_goes_out_with_its_media_and_media_that_cannot_be_fetched_fail_it(mode: Mode) {
    let server = MastodonServer::start().await;
    let (account_id, token) = server.create_account("kopikita");
    let files = tagar_testkit::media::MediaServer::start().await;
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let brand = support::jakarta_brand(&mut admin).await;
    let account = support::connect_mastodon(&mut admin, &brand, &server.url, token).await;
    let menu = tagar_testkit::media::png(24, 24, [120, 80, 40]);
    let menu_url = files.put("menu.png", "image/png", menu.clone());
    let draft = |media: Vec<v1::Media>| v1::CreateDraftRequest {
        brand_id: brand.clone(),
        account_id: account.account_id.clone(),
        text: "Menu baru #KopiKita".into(),
        media,
    };

    // Refused at the draft, naming the item: no rights, or more than Mastodon takes.
    let no_rights = admin
        .create_draft(unary(draft(vec![image(menu_url.clone(), "", false)])))
        .await
        .unwrap_err();
    assert!(no_rights.message().starts_with("media[0]"), "{no_rights:?}");
    let five = vec![image(menu_url.clone(), "", true); 5];
    let too_many = admin.create_draft(unary(draft(five))).await.unwrap_err();
    assert!(
        too_many.message().starts_with("media[4]") && too_many.message().contains("at most 4"),
        "{too_many:?}"
    );

    // Published with the image and its alt text.
    let then = Utc::now() + chrono::Duration::days(2);
    let post = in_a_day(
        &mut admin,
        &brand,
        &account.account_id,
        vec![image(menu_url.clone(), "Menu baru", true)],
    )
    .await;
    let local = dispatcher(&system, Arc::new(Mastodon::new()));
    assert_eq!(local.dispatch_once(then).await.unwrap(), 1);
    let published = get(&mut admin, &brand, &post).await;
    assert_eq!(
        published.state(),
        v1::PostState::Published,
        "{}",
        published.reason
    );
    assert_eq!(
        server.attachments_of(&published.published_native_id),
        [("image/png".to_owned(), menu, Some("Menu baru".to_owned()))]
    );

    // Gone from the brand's server: the post fails for good, saying which media and why.
    let post = in_a_day(
        &mut admin,
        &brand,
        &account.account_id,
        vec![image(format!("{}/media/gone.png", files.url), "", true)],
    )
    .await;
    local.dispatch_once(then).await.unwrap();
    let failed = get(&mut admin, &brand, &post).await;
    assert_eq!(failed.state(), v1::PostState::Failed);
    assert!(
        failed.reason.contains("media[0]") && failed.reason.contains("404"),
        "{}",
        failed.reason
    );

    // As deployed, media on a private address (here, the test's own) are never fetched.
    let post = in_a_day(
        &mut admin,
        &brand,
        &account.account_id,
        vec![image(menu_url, "", true)],
    )
    .await;
    let deployed = tagar_scheduling::network::Networks::default().with(Arc::new(Mastodon::new()));
    support::dispatcher_over(&system, deployed, Duration::from_secs(5))
        .dispatch_once(then)
        .await
        .unwrap();
    let refused = get(&mut admin, &brand, &post).await;
    assert_eq!(refused.state(), v1::PostState::Failed);
    assert!(
        refused.reason.contains("not a public address"),
        "{}",
        refused.reason
    );
    assert_eq!(
        server.statuses_of(&account_id).len(),
        1,
        "only the first went out"
    );
    system.stop().await;
}

both_modes!(a_post_goes_out_with_its_media_and_media_that_cannot_be_fetched_fail_it);

async fn a_published_post_counts_are_read_back_at_growing_intervals(mode: Mode) {
    let server = MastodonServer::start().await;
    let (_, token) = server.create_account("kopikita");
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let brand = support::jakarta_brand(&mut admin).await;
    let account = support::connect_mastodon(&mut admin, &brand, &server.url, token).await;
    let post = schedule(
        &mut admin,
        &brand,
        &account.account_id,
        "Promo akhir pekan #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    let then = Utc::now() + chrono::Duration::days(2);
    dispatcher(&system, Arc::new(Mastodon::new()))
        .dispatch_once(then)
        .await
        .unwrap();
    let published = get(&mut admin, &brand, &post).await;
    assert_eq!(published.state(), v1::PostState::Published);
    assert_eq!(published.metrics, None, "not read yet");

    let platform = system.platform();
    let networks = tagar_scheduling::network::Networks::default().with(Arc::new(Mastodon::new()));
    let mut counter = tagar_scheduling::counts::Counter::new(
        platform.store.clone(),
        networks,
        platform.vault.clone(),
        &platform.metrics,
        Duration::from_secs(30),
    )
    .unwrap();
    let published_at = tagar_proto::convert::time_from_wire(
        published.published_at.as_ref().unwrap(),
        "published_at",
    )
    .unwrap();
    // Nothing is due before five minutes have passed.
    let minutes = |m| published_at + chrono::Duration::minutes(m);
    assert_eq!(counter.count_once(minutes(4)).await.unwrap(), 0);
    server.engage(&published.published_native_id, 12, 3);
    assert_eq!(counter.count_once(minutes(6)).await.unwrap(), 1);
    let counted = get(&mut admin, &brand, &post).await;
    let metrics = counted.metrics.expect("counted");
    assert_eq!((metrics.likes, metrics.reposts), (12, 3));
    // The next reading is due at 30 minutes, not before.
    server.engage(&published.published_native_id, 28, 6);
    assert_eq!(counter.count_once(minutes(20)).await.unwrap(), 0);
    assert_eq!(counter.count_once(minutes(31)).await.unwrap(), 1);
    let later = get(&mut admin, &brand, &post).await;
    let metrics = later.metrics.expect("counted again");
    assert_eq!((metrics.likes, metrics.reposts), (40, 9));
    let at = |p: &v1::ScheduledPost| p.counted_at.as_ref().map(|t| (t.seconds, t.nanos));
    assert_eq!(at(&later).map(|(s, _)| s), Some(minutes(31).timestamp()));
    assert!(at(&later) > at(&counted));

    // Gone from the server: counting stops for good.
    server.delete(&published.published_native_id);
    let much_later = published_at + chrono::Duration::days(40);
    assert_eq!(counter.count_once(much_later).await.unwrap(), 1);
    assert_eq!(counter.count_once(much_later).await.unwrap(), 0);
    let stopped = get(&mut admin, &brand, &post).await;
    assert_eq!(
        stopped.metrics.map(|m| m.likes),
        Some(40),
        "the last counts stay"
    );
    system.stop().await;
}

both_modes!(a_published_post_counts_are_read_back_at_growing_intervals);
