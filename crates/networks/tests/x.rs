//! The X connector against `tagar_testkit::x`, a server of the documented API v2 endpoints
//! and semantics it uses: rotating refresh tokens, duplicate content, rate limits, and
//! finding a post an earlier attempt made, since X has no idempotency key.

use chrono::Utc;
use secrecy::SecretString;
use tagar_networks::x::X;
use tagar_networks::{Account, Connector, Credentials, NetworkError, Publication, SearchTerm};
use tagar_testkit::x::{XServer, XTokens};
use uuid::Uuid;

fn credentials(server: &XServer, tokens: &XTokens, expires_in: i64) -> Credentials {
    Credentials::x(
        &server.url,
        "tagar-app",
        SecretString::from(tokens.access_token.clone()),
        SecretString::from(tokens.refresh_token.clone()),
        Some(Utc::now() + chrono::Duration::seconds(expires_in)),
    )
    .unwrap()
}

/// A user who authorized the app, and their credentials (a two-hour access token).
fn user(server: &XServer, name: &str) -> (XTokens, Credentials) {
    let tokens = server.create_user(name, chrono::Duration::hours(2));
    let creds = credentials(server, &tokens, 7200);
    (tokens, creds)
}

/// Acting as the account with `credentials` (a process of its own: no tokens cached).
fn acting(credentials: &Credentials) -> Account<'_> {
    Account {
        id: Uuid::new_v4(),
        credentials,
    }
}

fn post(text: &str, attempt: u32) -> Publication<'_> {
    Publication {
        attempt,
        first_attempt_at: (attempt > 1).then(|| Utc::now() - chrono::Duration::minutes(2)),
        ..Publication::new(Uuid::now_v7(), text)
    }
}

#[tokio::test]
async fn a_retry_finds_the_post_an_earlier_attempt_made_instead_of_posting_again() {
    let server = XServer::start().await;
    let tokens = server.create_user("kopikita", chrono::Duration::hours(2));
    let creds = credentials(&server, &tokens, 7200);
    let x = X::new();
    let who = x.verify(&creds).await.unwrap();
    assert_eq!(
        (who.native_id.as_str(), who.handle.as_str()),
        (tokens.user.as_str(), "kopikita")
    );
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &creds,
    };
    let first = x
        .publish(&account, &post("Selamat pagi #KopiKita", 1))
        .await
        .unwrap();
    assert!(!first.already);
    // The process died before recording it; attempt 2 looks first and finds it.
    let again = x
        .publish(&account, &post("Selamat pagi #KopiKita", 2))
        .await
        .unwrap();
    assert!(again.already);
    assert_eq!(again.native_id, first.native_id);
    // A first attempt that meets duplicate content looks too (the same text posted by hand).
    let dup = x
        .publish(&account, &post("Selamat pagi #KopiKita", 1))
        .await
        .unwrap();
    assert_eq!(
        (dup.native_id.as_str(), dup.already),
        (first.native_id.as_str(), true)
    );
    assert_eq!(server.posts_of(&tokens.user), ["Selamat pagi #KopiKita"]);

    x.delete(&account, &first.native_id).await.unwrap();
    assert!(server.posts_of(&tokens.user).is_empty());
    let troll = server.create_user("troll", chrono::Duration::hours(2));
    x.block(&account, &troll.user).await.unwrap();
    assert_eq!(
        server.blocks_of(&tokens.user),
        std::slice::from_ref(&troll.user)
    );
    assert!(matches!(
        x.block(&account, "../x").await.unwrap_err(),
        NetworkError::Refused { .. }
    ));
}

