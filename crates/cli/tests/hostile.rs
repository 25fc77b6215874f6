//! Nothing one tenant sends stops the system: generated hostile posts (every field at and
//! past its bound, times from the start to the end of chrono's range, counters up to
//! `u64::MAX`, walls of hashtags, control characters and every script) pushed through the
//! running system, in both modes; then an ordinary post of another brand is classified and
//! counted as if nothing had happened.

mod support;

use std::time::Duration;

use proptest::prelude::*;
use proptest::strategy::ValueTree as _;
use proptest::test_runner::{Config, TestRng, TestRunner};
use tagar_kernel::Mode;
use tagar_kernel::testing::{TestApp, brand_listening, eventually};
use tagar_model::{TenantId, bounds};
use tagar_proto::topics;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};

/// One hostile change to an ordinary post: a field at its bound (still valid) or past it.
#[derive(Debug, Clone)]
enum Change {
    Text(String),
    NativeId(String),
    AuthorId(String),
    Handle(String),
    DisplayName(String),
    Followers(u64),
    Likes(u64),
    Views(u64),
    CreatedAt(i64, i32),
    AccountCreatedAt(i64, i32),
    Language(String),
    Conversation(String),
    Media(usize, String, String),
    Network(i32),
    NoAuthor,
}

/// `piece` repeated to exactly `len` bytes (cut at a character boundary).
fn filled(piece: &str, len: usize) -> String {
    let mut s = String::with_capacity(len + piece.len());
    while s.len() < len {
        s.push_str(piece);
    }
    let mut end = len.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s
}

/// A string at `bound` bytes, one past it, or far past it, of one of many scripts and of
/// control characters, zero-width joiners and sigils.
fn around(bound: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("kopi "),
        Just("#KopiSenja "),
        Just("@kopi "),
        Just("क्षत्रिय "),
        Just("می‌خواهم "),
        Just("\u{0}\u{202e}\u{feff} "),
        Just("👩‍👩‍👧‍👦"),
        Just("https://x.co/a "),
    ];
    let len = prop_oneof![
        3 => Just(bound),
        1 => Just(bound + 1),
        1 => Just(bound * 4 + 3),
    ];
    (piece, len).prop_map(|(piece, len)| filled(piece, len))
}

fn counter() -> impl Strategy<Value = u64> {
    prop_oneof![
        2 => Just(bounds::COUNTER_MAX),
        1 => Just(bounds::COUNTER_MAX + 1),
        1 => Just(u64::MAX),
        1 => any::<u64>(),
    ]
}

fn instant() -> impl Strategy<Value = (i64, i32)> {
    let now = chrono::Utc::now().timestamp();
    prop_oneof![
        Just((946_684_800i64, 0i32)),
        Just((now + 23 * 3_600, 999_999_999)),
        Just((946_684_799, 0)),
        Just((now + 172_800, 0)),
        Just((-8_334_601_228_800, 0)),
        Just((i64::MIN, 0)),
        Just((i64::MAX, 0)),
        Just((now, -1)),
        Just((now, 1_000_000_000)),
        any::<(i64, i32)>(),
    ]
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        around(bounds::TEXT_BYTES).prop_map(Change::Text),
        "\\PC{0,40}".prop_map(Change::Text),
        around(bounds::NATIVE_ID_BYTES).prop_map(Change::NativeId),
        around(bounds::AUTHOR_ID_BYTES).prop_map(Change::AuthorId),
        around(bounds::HANDLE_BYTES).prop_map(Change::Handle),
        around(bounds::DISPLAY_NAME_CHARS).prop_map(Change::DisplayName),
        Just(Change::DisplayName("x".repeat(2_000_000))),
        counter().prop_map(Change::Followers),
        counter().prop_map(Change::Likes),
        counter().prop_map(Change::Views),
        instant().prop_map(|(s, n)| Change::CreatedAt(s, n)),
        instant().prop_map(|(s, n)| Change::AccountCreatedAt(s, n)),
        around(bounds::LANGUAGE_BYTES).prop_map(Change::Language),
        around(bounds::CONVERSATION_ID_BYTES).prop_map(Change::Conversation),
        (
            prop_oneof![
                Just(bounds::MEDIA_PER_POST),
                Just(bounds::MEDIA_PER_POST + 1)
            ],
            around(bounds::URL_BYTES),
            around(bounds::ALT_TEXT_CHARS),
        )
            .prop_map(|(n, url, alt)| Change::Media(n, url, alt)),
        (-3i32..12).prop_map(Change::Network),
        Just(Change::NoAuthor),
    ]
}

