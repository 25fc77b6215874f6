//! The generator's properties, checked on its labelled output.

use std::collections::{HashMap, HashSet};

use chrono::DateTime;
use tagar_proto::v1;

use super::*;

fn config(shape: Shape, posts: u64) -> GenConfig {
    GenConfig {
        posts,
        shape,
        start: DateTime::parse_from_rfc3339("2026-03-01T08:00:00Z")
            .unwrap()
            .to_utc(),
        ..GenConfig::default()
    }
}

fn labelled(config: GenConfig) -> Vec<(tagar_model::Post, Kind)> {
    let mut g = generate(config).unwrap();
    std::iter::from_fn(|| g.next_labelled()).collect()
}

#[test]
fn it_makes_exactly_the_posts_asked_in_time_order_within_the_range() {
    let c = config(Shape::Burst, 5_000);
    let end = c.start + chrono::Duration::minutes(i64::from(c.minutes));
    let posts: Vec<_> = generate(c.clone()).unwrap().collect();
    assert_eq!(posts.len(), 5_000);
    assert!(posts.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    assert!(
        posts
            .iter()
            .all(|p| p.created_at >= c.start && p.created_at < end)
    );
    let ids: HashSet<_> = posts.iter().map(|p| p.dedup_key()).collect();
    assert_eq!(ids.len(), posts.len(), "native ids are unique");
}

#[test]
fn every_post_survives_the_wire() {
    for shape in [Shape::Steady, Shape::Burst, Shape::Chat] {
        for post in generate(config(shape, 3_000)).unwrap() {
            let back = tagar_model::Post::try_from(v1::Post::from(&post))
                .unwrap_or_else(|e| panic!("{e}: {post:?}"));
            assert_eq!(back, post);
        }
    }
}

#[test]
fn abuse_and_spam_come_in_the_shares_asked() {
    let posts = labelled(GenConfig {
        abuse_share: 0.05,
        spam_share: 0.03,
        ..config(Shape::Steady, 40_000)
    });
    let share =
        |k: Kind| posts.iter().filter(|(_, kind)| *kind == k).count() as f64 / posts.len() as f64;
    assert!(
        (share(Kind::Abuse) - 0.05).abs() < 0.006,
        "{}",
        share(Kind::Abuse)
    );
    assert!(
        (share(Kind::Spam) - 0.03).abs() < 0.005,
        "{}",
        share(Kind::Spam)
    );
    let none = labelled(GenConfig {
        abuse_share: 0.0,
        spam_share: 0.0,
        ..config(Shape::Steady, 5_000)
    });
    assert!(
        none.iter()
            .all(|(_, k)| !matches!(k, Kind::Abuse | Kind::Spam))
    );
}

#[test]
fn spam_repeats_its_text_from_brand_new_accounts() {
    let posts = labelled(config(Shape::Steady, 20_000));
    let spam: Vec<_> = posts
        .iter()
        .filter(|(_, k)| *k == Kind::Spam)
        .map(|(p, _)| p)
        .collect();
    let mut texts: HashMap<&str, usize> = HashMap::new();
    for p in &spam {
        *texts.entry(p.text.as_str()).or_default() += 1;
        let age = p.created_at - p.author.account_created_at.unwrap();
        assert!(
            age < chrono::Duration::days(3),
            "spam accounts are brand-new"
        );
    }
    assert!(texts.values().any(|&n| n >= 10), "the same text comes back");
    assert!(spam.iter().any(|p| {
        p.text
            .split_whitespace()
            .all(|w| w.starts_with("http") || w.starts_with('#') || w.starts_with('@'))
    }));
    let ordinary = posts
        .iter()
        .filter(|(_, k)| *k == Kind::Mention)
        .map(|(p, _)| p);
    let old = ordinary
        .filter(|p| {
            p.created_at - p.author.account_created_at.unwrap() > chrono::Duration::days(180)
        })
        .count();
    assert!(old > 0);
}

#[test]
fn abuse_names_a_brand_and_uses_the_languages_insults() {
    let posts = labelled(config(Shape::Steady, 20_000));
    let brands: Vec<_> = ["@kopinusantara", "@batikayu", "@tehmelati"].into();
    let mut languages = HashSet::new();
    for (p, _) in posts.iter().filter(|(_, k)| *k == Kind::Abuse) {
        assert!(brands.iter().any(|b| p.text.contains(b)), "{}", p.text);
        languages.insert(p.language.clone().unwrap());
    }
    assert_eq!(languages.len(), 5);
    let texts: String = posts
        .iter()
        .filter(|(_, k)| *k == Kind::Abuse)
        .map(|(p, _)| p.text.as_str())
        .collect();
    for word in ["idiot", "bodoh", "anjing", "connard", "احمق", "बेवकूफ"] {
        assert!(texts.contains(word), "{word}");
    }
}

#[test]
fn a_chat_has_questions_and_answers_in_their_conversations() {
    let posts = labelled(GenConfig {
        questions: 5,
        ..config(Shape::Chat, 6_000)
    });
    let questions: Vec<_> = posts
        .iter()
        .filter(|(_, k)| *k == Kind::Question)
        .map(|(p, _)| p)
        .collect();
    assert_eq!(questions.len(), 5);
    for (i, q) in questions.iter().enumerate() {
        assert!(q.text.starts_with(&format!("Q{}: ", i + 1)) && q.text.contains("#KopiSenja"));
        assert_eq!(q.author.handle, "kopinusantara");
    }
    let qids: HashMap<String, usize> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.native_id.to_string(), i))
        .collect();
    let answers: Vec<_> = posts
        .iter()
        .filter(|(_, k)| *k == Kind::Answer)
        .map(|(p, _)| p)
        .collect();
    assert!(answers.len() > 4_000);
    for a in answers {
        let conv = a.conversation_id.as_deref().unwrap();
        let i = qids[conv];
        assert_eq!(a.reply_to.as_ref().unwrap().native_id.as_str(), conv);
        assert!(
            a.text.starts_with(&format!("A{} ", i + 1)) && a.text.contains("#KopiSenja"),
            "{}",
            a.text
        );
    }
}