#[tokio::test]
async fn tokens_are_refreshed_before_they_expire_and_the_rotated_pair_is_handed_out() {
    let server = XServer::start().await;
    let tokens = server.create_user("batikayu", chrono::Duration::seconds(60));
    // Expires within the refresh margin: refreshed before the call.
    let creds = credentials(&server, &tokens, 60);
    let x = X::new();
    let id = Uuid::new_v4();
    let account = Account {
        id,
        credentials: &creds,
    };
    x.publish(&account, &post("batik baru", 1)).await.unwrap();
    assert_eq!(server.refreshes(), 1);
    let renewed = x.refreshed(id).expect("the new pair, to store");
    assert!(x.refreshed(id).is_none(), "handed out once");
    let Credentials::X { refresh_token, .. } = &renewed else {
        panic!("{renewed:?}")
    };
    use secrecy::ExposeSecret as _;
    assert_ne!(
        refresh_token.expose_secret(),
        tokens.refresh_token,
        "rotated"
    );
    // Another process with the stored pair works; one with the spent pair is unauthorized.
    let later = Account {
        id: Uuid::new_v4(),
        credentials: &renewed,
    };
    X::new()
        .publish(&later, &post("batik lagi", 1))
        .await
        .unwrap();
    let spent = credentials(&server, &tokens, 0);
    let stale = Account {
        id: Uuid::new_v4(),
        credentials: &spent,
    };
    let err = X::new()
        .publish(&stale, &post("lagi", 1))
        .await
        .unwrap_err();
    assert!(matches!(err, NetworkError::Unauthorized { .. }), "{err}");
    assert!(!err.to_string().contains(&tokens.refresh_token));
}

