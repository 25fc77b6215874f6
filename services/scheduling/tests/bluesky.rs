//! Publishing for real: a brand's Bluesky account, connected with an app password, against a
//! real PDS (`tagar_testkit::pds`). The post appears on the PDS once, also when the
//! dispatcher dies between the network call and its commit; a revoked app password marks the
//! account "needs reconnect" instead of retrying; the credentials are stored sealed and never
//! returned.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tagar_client::unary;
use tagar_kernel::testing::TestApp;
use tagar_kernel::{Mode, both_modes};
use tagar_networks::bluesky::{Bluesky, POST_COLLECTION, parse_at_uri};
use tagar_networks::{
    Account, Connector, Credentials, Delivered, Identity, Limits, NetworkError, Publication, tid,
};
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tagar_scheduling::dispatcher::Dispatcher;
use tagar_testkit::pds::{PdsAccount, pds};
use tonic::Code;
use uuid::Uuid;

fn unique(name: &str) -> String {
    format!("{name}{}", &Uuid::new_v4().simple().to_string()[..8])
}

/// A PDS account with an app password for Tagar.
async fn bluesky_account(name: &str) -> (PdsAccount, String) {
    let made = pds().create_account(&unique(name)).await;
    let app_password = pds().create_app_password(&made, "tagar").await;
    (made, app_password)
}

fn bluesky(app_password: &str) -> Option<v1::connect_account_request::Credentials> {
    Some(v1::connect_account_request::Credentials::Bluesky(
        v1::BlueskyCredentials {
            service: pds().url.clone(),
            app_password: app_password.to_owned(),
        },
    ))
}

