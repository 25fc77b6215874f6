//! Listening by polling, every service running: what people say to a brand's Mastodon and X
//! accounts (mentions), and what they post with the brand's hashtag (search), is heard
//! through scheduling's listener, taken in by ingest (addressed to the brand, or matched by
//! its rule), classified by moderation and counted by analytics, each once.
//! The networks are the harness's servers of their documented endpoints.

mod support;

use std::time::Duration;

use secrecy::SecretString;
use tagar_kernel::testing::{TestApp, brand_listening, eventually};
use tagar_kernel::{Mode, both_modes};
use tagar_model::TenantId;
use tagar_networks::x::X;
use tagar_networks::{Account, Connector, Credentials, Publication};
use tagar_proto::topics;
use tagar_proto::v1::{self, envelope::Event};
use tagar_runtime::auth::{BrandScope, Role};
use tagar_testkit::mastodon::MastodonServer;
use tagar_testkit::x::XServer;
use uuid::Uuid;

async fn mentions_on_mastodon_and_x_reach_the_brand(mode: Mode) {
    let mastodon = MastodonServer::start().await;
    let x = XServer::start().await;
    let app = TestApp::start_with(mode, support::all_services(), |settings| {
        settings.networks.poll_seconds = 1;
    })
    .await;
    let session = app
        .session(TenantId::new(), Role::Admin, BrandScope::All)
        .await;
    let (mut scheduling, mut ingest) = (session.scheduling(), session.ingest());
    let brand = brand_listening(
        &mut scheduling,
        &mut ingest,
        ("Kopi Kita", "Asia/Jakarta"),
        "KopiKitaRasa",
    )
    .await;
    let (_, token) = mastodon.create_account("kopikita");
    scheduling
        .connect_account(v1::ConnectAccountRequest {
            brand_id: brand.clone(),
            network: v1::Network::Mastodon as i32,
            handle: "kopikita".into(),
            credentials: Some(v1::connect_account_request::Credentials::Mastodon(
                v1::MastodonCredentials {
                    instance: mastodon.url.clone(),
                    access_token: token,
                },
            )),
        })
        .await
        .unwrap();
    let tokens = x.create_user("kopikita", chrono::Duration::hours(2));
    scheduling
        .connect_account(v1::ConnectAccountRequest {
            brand_id: brand.clone(),
            network: v1::Network::X as i32,
            handle: "kopikita".into(),
            credentials: Some(v1::connect_account_request::Credentials::X(
                v1::XCredentials {
                    client_id: "tagar-app".into(),
                    access_token: tokens.access_token.clone(),
                    refresh_token: tokens.refresh_token.clone(),
                    expires_in_seconds: 7200,
                    api: x.url.clone(),
                },
            )),
        })
        .await
        .unwrap();

    // People on the networks, not through Tagar.
    let (fan, _) = mastodon.create_account("budi");
    let toot = mastodon.post_as(&fan, "@kopikita kopi kalian basi, dasar bodoh");
    let tweeter = x.create_user("sari", chrono::Duration::hours(2));
    let tweeter_creds = Credentials::x(
        &x.url,
        "another-app",
        SecretString::from(tweeter.access_token.clone()),
        SecretString::from(tweeter.refresh_token.clone()),
        None,
    )
    .unwrap();
    let tweet_as = |text: &'static str| {
        let creds = tweeter_creds.clone();
        async move {
            X::new()
                .publish(
                    &Account {
                        id: Uuid::new_v4(),
                        credentials: &creds,
                    },
                    &Publication::new(Uuid::now_v7(), text),
                )
                .await
                .unwrap()
                .native_id
        }
    };
    let tweet = tweet_as("@kopikita kapan buka cabang Bandung?").await;
    // Not addressed to the brand, but carrying its hashtag: heard by searching the networks
    // for the brand's listening rules (X's recent search, Mastodon's hashtag timeline), and
    // matched by ingest's rules like a pushed post. What carries neither is not heard.
    let tagged_tweet = tweet_as("#KopiKitaRasa mantap, antre dari pagi").await;
    let tagged_toot = mastodon.post_as(&fan, "Hari ini #KopiKitaRasa enak sekali");
    tweet_as("kopi di tempat lain").await;
    mastodon.post_as(&fan, "tidak ada tagar di sini");

    let mut ingested = app.reader(topics::POSTS_INGESTED).await;
    let seen = ingested
        .until(
            Duration::from_secs(60),
            "the mentions and the tagged posts ingested",
            |seen| {
                [&toot, &tweet, &tagged_tweet, &tagged_toot]
                    .iter()
                    .all(|id| {
                        seen.iter().any(|e| {
                            matches!(&e.event, Some(Event::PostIngested(p))
                    if p.post.as_ref().is_some_and(|post| &post.native_id == *id))
                        })
                    })
            },
        )
        .await;
    for (id, source) in [
        (&toot, "mastodon"),
        (&tweet, "x"),
        (&tagged_toot, "mastodon"),
        (&tagged_tweet, "x"),
    ] {
        let found = seen
            .iter()
            .find_map(|e| match &e.event {
                Some(Event::PostIngested(p))
                    if p.post.as_ref().is_some_and(|post| &post.native_id == id) =>
                {
                    Some(p.clone())
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(found.source, source);
        assert_eq!(found.matches.len(), 1, "{found:?}");
        assert_eq!(
            found.matches[0].brand_id, brand,
            "addressed to the brand, or its rule"
        );
    }
    let mut moderation = app.reader(topics::MODERATION_EVENTS).await;
    moderation
        .find(
            Duration::from_secs(60),
            "the abusive toot classified",
            |e| {
                matches!(&e.event, Some(Event::PostClassified(c)) if c.native_id == toot)
                    .then_some(())
            },
        )
        .await;
    let analytics = session.analytics();
    let mentions = || {
        let (analytics, brand) = (analytics.clone(), brand.clone());
        async move { support::mentions(&analytics, &brand).await }
    };
    eventually(Duration::from_secs(60), "the four counted", || {
        let mentions = mentions();
        async move { (mentions.await? >= 4).then_some(()) }
    })
    .await;
    // More polls go by: the cursors keep each counted once, and the untagged posts unheard.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(mentions().await, Some(4));
    app.stop().await;
}

both_modes!(mentions_on_mastodon_and_x_reach_the_brand);