fn apply(post: &mut v1::Post, change: Change) {
    let author = post.author.get_or_insert_with(v1::Author::default);
    match change {
        Change::Text(t) => post.text = t,
        Change::NativeId(id) => post.native_id = id,
        Change::AuthorId(id) => author.id = id,
        Change::Handle(h) => author.handle = h,
        Change::DisplayName(n) => author.display_name = n,
        Change::Followers(n) => author.followers = n,
        Change::AccountCreatedAt(seconds, nanos) => {
            author.account_created_at = Some(prost_types::Timestamp { seconds, nanos })
        }
        Change::Likes(n) => post.metrics.get_or_insert_with(Default::default).likes = n,
        Change::Views(n) => post.metrics.get_or_insert_with(Default::default).views = n,
        Change::CreatedAt(seconds, nanos) => {
            post.created_at = Some(prost_types::Timestamp { seconds, nanos })
        }
        Change::Language(l) => post.language = l,
        Change::Conversation(c) => post.conversation_id = c,
        Change::Media(n, url, alt_text) => {
            post.media = vec![
                v1::Media {
                    kind: v1::MediaKind::Image as i32,
                    url: url.trim_start().to_owned() + "u",
                    alt_text,
                    usage_rights: false,
                };
                n
            ]
        }
        Change::Network(n) => post.network = n,
        Change::NoAuthor => post.author = None,
    }
}

/// An ordinary post that mentions the targeted brand, then up to two hostile changes.
fn hostile_post() -> impl Strategy<Value = v1::Post> {
    (any::<u64>(), proptest::collection::vec(change(), 0..3)).prop_map(|(n, changes)| {
        let mut post = v1::Post {
            network: v1::Network::X as i32,
            native_id: format!("hostile-{n}"),
            author: Some(v1::Author {
                id: format!("u{n}"),
                handle: "someone".into(),
                display_name: "Someone".into(),
                ..Default::default()
            }),
            text: "ngopi dulu #KopiSenja".into(),
            created_at: Some(tagar_proto::convert::time_to_wire(chrono::Utc::now())),
            ..Default::default()
        };
        for change in changes {
            apply(&mut post, change);
        }
        post
    })
}

/// `n` hostile posts, the same for a given `seed`.
fn hostile_posts(seed: u64, n: usize) -> Vec<v1::Post> {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &bytes),
    );
    proptest::collection::vec(hostile_post(), n)
        .new_tree(&mut runner)
        .expect("posts")
        .current()
}

async fn hostile_then_ordinary(mode: Mode) {
    let app = TestApp::start(mode, support::all_services()).await;
    let session = app
        .session(TenantId::new(), Role::Admin, BrandScope::All)
        .await;
    let (mut scheduling, mut ingest) = (session.scheduling(), session.ingest());
    let zone = "Asia/Jakarta";
    // The brand the hostile posts mention, and the one the ordinary post does.
    brand_listening(
        &mut scheduling,
        &mut ingest,
        ("Kopi Senja", zone),
        "KopiSenja",
    )
    .await;
    let ordinary = brand_listening(
        &mut scheduling,
        &mut ingest,
        ("Teh Melati", zone),
        "TehMelatiPagi",
    )
    .await;

    // Three generated batches, each pushed in one stream: the stream never fails, and every
    // post is accepted, a duplicate, or rejected naming its field.
    let mut accepted = 0;
    for seed in [7, 11, 13] {
        let posts = hostile_posts(seed, 60);
        let sent = posts.len() as u64;
        // One post a message: the largest hostile post is under a message's 4 MiB.
        let answer = tagar_client::push::push_posts(&mut ingest, posts.into_iter(), 1)
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: the push failed: {e:?}"));
        assert_eq!(
            answer.accepted + answer.duplicates + answer.rejected,
            sent,
            "seed {seed}: {answer:?}"
        );
        assert!(
            answer.errors.iter().all(|e| e.field.starts_with("post")),
            "{answer:?}"
        );
        accepted += answer.accepted;
    }
    assert!(
        accepted > 0,
        "some hostile posts are within every bound, and go on"
    );

    // Then an ordinary abusive mention of the other brand: classified and counted.
    let native_id = format!("ordinary-{}", uuid::Uuid::now_v7().simple());
    let post = tagar_kernel::testing::x_post(
        &native_id,
        "budi",
        "teh kalian basi, dasar bodoh #TehMelatiPagi",
    );
    let answer = tagar_client::push::push_posts(&mut ingest, std::iter::once(post), 1)
        .await
        .unwrap();
    assert_eq!(answer.accepted, 1, "{answer:?}");
    let mut facts = app.reader(topics::MODERATION_EVENTS).await;
    facts
        .find(Duration::from_secs(90), "the ordinary post classified", |e| {
            matches!(&e.event, Some(v1::envelope::Event::PostClassified(c)) if c.native_id == native_id)
                .then_some(())
        })
        .await;
    let analytics = session.analytics();
    eventually(Duration::from_secs(90), "the ordinary post counted", || {
        let (mut analytics, brand) = (analytics.clone(), ordinary.clone());
        async move {
            let now = chrono::Utc::now();
            let total = analytics
                .get_brand_activity(v1::GetBrandActivityRequest {
                    brand_id: brand,
                    from: Some(tagar_proto::convert::time_to_wire(
                        now - chrono::Duration::hours(1),
                    )),
                    to: Some(tagar_proto::convert::time_to_wire(
                        now + chrono::Duration::hours(1),
                    )),
                })
                .await
                .ok()?
                .into_inner()
                .total?;
            (total.mentions == 1).then_some(())
        }
    })
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_posts_then_an_ordinary_one_standalone() {
    hostile_then_ordinary(Mode::Standalone).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_posts_then_an_ordinary_one_distributed() {
    hostile_then_ordinary(Mode::Distributed).await;
}
