//! Tagar on a real Bluesky PDS, every service running: a brand's account connected with an
//! app password publishes a scheduled post there, and what the network says back (a reply to
//! it, a post with the brand's hashtag) comes in through the firehose into ingest,
//! moderation and analytics; what neither addresses the brand nor matches its rules does not.

mod support;

use std::time::Duration;

use chrono::Utc;
use secrecy::SecretString;
use tagar_kernel::testing::{TestApp, brand_listening, eventually};
use tagar_kernel::{Mode, both_modes};
use tagar_model::TenantId;
use tagar_networks::bluesky::Bluesky;
use tagar_networks::{Account, Connector, Credentials, Publication};
use tagar_proto::topics;
use tagar_proto::v1::{self, envelope::Event};
use tagar_runtime::auth::{BrandScope, Role};
use tagar_testkit::pds::{PdsAccount, pds};
use uuid::Uuid;

fn unique(name: &str) -> String {
    format!("{name}{}", &Uuid::new_v4().simple().to_string()[..8])
}

async fn someone(name: &str) -> (PdsAccount, Credentials) {
    let made = pds().create_account(&unique(name)).await;
    let password = pds().create_app_password(&made, "app").await;
    let credentials =
        Credentials::bluesky(&pds().url, &made.handle, SecretString::from(password)).unwrap();
    (made, credentials)
}

async fn say(credentials: &Credentials, text: &str, reply_to: Option<&str>) -> String {
    let account = Account {
        id: Uuid::new_v4(),
        credentials,
    };
    let post = Publication {
        reply_to,
        ..Publication::new(Uuid::now_v7(), text)
    };
    Bluesky::new()
        .publish(&account, &post)
        .await
        .unwrap()
        .native_id
}

/// Waits for the review case of the post `native_id` in `brand`'s queue and decides it as a
/// moderator would; the case.
async fn decide(
    api: &tagar_client::ModerationClient,
    brand: &str,
    native_id: &str,
    decision: v1::Decision,
) -> v1::ReviewCase {
    let case = eventually(Duration::from_secs(60), "the post's review case", || {
        let (mut api, brand) = (api.clone(), brand.to_owned());
        async move {
            api.list_review_cases(v1::ListReviewCasesRequest {
                brand_id: brand,
                ..Default::default()
            })
            .await
            .ok()?
            .into_inner()
            .cases
            .into_iter()
            .find(|c| c.native_id == native_id)
        }
    })
    .await;
    api.clone()
        .decide_case(v1::DecideCaseRequest {
            brand_id: brand.to_owned(),
            case_id: case.case_id.clone(),
            decision: decision as i32,
            note: "abusive".into(),
            expected_version: 0,
        })
        .await
        .expect("decide the case");
    case
}