#[test]
fn posts_name_the_brands_so_rules_match() {
    let posts: Vec<_> = generate(config(Shape::Steady, 10_000)).unwrap().collect();
    for b in ["Kopi Nusantara", "Batik Ayu", "Teh Melati"] {
        let id = brand_identity(b);
        let hits = posts
            .iter()
            .filter(|p| {
                p.text.contains(&id.name)
                    || p.text.contains(&id.hashtag)
                    || p.text.contains(&format!("@{}", id.handle))
            })
            .count();
        assert!(hits > 1_500, "{b}: {hits}");
    }
    let languages: HashSet<_> = posts.iter().filter_map(|p| p.language.clone()).collect();
    assert_eq!(languages.len(), 5);
    assert!(
        posts
            .iter()
            .any(|p| p.language.as_deref() == Some("fa") && p.text.contains('\u{200C}'))
    );
    assert!(
        posts
            .iter()
            .any(|p| p.language.as_deref() == Some("hi") && p.text.contains("है"))
    );
    assert!(
        posts
            .iter()
            .any(|p| p.language.as_deref() == Some("hi") && p.text.contains("hai"))
    );
}

#[test]
fn the_same_seed_gives_the_same_posts_and_another_seed_does_not() {
    let a: Vec<_> = generate(config(Shape::Burst, 2_000)).unwrap().collect();
    let b: Vec<_> = generate(config(Shape::Burst, 2_000)).unwrap().collect();
    let c: Vec<_> = generate(GenConfig {
        seed: 7,
        ..config(Shape::Burst, 2_000)
    })
    .unwrap()
    .collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
}