#[tokio::test]
async fn rate_limits_and_revocation_say_what_to_do_next() {
    let server = XServer::start().await;
    let tokens = server.create_user("tehmelati", chrono::Duration::hours(2));
    let creds = credentials(&server, &tokens, 7200);
    let x = X::new();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &creds,
    };
    let reset = Utc::now() + chrono::Duration::minutes(15);
    server.limit(&tokens.user, reset);
    let err = x.publish(&account, &post("chai", 1)).await.unwrap_err();
    let NetworkError::RateLimited { retry_at, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(retry_at.timestamp(), reset.timestamp());
    server.limit(&tokens.user, Utc::now());
    server.revoke(&tokens.user);
    let err = x.publish(&account, &post("chai", 1)).await.unwrap_err();
    assert!(matches!(err, NetworkError::Unauthorized { .. }), "{err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn the_conversation_author_hides_a_reply_and_mutes_its_author() {
    let server = XServer::start().await;
    let (brand, brand_creds) = user(&server, "kopikita");
    let (troll, troll_creds) = user(&server, "troll");
    let x = X::new();
    let as_brand = acting(&brand_creds);
    let as_troll = acting(&troll_creds);
    let thread = x.publish(&as_brand, &post("Promo kopi", 1)).await.unwrap();
    let reply = Publication {
        reply_to: Some(&thread.native_id),
        ..post("payah", 1)
    };
    let reply = x.publish(&as_troll, &reply).await.unwrap();
    x.hide_reply(&as_brand, &reply.native_id).await.unwrap();
    assert!(server.is_hidden(&reply.native_id));
    let err = x
        .hide_reply(&as_troll, &thread.native_id)
        .await
        .unwrap_err();
    assert!(matches!(err, NetworkError::Refused { .. }), "{err}");
    x.mute(&as_brand, &troll.user).await.unwrap();
    assert_eq!(
        server.mutes_of(&brand.user),
        std::slice::from_ref(&troll.user)
    );
    let err = x
        .report(&as_brand, &reply.native_id, &troll.user, "abuse")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no reporting API"), "{err}");
}

#[tokio::test]
async fn mentions_are_heard_once_from_a_cursor() {
    let server = XServer::start().await;
    let (_, brand_creds) = user(&server, "kopikita");
    let (fan, fan_creds) = user(&server, "fan");
    let x = X::new();
    let as_brand = acting(&brand_creds);
    let as_fan = acting(&fan_creds);
    let thread = x.publish(&as_brand, &post("Promo kopi", 1)).await.unwrap();
    let reply = Publication {
        reply_to: Some(&thread.native_id),
        ..post("@kopikita mantap", 1)
    };
    let reply = x.publish(&as_fan, &reply).await.unwrap();
    x.publish(&as_fan, &post("tanpa sebutan", 1)).await.unwrap();
    let heard = x.mentions(&as_brand, None).await.unwrap();
    assert_eq!(heard.posts.len(), 1);
    let got = &heard.posts[0];
    assert_eq!(got.native_id.as_str(), reply.native_id);
    assert_eq!(
        (got.author.id.as_str(), got.author.handle.as_str()),
        (fan.user.as_str(), "fan")
    );
    assert_eq!(
        got.reply_to.as_ref().map(|r| r.native_id.as_str()),
        Some(thread.native_id.as_str())
    );
    let cursor = heard.cursor.unwrap();
    assert!(
        x.mentions(&as_brand, Some(&cursor))
            .await
            .unwrap()
            .posts
            .is_empty()
    );
}

#[tokio::test]
async fn a_published_post_counts_are_read_back() {
    let server = XServer::start().await;
    let (_, brand_creds) = user(&server, "kopikita");
    let (_, fan_creds) = user(&server, "fan");
    let x = X::new();
    let as_brand = acting(&brand_creds);
    let posted = x.publish(&as_brand, &post("Promo", 1)).await.unwrap();
    let reply = Publication {
        reply_to: Some(&posted.native_id),
        ..post("mau!", 1)
    };
    x.publish(
        &Account {
            id: Uuid::new_v4(),
            credentials: &fan_creds,
        },
        &reply,
    )
    .await
    .unwrap();
    server.engage(&posted.native_id, 40, 900);
    let counts = x.counts(&as_brand, &posted.native_id).await.unwrap();
    assert_eq!((counts.likes, counts.replies, counts.views), (40, 1, 900));
}

#[tokio::test]
async fn a_connector_uses_newer_tokens_another_stored_instead_of_its_own_spent_ones() {
    let server = XServer::start().await;
    let tokens = server.create_user("kopikita", chrono::Duration::seconds(60));
    let p0 = credentials(&server, &tokens, 60);
    let id = Uuid::new_v4();
    let (first, second) = (X::new(), X::new());
    // The first refreshes P0 → P1 and hands P1 to be stored.
    first
        .publish(
            &Account {
                id,
                credentials: &p0,
            },
            &post("satu", 1),
        )
        .await
        .unwrap();
    let p1 = first.refreshed(id).unwrap();
    // The second, given P1 (from the store), refreshes it when it expires → P2, stored.
    server.expire_access_tokens(&tokens.user);
    second
        .publish(
            &Account {
                id,
                credentials: &p1,
            },
            &post("dua", 1),
        )
        .await
        .unwrap();
    let p2 = second.refreshed(id).unwrap();
    // The first, given P2 now, must not go back to its own P1 (whose refresh token is spent).
    server.expire_access_tokens(&tokens.user);
    first
        .publish(
            &Account {
                id,
                credentials: &p2,
            },
            &post("tiga", 1),
        )
        .await
        .expect("the newer stored pair is used");
    assert_eq!(server.refreshes(), 3);
}

#[tokio::test]
async fn recent_search_hears_the_brands_terms_across_pages_from_a_cursor() {
    let server = XServer::start().await;
    let (_, brand_creds) = user(&server, "kopikita");
    let (_, fan_creds) = user(&server, "fan");
    let x = X::new();
    let as_brand = acting(&brand_creds);
    let as_fan = acting(&fan_creds);
    let terms = [
        SearchTerm::Hashtag("KopiKita".into()),
        SearchTerm::Keyword("es kopi susu".into()),
        SearchTerm::Handle("kopikita".into()),
    ];
    x.publish(&as_fan, &post("kemarin #kopikita", 1))
        .await
        .unwrap();
    // The first look: what is recent, and a cursor.
    let first = x.search(&as_brand, &terms, None).await.unwrap();
    assert_eq!(first.posts.len(), 1);
    let cursor = first.cursor.expect("a cursor");

    // 130 posts since: two pages of 100, read oldest first.
    let texts: Vec<String> = (0..130)
        .map(|i| match i % 3 {
            0 => format!("pagi {i} #KopiKita"),
            1 => format!("Es kopi susu {i} enak"),
            _ => format!("@kopikita nomor {i}"),
        })
        .collect();
    for text in &texts {
        x.publish(&as_fan, &post(text, 1)).await.unwrap();
    }
    x.publish(&as_fan, &post("tentang teh saja", 1))
        .await
        .unwrap();
    let heard = x.search(&as_brand, &terms, Some(&cursor)).await.unwrap();
    let got: Vec<&str> = heard.posts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(got, texts.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        heard.posts.iter().all(|p| p.author.handle == "fan"),
        "authors expanded"
    );
    let next = heard.cursor.expect("the newest");
    assert!(
        x.search(&as_brand, &terms, Some(&next))
            .await
            .unwrap()
            .posts
            .is_empty()
    );
}
