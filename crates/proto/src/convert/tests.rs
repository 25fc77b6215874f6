use chrono::TimeZone;

use super::*;

fn sample() -> model::Post {
    model::Post {
        network: model::Network::Mastodon,
        native_id: model::NativePostId::parse("109").unwrap(),
        author: model::Author {
            id: "42".into(),
            handle: "dewi".into(),
            display_name: "Dewi".into(),
            followers: 1200,
            verified: false,
            account_created_at: Some(Utc.with_ymd_and_hms(2020, 1, 2, 3, 4, 5).unwrap()),
        },
        text: "Selamat pagi #Jakarta".into(),
        language: Some("id".into()),
        created_at: Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).unwrap(),
        reply_to: Some(model::PostRef {
            native_id: model::NativePostId::parse("100").unwrap(),
            author_id: None,
        }),
        quote_of: None,
        repost_of: None,
        conversation_id: Some("100".into()),
        media: vec![model::Media {
            kind: model::MediaKind::Image,
            url: "https://example.org/a.jpg".into(),
            alt_text: Some("a cat".into()),
            usage_rights: true,
        }],
        metrics: model::PostMetrics {
            likes: 3,
            reposts: 1,
            replies: 0,
            quotes: 0,
            views: 90,
        },
    }
}

#[test]
fn a_post_round_trips_through_the_wire() {
    let post = sample();
    let wire = v1::Post::from(&post);
    assert_eq!(model::Post::try_from(wire), Ok(post));
}

#[test]
fn missing_network_is_named() {
    let mut wire = v1::Post::from(&sample());
    wire.network = 0;
    let err = model::Post::try_from(wire).unwrap_err();
    assert_eq!(err.field, "post.network");
    assert_eq!(err.to_string(), "post.network: is required");
}

#[test]
fn bad_fields_name_their_path() {
    type Breaker = fn(&mut v1::Post);
    let cases: Vec<(Breaker, &str)> = vec![
        (|p| p.native_id = " ".into(), "post.native_id"),
        (|p| p.author = None, "post.author"),
        (
            |p| p.author.as_mut().unwrap().handle = "@".into(),
            "post.author.handle",
        ),
        (|p| p.created_at = None, "post.created_at"),
        (|p| p.media[0].kind = 99, "post.media[0].kind"),
        (
            |p| p.reply_to.as_mut().unwrap().native_id.clear(),
            "post.reply_to.native_id",
        ),
        (|p| p.text = "x".repeat(MAX_TEXT_BYTES + 1), "post.text"),
        (
            |p| p.created_at.as_mut().unwrap().nanos = -1,
            "post.created_at",
        ),
        // Each field's bound (tagar_model::bounds), at one past it.
        (
            |p| p.author.as_mut().unwrap().display_name = "ж".repeat(257),
            "post.author.display_name",
        ),
        (
            |p| p.author.as_mut().unwrap().display_name = "x".repeat(2_000_000),
            "post.author.display_name",
        ),
        (
            |p| p.author.as_mut().unwrap().id = "1".repeat(257),
            "post.author.id",
        ),
        (
            |p| p.author.as_mut().unwrap().handle = "h".repeat(321),
            "post.author.handle",
        ),
        (
            |p| p.author.as_mut().unwrap().followers = u64::MAX,
            "post.author.followers",
        ),
        (
            |p| {
                p.author.as_mut().unwrap().account_created_at = Some(prost_types::Timestamp {
                    seconds: -8_334_601_228_800,
                    nanos: 0,
                })
            },
            "post.author.account_created_at",
        ),
        (
            |p| p.created_at.as_mut().unwrap().seconds = -8_334_601_228_800,
            "post.created_at",
        ),
        (
            |p| p.created_at.as_mut().unwrap().seconds = 946_684_799,
            "post.created_at",
        ),
        (
            |p| p.created_at = Some(time_to_wire(Utc::now() + chrono::Duration::days(2))),
            "post.created_at",
        ),
        (|p| p.language = "x".repeat(36), "post.language"),
        (
            |p| p.conversation_id = "c".repeat(513),
            "post.conversation_id",
        ),
        (|p| p.native_id = "n".repeat(513), "post.native_id"),
        (
            |p| p.reply_to.as_mut().unwrap().author_id = "a".repeat(257),
            "post.reply_to.author_id",
        ),
        (|p| p.text = "#a ".repeat(201), "post.text"),
        (|p| p.text = "kopi\0".into(), "post.text"),
        (|p| p.native_id = "10\09".into(), "post.native_id"),
        (
            |p| p.author.as_mut().unwrap().id = "u\0".into(),
            "post.author.id",
        ),
        (|p| p.text = "@a ".repeat(201), "post.text"),
        (|p| p.media = vec![p.media[0].clone(); 21], "post.media"),
        (
            |p| p.media[0].url = format!("https://e.x/{}", "u".repeat(2_048)),
            "post.media[0].url",
        ),
        (
            |p| p.media[0].alt_text = "a".repeat(2_001),
            "post.media[0].alt_text",
        ),
        (
            |p| p.metrics.as_mut().unwrap().likes = u64::MAX,
            "post.metrics.likes",
        ),
        (
            |p| p.metrics.as_mut().unwrap().views = 1_000_000_000_001,
            "post.metrics.views",
        ),
    ];
    for (break_it, field) in cases {
        let mut wire = v1::Post::from(&sample());
        break_it(&mut wire);
        assert_eq!(model::Post::try_from(wire).unwrap_err().field, field);
    }
}

#[test]
fn values_at_their_bounds_are_accepted() {
    let mut wire = v1::Post::from(&sample());
    let author = wire.author.as_mut().unwrap();
    author.display_name = "ж".repeat(bounds::DISPLAY_NAME_CHARS);
    author.id = "1".repeat(bounds::AUTHOR_ID_BYTES);
    author.followers = bounds::COUNTER_MAX;
    wire.text = "#a ".repeat(bounds::HASHTAG_SIGNS);
    wire.media = vec![wire.media[0].clone(); bounds::MEDIA_PER_POST];
    wire.created_at = Some(time_to_wire(Utc::now() + chrono::Duration::hours(23)));
    wire.metrics.as_mut().unwrap().views = bounds::COUNTER_MAX;
    assert!(model::Post::try_from(wire).is_ok());
}

#[test]
fn a_leading_at_sign_is_dropped_from_handles() {
    let mut wire = v1::Post::from(&sample());
    wire.author.as_mut().unwrap().handle = "@dewi".into();
    assert_eq!(model::Post::try_from(wire).unwrap().author.handle, "dewi");
}

#[test]
fn every_network_round_trips() {
    for n in model::Network::ALL {
        assert_eq!(network_from_wire(network_to_wire(n) as i32, "n"), Ok(n));
    }
}
