//! The `tagar` process killed with SIGKILL between a network call and the commit that
//! records its answer: the post is on the real PDS (the call went through), the process never
//! heard so. After the restart the post is on the PDS once and recorded as published.

use std::time::Duration;

use tagar_kernel::testing::TestApp;
use tagar_proto::v1;
use tagar_testkit::pds::pds;
use tagar_testkit::proxy::HoldingProxy;

use crate::client::Clients;

/// `victim` is the process that serves scheduling (`standalone`, or `scheduling`).
pub async fn a_kill_between_the_call_and_the_commit_leaves_one_post(
    app: &mut TestApp,
    key: &str,
    victim: &str,
) {
    let pds = pds();
    let name = format!("sigkill{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let made = pds.create_account(&name).await;
    let password = pds.create_app_password(&made, "tagar").await;
    // The process reaches the PDS through a proxy that lets the first createRecord through
    // and keeps its answer from the process.
    let proxy = HoldingProxy::start(&pds.url, "com.atproto.repo.createRecord", 1).await;

    let mut c = Clients::connect(app, key).await;
    let brand = c
        .brand_listening("Kopi Kita", "Asia/Jakarta", "KopiKita")
        .await;
    let account = c
        .scheduling
        .connect_account(v1::ConnectAccountRequest {
            brand_id: brand.clone(),
            network: v1::Network::Bluesky as i32,
            handle: made.handle.clone(),
            credentials: Some(v1::connect_account_request::Credentials::Bluesky(
                v1::BlueskyCredentials {
                    app_password: password,
                    service: proxy.url.clone(),
                },
            )),
        })
        .await
        .expect("connected")
        .into_inner();
    let text = "Selamat pagi! #KopiKita";
    let post = c.schedule_in(&brand, account.account_id, text, 2).await;

    tokio::time::timeout(Duration::from_secs(60), proxy.until_held(1))
        .await
        .expect("the dispatcher called the PDS");
    let on_the_pds = pds.list_records(&made.did, "app.bsky.feed.post").await;
    assert_eq!(on_the_pds.len(), 1, "the call went through: {on_the_pds:?}");
    app.kill_and_restart(victim).await;

    // Once the attempt's lease ends, the restarted dispatcher tries again with the same record
    // key, finds the record and records it.
    let mut c = Clients::connect(app, key).await;
    let published = c.published(&brand, &post, Duration::from_secs(60)).await;
    let records = pds.list_records(&made.did, "app.bsky.feed.post").await;
    assert_eq!(records.len(), 1, "one post on the PDS: {records:?}");
    assert_eq!(records[0]["value"]["text"], text);
    assert_eq!(
        published.published_native_id,
        records[0]["uri"].as_str().unwrap()
    );
    assert_eq!(
        published.publish_attempts, 2,
        "the second attempt found the first's post"
    );
    c.scheduling
        .get_scheduled_post(v1::GetScheduledPostRequest {
            brand_id: brand,
            post_id: post,
        })
        .await
        .expect("still readable");
}