/// A brand with the PDS account connected to it.
async fn connected(
    admin: &mut support::Agent,
    made: &PdsAccount,
    app_password: &str,
) -> (v1::Brand, v1::SocialAccount) {
    let brand = admin
        .create_brand(unary(v1::CreateBrandRequest {
            name: "Kopi Kita".into(),
            time_zone: "Asia/Jakarta".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    let account = admin
        .connect_account(unary(v1::ConnectAccountRequest {
            brand_id: brand.brand_id.clone(),
            network: v1::Network::Bluesky as i32,
            handle: made.handle.clone(),
            credentials: bluesky(app_password),
        }))
        .await
        .unwrap()
        .into_inner();
    (brand, account)
}

/// Drafts, approves and schedules `text` at `in_secs` from now (Jakarta wall clock).
async fn schedule(
    admin: &mut support::Agent,
    brand: &v1::Brand,
    account: &v1::SocialAccount,
    text: &str,
    ahead: chrono::Duration,
) -> v1::ScheduledPost {
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
    admin
        .approve_post(unary(v1::ApprovePostRequest {
            brand_id: brand.brand_id.clone(),
            post_id: draft.post_id.clone(),
            expected_version: draft.version,
        }))
        .await
        .unwrap();
    let at = (Utc::now() + ahead).with_timezone(&chrono_tz::Asia::Jakarta);
    admin
        .schedule_post(unary(v1::SchedulePostRequest {
            brand_id: brand.brand_id.clone(),
            post_id: draft.post_id.clone(),
            local_time: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            expected_version: 0,
        }))
        .await
        .unwrap()
        .into_inner()
}

async fn get(
    admin: &mut support::Agent,
    brand: &v1::Brand,
    post: &v1::ScheduledPost,
) -> v1::ScheduledPost {
    admin
        .get_scheduled_post(unary(v1::GetScheduledPostRequest {
            brand_id: brand.brand_id.clone(),
            post_id: post.post_id.clone(),
        }))
        .await
        .unwrap()
        .into_inner()
}

async fn a_brands_bluesky_post_is_published_to_the_pds_once(mode: Mode) {
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (made, app_password) = bluesky_account("kopi").await;

    let other = admin
        .create_brand(unary(v1::CreateBrandRequest {
            name: "Other".into(),
            time_zone: "UTC".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    let refused = admin
        .connect_account(unary(v1::ConnectAccountRequest {
            brand_id: other.brand_id,
            network: v1::Network::Bluesky as i32,
            handle: made.handle.clone(),
            credentials: bluesky("not-the-password"),
        }))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    assert!(
        refused.message().starts_with("credentials: were refused"),
        "{}",
        refused.message()
    );
    assert!(!refused.message().contains("not-the-password"));

    let (brand, account) = connected(&mut admin, &made, &app_password).await;
    assert_eq!(account.link(), v1::AccountLink::Network);
    assert_eq!(account.native_account_id, made.did);
    assert!(!format!("{account:?}").contains(&app_password));
    let listed = admin
        .list_accounts(unary(v1::ListAccountsRequest {
            brand_id: brand.brand_id.clone(),
        }))
        .await
        .unwrap()
        .into_inner()
        .accounts;
    assert_eq!(listed, std::slice::from_ref(&account));

    let text = "Selamat pagi dari Tagar #KopiKita https://kopikita.example/menu";
    let post = schedule(
        &mut admin,
        &brand,
        &account,
        text,
        chrono::Duration::seconds(2),
    )
    .await;
    let published =
        tagar_kernel::testing::eventually(Duration::from_secs(30), "the post is published", || {
            let mut admin: tagar_client::SchedulingClient = (*admin).clone();
            let (brand, post) = (brand.clone(), post.clone());
            async move {
                let now = admin
                    .get_scheduled_post(unary(v1::GetScheduledPostRequest {
                        brand_id: brand.brand_id,
                        post_id: post.post_id,
                    }))
                    .await
                    .unwrap()
                    .into_inner();
                (now.state() == v1::PostState::Published).then_some(now)
            }
        })
        .await;
    assert_eq!(published.publish_attempts, 1);
    let (repo, collection, rkey) = parse_at_uri(&published.published_native_id).unwrap();
    assert_eq!((repo, collection), (made.did.as_str(), POST_COLLECTION));
    assert_eq!(rkey, tid::for_post(post.post_id.parse().unwrap()));
    let records = pds().list_records(&made.did, POST_COLLECTION).await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["value"]["text"], text);

    // Its counts come from the AppView behind the PDS, once it has indexed the post (until
    // then the reading is tried again a minute later).
    let platform = system.platform();
    let mut counter = tagar_scheduling::counts::Counter::new(
        platform.store.clone(),
        tagar_scheduling::network::Networks::default().with(Arc::new(Bluesky::new())),
        platform.vault.clone(),
        &platform.metrics,
        Duration::from_secs(30),
    )
    .unwrap();
    let mut later = Utc::now() + chrono::Duration::minutes(6);
    while counter.count_once(later).await.unwrap() == 0 {
        later += chrono::Duration::minutes(2);
        assert!(
            later < Utc::now() + chrono::Duration::hours(1),
            "never counted"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let counted = get(&mut admin, &brand, &post).await;
    assert_eq!(counted.metrics.map(|m| m.likes), Some(0));

    // At rest the credentials are ciphertext only.
    let sealed: Vec<String> = sqlx::query_scalar("SELECT sealed FROM scheduling_credentials")
        .fetch_all(system.platform().store.pool())
        .await
        .unwrap();
    assert_eq!(sealed.len(), 1);
    assert!(!sealed[0].contains(&app_password));
    system.stop().await;
}

both_modes!(a_brands_bluesky_post_is_published_to_the_pds_once);

/// The first call fails as a network that is down does.
struct DownOnce {
    inner: Bluesky,
    failed: AtomicBool,
}

#[async_trait]
impl Connector for DownOnce {
    fn network(&self) -> tagar_model::Network {
        self.inner.network()
    }
    fn limits(&self) -> Limits {
        self.inner.limits()
    }
    async fn verify(&self, credentials: &Credentials) -> Result<Identity, NetworkError> {
        self.inner.verify(credentials).await
    }
    async fn publish(
        &self,
        account: &Account<'_>,
        post: &Publication<'_>,
    ) -> Result<Delivered, NetworkError> {
        if !self.failed.swap(true, Ordering::SeqCst) {
            return Err(NetworkError::Unavailable {
                network: tagar_model::Network::Bluesky,
                reason: "connection reset".into(),
            });
        }
        self.inner.publish(account, post).await
    }
    async fn delete(&self, account: &Account<'_>, native_id: &str) -> Result<(), NetworkError> {
        self.inner.delete(account, native_id).await
    }
    async fn block(&self, account: &Account<'_>, author: &str) -> Result<String, NetworkError> {
        self.inner.block(account, author).await
    }
}

fn dispatcher(system: &TestApp, connector: Arc<dyn Connector>) -> Dispatcher {
    support::dispatcher(system, connector, Duration::from_secs(10))
}

async fn a_crash_between_the_call_and_the_commit_leaves_one_post_on_the_pds(mode: Mode) {
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (made, app_password) = bluesky_account("crash").await;
    let (brand, account) = connected(&mut admin, &made, &app_password).await;
    // Tomorrow: the system's own dispatcher leaves it; these are told the time.
    let post = schedule(
        &mut admin,
        &brand,
        &account,
        "Besok pagi #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    let then: DateTime<Utc> = Utc::now() + chrono::Duration::days(2);

    let dying = support::DiesAfterTheCall::new(Arc::new(Bluesky::new()));
    let first = dispatcher(&system, dying.clone());
    let round = tokio::spawn(async move { first.dispatch_once(then).await });
    dying.until_called().await;
    round.abort();
    let _ = round.await;
    let held = get(&mut admin, &brand, &post).await;
    assert_eq!(
        (held.state(), held.publish_attempts),
        (v1::PostState::Publishing, 1)
    );
    assert_eq!(
        pds().list_records(&made.did, POST_COLLECTION).await.len(),
        1
    );

    // Inside the lease nobody takes it; after it, a new process (no session cached) does.
    let next = dispatcher(&system, Arc::new(Bluesky::new()));
    assert_eq!(
        next.dispatch_once(then + chrono::Duration::seconds(5))
            .await
            .unwrap(),
        0
    );
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
    let records = pds().list_records(&made.did, POST_COLLECTION).await;
    assert_eq!(records.len(), 1, "one post on the PDS: {records:?}");
    assert_eq!(records[0]["uri"], done.published_native_id);
    system.stop().await;
}

both_modes!(a_crash_between_the_call_and_the_commit_leaves_one_post_on_the_pds);

#[tokio::test]
async fn a_failed_call_is_retried_after_its_backoff() {
    let system = support::start(Mode::Standalone, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (made, app_password) = bluesky_account("retry").await;
    let (brand, account) = connected(&mut admin, &made, &app_password).await;
    let post = schedule(
        &mut admin,
        &brand,
        &account,
        "Coba lagi #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    let then = Utc::now() + chrono::Duration::days(2);
    let flaky = dispatcher(
        &system,
        Arc::new(DownOnce {
            inner: Bluesky::new(),
            failed: AtomicBool::new(false),
        }),
    );
    assert_eq!(flaky.dispatch_once(then).await.unwrap(), 1);
    let failed = get(&mut admin, &brand, &post).await;
    assert_eq!(failed.state(), v1::PostState::Scheduled);
    assert!(
        failed.reason.contains("connection reset"),
        "{}",
        failed.reason
    );
    // The first retry waits the backoff (10 s here).
    assert_eq!(
        flaky
            .dispatch_once(then + chrono::Duration::seconds(5))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        flaky
            .dispatch_once(then + chrono::Duration::seconds(11))
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
        pds().list_records(&made.did, POST_COLLECTION).await.len(),
        1
    );
    system.stop().await;
}

#[tokio::test]
async fn a_revoked_app_password_marks_the_account_for_reconnecting_and_stops_there() {
    let system = support::start(Mode::Standalone, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (made, app_password) = bluesky_account("revoked").await;
    let (brand, account) = connected(&mut admin, &made, &app_password).await;
    pds().revoke_app_password(&made, "tagar").await;
    let post = schedule(
        &mut admin,
        &brand,
        &account,
        "Halo #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    let then = Utc::now() + chrono::Duration::days(2);
    let dispatcher = dispatcher(&system, Arc::new(Bluesky::new()));
    assert_eq!(dispatcher.dispatch_once(then).await.unwrap(), 1);
    let failed = get(&mut admin, &brand, &post).await;
    assert_eq!(failed.state(), v1::PostState::Failed);
    assert!(
        failed.reason.contains("needs reconnecting"),
        "{}",
        failed.reason
    );
    let listed = admin
        .list_accounts(unary(v1::ListAccountsRequest {
            brand_id: brand.brand_id.clone(),
        }))
        .await
        .unwrap()
        .into_inner()
        .accounts;
    assert!(!listed[0].needs_reconnect.is_empty(), "{listed:?}");
    // Nothing more is tried for it: the next round has nothing to do.
    assert_eq!(
        dispatcher
            .dispatch_once(then + chrono::Duration::hours(1))
            .await
            .unwrap(),
        0
    );

    // Reconnected with a new app password, it publishes again.
    let new_password = pds().create_app_password(&made, "tagar-2").await;
    let back = admin
        .reconnect_account(unary(v1::ReconnectAccountRequest {
            account_id: account.account_id.clone(),
            credentials: Some(v1::reconnect_account_request::Credentials::Bluesky(
                v1::BlueskyCredentials {
                    service: pds().url.clone(),
                    app_password: new_password,
                },
            )),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(back.needs_reconnect, "");
    let again = schedule(
        &mut admin,
        &brand,
        &account,
        "Halo lagi #KopiKita",
        chrono::Duration::days(1),
    )
    .await;
    assert_eq!(dispatcher.dispatch_once(then).await.unwrap(), 1);
    assert_eq!(
        get(&mut admin, &brand, &again).await.state(),
        v1::PostState::Published
    );
    system.stop().await;
}