async fn a_reply_on_bluesky_reaches_ingest_moderation_and_analytics(mode: Mode) {
    let brand_account = pds().create_account(&unique("kopi")).await;
    let app_password = pds().create_app_password(&brand_account, "tagar").await;
    let app = TestApp::start_with(mode, support::all_services(), |settings| {
        settings.networks.bluesky_firehose = Some(pds().url.clone());
    })
    .await;
    let session = app
        .session(TenantId::new(), Role::Admin, BrandScope::All)
        .await;
    let (mut scheduling, mut ingest) = (session.scheduling(), session.ingest());
    let tag = format!("KopiKita{}", &Uuid::new_v4().simple().to_string()[..6]);
    let brand = brand_listening(
        &mut scheduling,
        &mut ingest,
        ("Kopi Kita", "Asia/Jakarta"),
        &tag,
    )
    .await;
    let account = scheduling
        .connect_account(v1::ConnectAccountRequest {
            brand_id: brand.clone(),
            network: v1::Network::Bluesky as i32,
            handle: brand_account.handle.clone(),
            credentials: Some(v1::connect_account_request::Credentials::Bluesky(
                v1::BlueskyCredentials {
                    service: pds().url.clone(),
                    app_password,
                },
            )),
        })
        .await
        .unwrap()
        .into_inner();

    // The brand posts, through Tagar, for real.
    let at = (Utc::now() + chrono::Duration::seconds(2)).with_timezone(&chrono_tz::Asia::Jakarta);
    let draft = scheduling
        .create_draft(v1::CreateDraftRequest {
            brand_id: brand.clone(),
            account_id: account.account_id.clone(),
            text: "Menu baru minggu ini: es kopi pandan".into(),
            media: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    scheduling
        .approve_post(v1::ApprovePostRequest {
            brand_id: brand.clone(),
            post_id: draft.post_id.clone(),
            expected_version: 0,
        })
        .await
        .unwrap();
    scheduling
        .schedule_post(v1::SchedulePostRequest {
            brand_id: brand.clone(),
            post_id: draft.post_id.clone(),
            local_time: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            expected_version: 0,
        })
        .await
        .unwrap();
    let published = eventually(
        Duration::from_secs(30),
        "the brand's post published",
        || {
            let (mut scheduling, brand, post) =
                (scheduling.clone(), brand.clone(), draft.post_id.clone());
            async move {
                let post = scheduling
                    .get_scheduled_post(v1::GetScheduledPostRequest {
                        brand_id: brand,
                        post_id: post,
                    })
                    .await
                    .ok()?
                    .into_inner();
                (post.state() == v1::PostState::Published).then_some(post.published_native_id)
            }
        },
    )
    .await;

    // The network answers: a customer replies (no hashtag), a fan uses the brand's tag, and
    // a stranger says something that concerns no brand.
    let (customer_account, customer) = someone("customer").await;
    let (_, fan) = someone("fan").await;
    let (_, stranger) = someone("stranger").await;
    let reply = say(&customer, "kopi kalian basi, dasar bodoh", Some(&published)).await;
    let fan_post = say(&fan, &format!("pagi ini mampir, enak! #{tag}"), None).await;
    let unrelated = say(&stranger, "hujan lagi di Bandung", None).await;

    let mut ingested = app.reader(topics::POSTS_INGESTED).await;
    let heard = ingested
        .until(
            Duration::from_secs(60),
            "the reply and the fan's post",
            |seen| {
                [&reply, &fan_post].iter().all(|uri| {
                    seen.iter().any(|e| {
                        matches!(&e.event, Some(Event::PostIngested(p))
                    if p.post.as_ref().is_some_and(|post| &post.native_id == *uri))
                    })
                })
            },
        )
        .await;
    let ingested_post = |uri: &str| {
        heard.iter().find_map(|e| match &e.event {
            Some(Event::PostIngested(p))
                if p.post.as_ref().is_some_and(|post| post.native_id == uri) =>
            {
                Some(p.clone())
            }
            _ => None,
        })
    };
    let the_reply = ingested_post(&reply).unwrap();
    assert_eq!(the_reply.source, "bluesky");
    assert_eq!(the_reply.matches.len(), 1);
    assert_eq!(
        the_reply.matches[0].brand_id, brand,
        "addressed to the brand's account"
    );
    let reply_post = the_reply.post.as_ref().unwrap();
    assert_eq!(reply_post.network(), v1::Network::Bluesky);
    assert_eq!(
        reply_post.reply_to.as_ref().map(|r| r.native_id.as_str()),
        Some(published.as_str())
    );
    assert!(
        reply_post
            .author
            .as_ref()
            .unwrap()
            .handle
            .starts_with("customer")
    );
    let the_fan_post = ingested_post(&fan_post).unwrap();
    assert_eq!(the_fan_post.matches[0].brand_id, brand);
    assert_eq!(
        the_fan_post.matches[0].rule_ids.len(),
        1,
        "by its hashtag rule"
    );
    assert!(
        ingested_post(&unrelated).is_none(),
        "a post for nobody is not taken in"
    );

    let mut moderation = app.reader(topics::MODERATION_EVENTS).await;
    moderation
        .find(Duration::from_secs(60), "the reply classified", |e| {
            matches!(&e.event, Some(Event::PostClassified(c)) if c.native_id == reply).then_some(())
        })
        .await;
    // A moderator blocks the abusive customer: the block is a record on the brand's repo.
    let moderation_api = session.moderation();
    let case = decide(&moderation_api, &brand, &reply, v1::Decision::BlockAuthor).await;
    assert_eq!(case.author_id, customer_account.did);
    let blocks = eventually(Duration::from_secs(60), "the block on the PDS", || async {
        let blocks = pds()
            .list_records(
                &brand_account.did,
                tagar_networks::bluesky::BLOCK_COLLECTION,
            )
            .await;
        (!blocks.is_empty()).then_some(blocks)
    })
    .await;
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0]["value"]["subject"], customer_account.did.as_str());

    // Another abusive reply, hidden by a moderator: it joins the thread gate's hidden replies.
    let (_, heckler) = someone("heckler").await;
    let heckle = say(&heckler, "dasar bodoh, kopi basi", Some(&published)).await;
    decide(&moderation_api, &brand, &heckle, v1::Decision::Hide).await;
    let (_, _, root_rkey) = tagar_networks::bluesky::parse_at_uri(&published).unwrap();
    let root_rkey = root_rkey.to_owned();
    eventually(
        Duration::from_secs(60),
        "the reply hidden on the PDS",
        || {
            let (did, rkey, heckle) =
                (brand_account.did.clone(), root_rkey.clone(), heckle.clone());
            async move {
                let gate = pds()
                    .get_record(&did, tagar_networks::bluesky::THREADGATE_COLLECTION, &rkey)
                    .await?;
                (gate["value"]["hiddenReplies"] == serde_json::json!([heckle])).then_some(())
            }
        },
    )
    .await;

    let analytics = session.analytics();
    eventually(
        Duration::from_secs(60),
        "the brand's mentions counted",
        || {
            let (analytics, brand) = (analytics.clone(), brand.clone());
            async move { (support::mentions(&analytics, &brand).await? >= 2).then_some(()) }
        },
    )
    .await;
    app.stop().await;
}

