//! Listening to a Mastodon account (the harness's server of the documented endpoints): a new
//! account is looked at within seconds of being connected, and with its notification stream
//! open a mention is handed to ingest at once, not at the next poll a minute later; each
//! mention once.

mod support;

use std::time::Duration;

use tagar_kernel::{Mode, both_modes};
use tagar_proto::topics;
use tagar_proto::v1::envelope::Event;
use tagar_runtime::auth::{BrandScope, Role};
use tagar_testkit::mastodon::MastodonServer;

async fn a_mention_is_heard_at_once_through_the_stream(mode: Mode) {
    let server = MastodonServer::start().await;
    let (_, token) = server.create_account("kopikita");
    let (fan, _) = server.create_account("budi");
    // The system's own listener polls each account every 60 s (the default).
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let brand = support::jakarta_brand(&mut admin).await;
    let account = support::connect_mastodon(&mut admin, &brand, &server.url, token).await;
    // Looked at (and its stream opened) within seconds of being connected.
    let store = system.platform().store.clone();
    tagar_kernel::testing::eventually(Duration::from_secs(15), "the first look", || {
        let (store, account) = (store.clone(), account.account_id.clone());
        async move {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM scheduling_listen_cursors WHERE account_id = $1",
            )
            .bind(account)
            .fetch_one(store.pool())
            .await
            .ok()?;
            (n == 1).then_some(())
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut heard = system.reader(topics::NETWORK_HEARD).await;
    for text in ["@kopikita kapan buka?", "@kopikita dan yang di Bandung?"] {
        let id = server.post_as(&fan, text);
        let delivered = heard
            .find(Duration::from_secs(15), text, |e| match &e.event {
                Some(Event::NetworkPostDelivered(d)) => d.post.clone(),
                _ => None,
            })
            .await;
        assert_eq!(
            delivered.native_id, id,
            "{text}: the new mention, once, in order"
        );
        assert_eq!(delivered.text, text);
    }
    assert!(
        heard.for_a_while(Duration::from_secs(2)).await.is_empty(),
        "nothing twice"
    );
    system.stop().await;
}

both_modes!(a_mention_is_heard_at_once_through_the_stream);
