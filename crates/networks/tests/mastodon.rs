//! The Mastodon connector against `tagar_testkit::mastodon`, a server of the documented
//! endpoints and semantics it uses.

use secrecy::SecretString;
use tagar_networks::mastodon::Mastodon;
use tagar_networks::{Account, Connector, Credentials, NetworkError, Publication, SearchTerm};
use tagar_testkit::mastodon::MastodonServer;
use uuid::Uuid;

fn post(key: Uuid, text: &str) -> Publication<'_> {
    Publication::new(key, text)
}

async fn connected(server: &MastodonServer, name: &str) -> (String, String, Credentials) {
    let (id, token) = server.create_account(name);
    let credentials =
        Credentials::mastodon(&server.url, SecretString::from(token.clone())).unwrap();
    (id, token, credentials)
}

#[tokio::test]
async fn a_status_is_posted_once_per_idempotency_key() {
    let server = MastodonServer::start().await;
    let (id, _, credentials) = connected(&server, "kopikita").await;
    let mastodon = Mastodon::new();
    let who = mastodon.verify(&credentials).await.unwrap();
    assert_eq!(
        (who.native_id.as_str(), who.handle.as_str()),
        (id.as_str(), "kopikita")
    );
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let key = Uuid::now_v7();
    let first = mastodon
        .publish(&account, &post(key, "Selamat pagi #KopiKita"))
        .await
        .unwrap();
    let again = mastodon
        .publish(&account, &post(key, "Selamat pagi #KopiKita"))
        .await
        .unwrap();
    assert_eq!(
        first.native_id, again.native_id,
        "the same key is the same status"
    );
    assert_eq!(server.statuses_of(&id), ["Selamat pagi #KopiKita"]);
    let reply = Publication {
        reply_to: Some(&first.native_id),
        ..post(Uuid::now_v7(), "dan sore juga")
    };
    mastodon.publish(&account, &reply).await.unwrap();
    assert_eq!(server.statuses_of(&id).len(), 2);

    mastodon.delete(&account, &first.native_id).await.unwrap();
    mastodon.delete(&account, &first.native_id).await.unwrap();
    assert_eq!(server.statuses_of(&id), ["dan sore juga"]);
    let err = mastodon.delete(&account, "../admin").await.unwrap_err();
    assert!(matches!(err, NetworkError::Refused { .. }), "{err}");

    let (troll, _, _) = connected(&server, "troll").await;
    assert_eq!(mastodon.block(&account, &troll).await.unwrap(), troll);
    assert_eq!(server.blocks_of(&id), [troll]);
}