both_modes!(a_reply_on_bluesky_reaches_ingest_moderation_and_analytics);

async fn the_firehose_resumes_from_its_cursor_across_a_restart(mode: Mode) {
    let mut app = TestApp::start_with(mode, support::all_services(), |settings| {
        settings.networks.bluesky_firehose = Some(pds().url.clone());
    })
    .await;
    let tenant = TenantId::new();
    let session = app.session(tenant, Role::Admin, BrandScope::All).await;
    let (mut scheduling, mut ingest) = (session.scheduling(), session.ingest());
    let tag = format!("TehMelati{}", &Uuid::new_v4().simple().to_string()[..6]);
    let brand = brand_listening(
        &mut scheduling,
        &mut ingest,
        ("Teh Melati", "Asia/Tehran"),
        &tag,
    )
    .await;
    // A linked account makes the tenant one that listens to Bluesky.
    let brand_account = pds().create_account(&unique("tehmelati")).await;
    let app_password = pds().create_app_password(&brand_account, "tagar").await;
    scheduling
        .connect_account(v1::ConnectAccountRequest {
            brand_id: brand.clone(),
            network: v1::Network::Bluesky as i32,
            handle: brand_account.handle.clone(),
            credentials: Some(v1::connect_account_request::Credentials::Bluesky(
                v1::BlueskyCredentials {
                    service: pds().url.clone(),
                    app_password,
                },
            )),
        })
        .await
        .unwrap();
    let (_, fan) = someone("fan").await;
    let first = say(&fan, &format!("chai pagi #{tag}"), None).await;
    let mut ingested = app.reader(topics::POSTS_INGESTED).await;
    ingested
        .find(Duration::from_secs(60), "the first post", |e| {
            matches!(&e.event, Some(Event::PostIngested(p))
                if p.post.as_ref().is_some_and(|post| post.native_id == first))
            .then_some(())
        })
        .await;

    // Posts made while Tagar restarts: the listener resumes after the stored cursor.
    let texts: Vec<String> = (0..5).map(|i| format!("cangkir ke-{i} #{tag}")).collect();
    let fan_posts = async {
        let mut uris = Vec::new();
        for text in &texts {
            uris.push(say(&fan, text, None).await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        uris
    };
    let ((), during) = tokio::join!(app.restart(), fan_posts);
    // A new connection: the restarted process listens on a new port.
    let session = app.session(tenant, Role::Admin, BrandScope::All).await;
    let analytics = session.analytics();
    let mentions = || {
        let (analytics, brand) = (analytics.clone(), brand.clone());
        async move { support::mentions(&analytics, &brand).await }
    };
    eventually(Duration::from_secs(90), "every post counted", || {
        let mentions = mentions();
        async move { (mentions.await? >= 6).then_some(()) }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        mentions().await,
        Some(6),
        "each of {during:?} and the first counted once"
    );
    app.stop().await;
}

both_modes!(the_firehose_resumes_from_its_cursor_across_a_restart);
