//! Publishing to X through the dispatcher, against `tagar_testkit::x` (the documented API v2
//! endpoints the connector uses). X has no idempotency key: the dispatcher's `PublishStarted`
//! is the intent recorded before the call, and a later attempt finds the post among the
//! account's posts instead of posting it again. Rotated refresh tokens are stored as they
//! come, so another process signs in with the newest pair.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tagar_client::unary;
use tagar_kernel::{Mode, both_modes};
use tagar_networks::x::X;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tagar_testkit::x::XServer;

async fn an_x_post_goes_out_once_without_an_idempotency_key(mode: Mode) {
    let server = XServer::start().await;
    // Its access token is about to expire: the first publish refreshes (and rotates) it.
    let tokens = server.create_user("kopikita", chrono::Duration::seconds(60));
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let brand = support::jakarta_brand(&mut admin).await;
    let account = admin
        .connect_account(unary(v1::ConnectAccountRequest {
            brand_id: brand.clone(),
            network: v1::Network::X as i32,
            handle: "kopikita".into(),
            credentials: Some(v1::connect_account_request::Credentials::X(
                v1::XCredentials {
                    client_id: "tagar-app".into(),
                    access_token: tokens.access_token.clone(),
                    refresh_token: tokens.refresh_token.clone(),
                    expires_in_seconds: 60,
                    api: server.url.clone(),
                },
            )),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(account.native_account_id, tokens.user);
    assert_eq!(
        server.refreshes(),
        0,
        "checking the credentials spends nothing"
    );

    let post = support::schedule(
        &mut admin,
        &brand,
        &account.account_id,
        "Selamat pagi #KopiKita",
        chrono::Duration::seconds(2),
    )
    .await;
    support::published(&admin, &brand, &post).await;
    assert_eq!(server.refreshes(), 1);

    // A new connector (another process) signs in with the stored, rotated pair, and dies
    // after its call got through; the next attempt finds the post on X.
    let post = support::schedule(
        &mut admin,
        &brand,
        &account.account_id,
        "Besok #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    let then = Utc::now() + chrono::Duration::days(2);
    let dying = support::DiesAfterTheCall::new(Arc::new(X::new()));
    let first = support::dispatcher(&system, dying.clone(), Duration::from_secs(5));
    let round = tokio::spawn(async move { first.dispatch_once(then).await });
    dying.until_called().await;
    round.abort();
    let _ = round.await;
    let next = support::dispatcher(&system, Arc::new(X::new()), Duration::from_secs(5));
    assert_eq!(
        next.dispatch_once(then + chrono::Duration::seconds(31))
            .await
            .unwrap(),
        1
    );
    let done = support::get(&mut admin, &brand, &post).await;
    assert_eq!(
        (done.state(), done.publish_attempts),
        (v1::PostState::Published, 2)
    );
    assert_eq!(
        server.posts_of(&tokens.user),
        ["Selamat pagi #KopiKita", "Besok #KopiKita"],
        "one post each"
    );

    // Revoked: the refresh is refused, the account needs reconnecting.
    server.revoke(&tokens.user);
    let post = support::schedule(
        &mut admin,
        &brand,
        &account.account_id,
        "Malam #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    next.dispatch_once(then).await.unwrap();
    let failed = support::get(&mut admin, &brand, &post).await;
    assert_eq!(failed.state(), v1::PostState::Failed, "{}", failed.reason);
    assert!(
        failed.reason.contains("needs reconnecting"),
        "{}",
        failed.reason
    );
    system.stop().await;
}

both_modes!(an_x_post_goes_out_once_without_an_idempotency_key);
