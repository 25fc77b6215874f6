//! The Bluesky connector against a real PDS (`tagar_testkit::pds`).

use chrono::Utc;
use secrecy::SecretString;
use serde_json::json;
use tagar_networks::bluesky::{BLOCK_COLLECTION, Bluesky, POST_COLLECTION, parse_at_uri};
use tagar_networks::{Account, Connector, Credentials, NetworkError, Publication, tid};
use tagar_testkit::pds::{PdsAccount, pds};
use uuid::Uuid;

async fn account(name: &str) -> (PdsAccount, Credentials) {
    let pds = pds();
    let made = pds.create_account(&unique(name)).await;
    let app_password = pds.create_app_password(&made, "tagar").await;
    let credentials =
        Credentials::bluesky(&pds.url, &made.handle, SecretString::from(app_password)).unwrap();
    (made, credentials)
}

fn unique(name: &str) -> String {
    format!("{name}{}", &Uuid::new_v4().simple().to_string()[..8])
}

fn post(key: Uuid, text: &str) -> Publication<'_> {
    Publication::new(key, text)
}

#[tokio::test]
async fn a_post_is_published_once_however_often_it_is_sent() {
    let (made, credentials) = account("kopi").await;
    let bluesky = Bluesky::new();
    let identity = bluesky.verify(&credentials).await.unwrap();
    assert_eq!(identity.native_id, made.did);

    let key = Uuid::now_v7();
    let text = "Fresh roast today #kopi https://kopi.example/menu";
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let first = bluesky.publish(&account, &post(key, text)).await.unwrap();
    assert!(!first.already);
    // A retry after a crash: another process, no session cached, the same key.
    let again = Bluesky::new()
        .publish(&account, &post(key, text))
        .await
        .unwrap();
    assert!(again.already, "{again:?}");
    assert_eq!(again.native_id, first.native_id);

    let records = pds().list_records(&made.did, POST_COLLECTION).await;
    assert_eq!(records.len(), 1, "{records:?}");
    let (repo, _, rkey) = parse_at_uri(&first.native_id).unwrap();
    assert_eq!(
        (repo, rkey),
        (made.did.as_str(), tid::for_post(key).as_str())
    );
    let value = &records[0]["value"];
    assert_eq!(value["text"], text);
    let features: Vec<_> = value["facets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["features"][0]["$type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        features,
        [
            "app.bsky.richtext.facet#tag",
            "app.bsky.richtext.facet#link"
        ]
    );
}

#[tokio::test]
async fn replies_quotes_deletes_and_blocks_are_records_on_the_pds() {
    let (brand, credentials) = account("brand").await;
    let (customer, customer_credentials) = account("customer").await;
    let bluesky = Bluesky::new();
    let as_customer = Account {
        id: Uuid::new_v4(),
        credentials: &customer_credentials,
    };
    let as_brand = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let question = bluesky
        .publish(
            &as_customer,
            &post(Uuid::now_v7(), "is the cafe open on sunday?"),
        )
        .await
        .unwrap();
    let answer_text = format!("@{} yes, from 8 until 14", customer.handle);
    let answer = Publication {
        reply_to: Some(&question.native_id),
        ..post(Uuid::now_v7(), &answer_text)
    };
    let answer = bluesky.publish(&as_brand, &answer).await.unwrap();
    let (_, _, rkey) = parse_at_uri(&answer.native_id).unwrap();
    let record = pds()
        .get_record(&brand.did, POST_COLLECTION, rkey)
        .await
        .unwrap();
    assert_eq!(
        record["value"]["reply"]["parent"]["uri"],
        question.native_id
    );
    assert_eq!(record["value"]["reply"]["root"]["uri"], question.native_id);
    assert_eq!(
        record["value"]["facets"][0]["features"][0]["did"], customer.did,
        "the mention is resolved to the customer's DID"
    );

    let quote = Publication {
        quote: Some(&question.native_id),
        ..post(Uuid::now_v7(), "our most asked question this week")
    };
    let quote = bluesky.publish(&as_brand, &quote).await.unwrap();
    let (_, _, rkey) = parse_at_uri(&quote.native_id).unwrap();
    let record = pds()
        .get_record(&brand.did, POST_COLLECTION, rkey)
        .await
        .unwrap();
    assert_eq!(
        record["value"]["embed"]["record"]["uri"],
        question.native_id
    );

    bluesky.delete(&as_brand, &quote.native_id).await.unwrap();
    assert!(
        pds()
            .get_record(&brand.did, POST_COLLECTION, rkey)
            .await
            .is_none()
    );
    bluesky.delete(&as_brand, &quote.native_id).await.unwrap();
    let err = bluesky
        .delete(&as_brand, &question.native_id)
        .await
        .unwrap_err();
    assert!(matches!(err, NetworkError::Refused { .. }), "{err}");

    let block = bluesky.block(&as_brand, &customer.did).await.unwrap();
    assert_eq!(
        bluesky.block(&as_brand, &customer.did).await.unwrap(),
        block
    );
    let blocks = pds().list_records(&brand.did, BLOCK_COLLECTION).await;
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0]["value"]["subject"], customer.did);
}