#[tokio::test]
async fn refusals_rate_limits_and_revoked_tokens_say_what_to_do_next() {
    let server = MastodonServer::start().await;
    let (id, token, credentials) = connected(&server, "batikayu").await;
    let mastodon = Mastodon::new();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let long = "a".repeat(501);
    let err = mastodon
        .publish(&account, &post(Uuid::now_v7(), &long))
        .await
        .unwrap_err();
    assert!(matches!(err, NetworkError::Refused { .. }), "{err}");
    assert!(err.to_string().contains("character limit"), "{err}");

    server.spend_rate_limit(&id);
    let err = mastodon
        .publish(&account, &post(Uuid::now_v7(), "hi"))
        .await
        .unwrap_err();
    let NetworkError::RateLimited { retry_at, .. } = err else {
        panic!("{err}")
    };
    let reset = server.rate_limit_reset().unwrap();
    assert!(
        (retry_at - reset).num_milliseconds().abs() < 5,
        "{retry_at} vs {reset}"
    );

    server.revoke(&token);
    let err = mastodon.verify(&credentials).await.unwrap_err();
    assert!(matches!(err, NetworkError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("revoked"), "{err}");
    assert!(!err.to_string().contains(&token));

    let down = Credentials::mastodon("http://127.0.0.1:9", SecretString::from("t")).unwrap();
    assert!(mastodon.verify(&down).await.unwrap_err().is_retryable());
}

#[tokio::test]
async fn a_moderator_mutes_and_reports_an_author_and_cannot_hide_a_reply() {
    let server = MastodonServer::start().await;
    let (id, _, credentials) = connected(&server, "tehmelati").await;
    let (troll, _, troll_credentials) = connected(&server, "troll").await;
    let mastodon = Mastodon::new();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let rude = mastodon
        .publish(
            &Account {
                id: Uuid::new_v4(),
                credentials: &troll_credentials,
            },
            &post(Uuid::now_v7(), "kalian payah"),
        )
        .await
        .unwrap();
    mastodon.mute(&account, &troll).await.unwrap();
    assert_eq!(server.mutes_of(&id), std::slice::from_ref(&troll));
    mastodon
        .report(
            &account,
            &rude.native_id,
            &troll,
            "abusive reply to our post",
        )
        .await
        .unwrap();
    assert_eq!(
        server.reports_by(&id),
        [(
            troll.clone(),
            vec![rude.native_id.clone()],
            "abusive reply to our post".to_owned()
        )]
    );
    let err = mastodon
        .hide_reply(&account, &rude.native_id)
        .await
        .unwrap_err();
    assert!(matches!(err, NetworkError::Refused { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("does not let authors hide replies"),
        "{err}"
    );
}

#[tokio::test]
async fn mentions_are_heard_once_from_a_cursor() {
    let server = MastodonServer::start().await;
    let (_, _, credentials) = connected(&server, "kopikita").await;
    let (fan, _, _) = connected(&server, "fan").await;
    let mastodon = Mastodon::new();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    server.post_as(&fan, "@kopikita enak! kapan buka?");
    server.post_as(&fan, "tidak menyebut siapa pun");
    let heard = mastodon.mentions(&account, None).await.unwrap();
    assert_eq!(heard.posts.len(), 1);
    let post = &heard.posts[0];
    assert_eq!(post.text, "@kopikita enak! kapan buka?");
    assert_eq!(
        (post.author.id.as_str(), post.author.handle.as_str()),
        (fan.as_str(), "fan")
    );
    let cursor = heard.cursor.expect("a cursor");
    assert!(
        mastodon
            .mentions(&account, Some(&cursor))
            .await
            .unwrap()
            .posts
            .is_empty()
    );
    server.post_as(&fan, "@kopikita dan satu lagi");
    let next = mastodon.mentions(&account, Some(&cursor)).await.unwrap();
    assert_eq!(next.posts.len(), 1);
    assert_eq!(next.posts[0].text, "@kopikita dan satu lagi");
}

#[tokio::test]
async fn a_published_status_counts_are_read_back() {
    let server = MastodonServer::start().await;
    let (_, _, credentials) = connected(&server, "kopikita").await;
    let mastodon = Mastodon::new();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let status = mastodon
        .publish(&account, &post(Uuid::now_v7(), "Promo"))
        .await
        .unwrap();
    server.engage(&status.native_id, 12, 3);
    let counts = mastodon.counts(&account, &status.native_id).await.unwrap();
    assert_eq!((counts.likes, counts.reposts, counts.replies), (12, 3, 0));
    let err = mastodon.counts(&account, "999").await.unwrap_err();
    assert!(matches!(err, NetworkError::Refused { .. }), "{err}");
}

#[tokio::test]
async fn the_streaming_api_signals_each_new_mention() {
    let server = MastodonServer::start().await;
    let (_, _, credentials) = connected(&server, "kopikita").await;
    let (fan, _, _) = connected(&server, "fan").await;
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let mut wake = Mastodon::new()
        .watch_mentions(&account)
        .await
        .unwrap()
        .expect("Mastodon streams notifications");
    server.post_as(&fan, "bukan untuk siapa-siapa");
    server.post_as(&fan, "@kopikita halo!");
    tokio::time::timeout(std::time::Duration::from_secs(5), wake.recv())
        .await
        .expect("a signal within 5 s")
        .expect("the stream is open");
    assert!(wake.try_recv().is_err(), "one mention, one signal");
}

#[tokio::test]
async fn hashtag_timelines_are_walked_forward_from_a_cursor() {
    let server = MastodonServer::start().await;
    let (_, _, credentials) = connected(&server, "kopikita").await;
    let (fan, _, _) = connected(&server, "fan").await;
    let mastodon = Mastodon::new();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let terms = [
        SearchTerm::Hashtag("KopiKita".into()),
        SearchTerm::Hashtag("تهران_باران".into()),
        // Not searchable on Mastodon: left out, not an error.
        SearchTerm::Keyword("es kopi".into()),
    ];
    server.post_as(&fan, "kemarin #kopikita");
    let first = mastodon.search(&account, &terms, None).await.unwrap();
    assert_eq!(first.posts.len(), 1);
    let cursor = first.cursor.expect("a cursor");

    // 90 statuses since, over both tags: more than two pages of 40 for one of them.
    let texts: Vec<String> = (0..90)
        .map(|i| match i % 4 {
            3 => format!("باران {i} #تهران_باران"),
            _ => format!("pagi {i} #KopiKita"),
        })
        .collect();
    for text in &texts {
        server.post_as(&fan, text);
    }
    server.post_as(&fan, "es kopi tanpa tagar");
    let heard = mastodon
        .search(&account, &terms, Some(&cursor))
        .await
        .unwrap();
    let got: Vec<&str> = heard.posts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(got, texts.iter().map(String::as_str).collect::<Vec<_>>());
    let next = heard.cursor.expect("the newest");
    assert!(
        mastodon
            .search(&account, &terms, Some(&next))
            .await
            .unwrap()
            .posts
            .is_empty()
    );
}

#[tokio::test]
async fn a_retry_after_the_idempotency_key_expired_finds_the_status_instead_of_posting_again() {
    let server = MastodonServer::start().await;
    let (id, _, credentials) = connected(&server, "kopikita").await;
    let mastodon = Mastodon::new();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let key = Uuid::now_v7();
    let text = "Promo #KopiKita: https://kopikita.co.id/promo & lebih";
    let first = mastodon.publish(&account, &post(key, text)).await.unwrap();
    server.post_as(&id, "another status of the brand since");
    // An outage: the dispatcher tries again more than an hour after its first attempt, when
    // the server no longer knows the key.
    server.forget_idempotency_keys();
    let late = Publication {
        attempt: 7,
        first_attempt_at: Some(chrono::Utc::now() - chrono::Duration::minutes(70)),
        ..post(key, text)
    };
    let again = mastodon.publish(&account, &late).await.unwrap();
    assert!(again.already, "{again:?}");
    assert_eq!(again.native_id, first.native_id);
    assert_eq!(server.statuses_of(&id).len(), 2, "no second copy");

    // A late retry of a post that never went out publishes it.
    let other = Publication {
        attempt: 7,
        first_attempt_at: Some(chrono::Utc::now() - chrono::Duration::minutes(70)),
        ..post(Uuid::now_v7(), "Belum pernah terbit")
    };
    let published = mastodon.publish(&account, &other).await.unwrap();
    assert!(!published.already);
    assert_eq!(server.statuses_of(&id).len(), 3);
}