#[tokio::test]
async fn a_revoked_app_password_is_unauthorized_and_a_wrong_one_too() {
    let (made, credentials) = account("revoked").await;
    let bluesky = Bluesky::new();
    bluesky.verify(&credentials).await.unwrap();
    pds().revoke_app_password(&made, "tagar").await;
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let err = bluesky
        .publish(&account, &post(Uuid::now_v7(), "hello"))
        .await
        .unwrap_err();
    assert!(matches!(err, NetworkError::Unauthorized { .. }), "{err}");
    assert!(!err.is_retryable());

    let wrong =
        Credentials::bluesky(&pds().url, &made.handle, SecretString::from("wrong-pass")).unwrap();
    let err = bluesky.verify(&wrong).await.unwrap_err();
    assert!(matches!(err, NetworkError::Unauthorized { .. }), "{err}");
    assert!(!err.to_string().contains("wrong-pass"), "{err}");
}

#[tokio::test]
async fn an_unreachable_pds_is_unavailable_not_refused() {
    let credentials =
        Credentials::bluesky("http://127.0.0.1:9", "kopi.test", SecretString::from("x")).unwrap();
    let err = Bluesky::new().verify(&credentials).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[tokio::test]
async fn the_firehose_carries_a_reply_with_its_thread_and_mentions_and_resumes_from_a_cursor() {
    use tagar_networks::bluesky::firehose::{Event, Firehose};
    let (brand, brand_credentials) = account("fhbrand").await;
    let (customer, customer_credentials) = account("fhcustomer").await;
    let bluesky = Bluesky::new();
    let as_brand = Account {
        id: Uuid::new_v4(),
        credentials: &brand_credentials,
    };
    let as_customer = Account {
        id: Uuid::new_v4(),
        credentials: &customer_credentials,
    };
    let firehose = Firehose::new(&pds().url).unwrap();
    let mut live = firehose.subscribe(None).await.unwrap();
    let original = bluesky
        .publish(
            &as_brand,
            &post(Uuid::now_v7(), "Menu baru minggu ini #KopiKita"),
        )
        .await
        .unwrap();
    let reply_text = format!("@{} enak sekali! kapan buka?", brand.handle);
    let reply = Publication {
        reply_to: Some(&original.native_id),
        ..post(Uuid::now_v7(), &reply_text)
    };
    let reply = bluesky.publish(&as_customer, &reply).await.unwrap();

    let mut heard = Vec::new();
    let mut seqs = Vec::new();
    // Other tests write to the same PDS: read until this test's reply went by.
    while !heard
        .iter()
        .any(|p: &tagar_networks::bluesky::firehose::HeardPost| p.uri == reply.native_id)
    {
        let event = tokio::time::timeout(std::time::Duration::from_secs(20), live.next())
            .await
            .expect("the firehose carries the posts within 20 s")
            .expect("the stream stays open")
            .unwrap();
        seqs.extend(event.seq());
        if let Event::Commit(commit) = event {
            heard.extend(commit.posts);
        }
    }
    let got = heard.iter().find(|p| p.uri == reply.native_id).unwrap();
    assert_eq!(got.author, customer.did);
    assert_eq!(got.text, reply_text);
    assert_eq!(
        got.reply_parent.as_deref(),
        Some(original.native_id.as_str())
    );
    assert_eq!(got.reply_root.as_deref(), Some(original.native_id.as_str()));
    assert_eq!(got.mentions, std::slice::from_ref(&brand.did));
    assert!(got.addressed_to().any(|did| did == brand.did));
    assert!(got.created_at.is_some());
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    // From a cursor: the events after it are replayed, in order, and nothing before it.
    let first = seqs[0];
    let mut resumed = firehose.subscribe(Some(first)).await.unwrap();
    let next = tokio::time::timeout(std::time::Duration::from_secs(20), resumed.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(next.seq(), Some(seqs[1]));
    assert_eq!(
        bluesky
            .handle_of(&pds().url.parse().unwrap(), &customer.did)
            .await
            .unwrap(),
        customer.handle
    );
}

#[tokio::test]
async fn the_author_of_a_thread_hides_a_reply_in_its_gate_and_nobody_else_can() {
    use tagar_networks::bluesky::THREADGATE_COLLECTION;
    let (brand, brand_credentials) = account("hidebrand").await;
    let (_, troll_credentials) = account("hidetroll").await;
    let bluesky = Bluesky::new();
    let as_brand = Account {
        id: Uuid::new_v4(),
        credentials: &brand_credentials,
    };
    let as_troll = Account {
        id: Uuid::new_v4(),
        credentials: &troll_credentials,
    };
    let thread = bluesky
        .publish(&as_brand, &post(Uuid::now_v7(), "Promo akhir pekan"))
        .await
        .unwrap();
    let mut replies = Vec::new();
    for text in ["jelek", "jelek sekali"] {
        let reply = Publication {
            reply_to: Some(&thread.native_id),
            ..post(Uuid::now_v7(), text)
        };
        replies.push(bluesky.publish(&as_troll, &reply).await.unwrap().native_id);
    }
    for reply in &replies {
        bluesky.hide_reply(&as_brand, reply).await.unwrap();
    }
    bluesky.hide_reply(&as_brand, &replies[0]).await.unwrap();
    let (_, _, root_rkey) = parse_at_uri(&thread.native_id).unwrap();
    let gate = pds()
        .get_record(&brand.did, THREADGATE_COLLECTION, root_rkey)
        .await
        .expect("a thread gate");
    assert_eq!(gate["value"]["post"], thread.native_id);
    assert_eq!(
        gate["value"]["hiddenReplies"],
        serde_json::json!(replies),
        "each once"
    );
    // The troll cannot hide replies in the brand's thread, nor the brand a post that is no reply.
    let err = bluesky
        .hide_reply(&as_troll, &replies[0])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("only the thread's author"),
        "{err}"
    );
    let err = bluesky
        .hide_reply(&as_brand, &thread.native_id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a reply"), "{err}");
}

#[tokio::test]
async fn mutes_reports_and_counts_go_through_the_pds_to_the_appview_and_moderation() {
    let (brand, brand_credentials) = account("brand").await;
    let (fan, fan_credentials) = account("fan").await;
    let bluesky = Bluesky::new();
    let as_brand = Account {
        id: Uuid::new_v4(),
        credentials: &brand_credentials,
    };
    let as_fan = Account {
        id: Uuid::new_v4(),
        credentials: &fan_credentials,
    };
    let promo = bluesky
        .publish(&as_brand, &post(Uuid::now_v7(), "Promo kopi susu hari ini"))
        .await
        .unwrap();
    let rude = bluesky
        .publish(&as_fan, &post(Uuid::now_v7(), "kopi kalian sampah"))
        .await
        .unwrap();

    // A like on the brand's post shows in its counts once the AppView has indexed it.
    let cid = promo.version.clone().expect("a cid");
    let like = json!({
        "$type": "app.bsky.feed.like",
        "subject": { "uri": promo.native_id, "cid": cid },
        "createdAt": Utc::now().to_rfc3339(),
    });
    pds().create_record(&fan, "app.bsky.feed.like", like).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let counts = loop {
        match bluesky.counts(&as_brand, &promo.native_id).await {
            Ok(counts) if counts.likes == 1 => break counts,
            Ok(_) | Err(NetworkError::Unavailable { .. }) => {}
            Err(e) => panic!("counts: {e}"),
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the like was never counted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert_eq!((counts.reposts, counts.replies), (0, 0));
    let gone = format!("at://{}/app.bsky.feed.post/3zzzzzzzzzzzz", brand.did);
    assert!(matches!(
        bluesky.counts(&as_brand, &gone).await,
        Err(NetworkError::Refused { .. })
    ));

    // Muted: the AppView lists the fan among the brand's mutes.
    bluesky.mute(&as_brand, &fan.did).await.unwrap();
    let mutes = pds()
        .get_as(&brand, "app.bsky.graph.getMutes", &[])
        .await
        .expect("getMutes");
    let muted: Vec<&str> = mutes["mutes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["did"].as_str())
        .collect();
    assert_eq!(muted, [fan.did.as_str()]);

    // Reported to the moderation service, the post or (not shown) its author.
    bluesky
        .report(
            &as_brand,
            &rude.native_id,
            &fan.did,
            "abusive reply to our promo",
        )
        .await
        .unwrap();
    assert!(matches!(
        bluesky.mute(&as_brand, "not-a-did").await,
        Err(NetworkError::Refused { .. })
    ));
}
