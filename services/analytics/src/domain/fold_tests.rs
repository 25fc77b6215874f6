use chrono::{DateTime, TimeZone as _, Utc};
use tagar_proto::convert::time_to_wire;
use tagar_proto::envelope::{EnvelopeBuilder, check};
use tagar_proto::v1::{
    BrandMatch, Post, PostClassified, PostMetrics, PostPublished, ReviewCaseDecided,
    ReviewCaseOpened,
};

use super::*;
use crate::domain::MINUTE_US;

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, h, m, s).unwrap()
}

fn folded(envelope: Envelope) -> Result<Fold, FoldError> {
    let meta = check(&envelope).unwrap();
    fold(&meta, envelope)
}

fn ingested(brands: &[BrandId], tags: &[&str], created: DateTime<Utc>) -> PostIngested {
    PostIngested {
        post: Some(Post {
            created_at: Some(time_to_wire(created)),
            metrics: Some(PostMetrics {
                likes: 3,
                reposts: 2,
                replies: 1,
                ..PostMetrics::default()
            }),
            ..Post::default()
        }),
        matches: brands
            .iter()
            .map(|b| BrandMatch {
                brand_id: b.to_string(),
                rule_ids: vec![],
                ..Default::default()
            })
            .collect(),
        hashtags: tags.iter().map(|t| (*t).to_owned()).collect(),
        source: "push".into(),
    }
}

#[test]
fn a_matched_post_counts_for_each_brand_and_once_for_the_tenant() {
    let (tenant, b1, b2) = (TenantId::new(), BrandId::new(), BrandId::new());
    let post = ingested(&[b1, b2, b1], &["kopi", "kopi", "pagi"], at(9, 30, 42));
    let env = EnvelopeBuilder::new(tenant, Event::PostIngested(post))
        .occurred_at(at(9, 31, 0))
        .build();
    let fold = folded(env).unwrap();
    let minute = at(9, 30, 0).timestamp_micros();
    assert_eq!(fold.brands.len(), 2);
    for (key, counts) in &fold.brands {
        assert_eq!(key.minute_us, minute);
        assert_eq!((counts.mentions, counts.likes, counts.reposts), (1, 3, 2));
        assert_eq!(counts.replies, 1);
    }
    // kopi and pagi, each for b1, b2 and the tenant: duplicates in the post count once.
    assert_eq!(fold.hashtags.len(), 6);
    let tenant_kopi = fold
        .hashtags
        .iter()
        .filter(|h| h.scope == Scope::Tenant && h.hashtag == "kopi")
        .count();
    assert_eq!(tenant_kopi, 1);
}

#[test]
fn an_unmatched_post_counts_nothing() {
    let post = ingested(&[], &["kopi"], at(9, 0, 0));
    let env = EnvelopeBuilder::new(TenantId::new(), Event::PostIngested(post)).build();
    assert!(folded(env).unwrap().is_empty());
}

#[test]
fn a_created_at_far_in_the_future_falls_back_to_occurred_at() {
    let post = ingested(&[BrandId::new()], &[], at(12, 0, 0));
    let env = EnvelopeBuilder::new(TenantId::new(), Event::PostIngested(post))
        .occurred_at(at(9, 0, 30))
        .build();
    let fold = folded(env).unwrap();
    assert_eq!(fold.brands[0].0.minute_us, at(9, 0, 0).timestamp_micros());
    assert_eq!(fold.brands[0].0.minute_us % MINUTE_US, 0);
}

#[test]
fn a_bad_brand_id_is_poison_naming_the_field() {
    let mut post = ingested(&[BrandId::new()], &[], at(9, 0, 0));
    post.matches[0].brand_id = "acme".into();
    let env = EnvelopeBuilder::new(TenantId::new(), Event::PostIngested(post)).build();
    assert_eq!(
        folded(env).unwrap_err().field,
        "post_ingested.matches.brand_id"
    );
}

fn classified(verdict: Verdict) -> Event {
    Event::PostClassified(PostClassified {
        verdict: verdict as i32,
        ..PostClassified::default()
    })
}

#[test]
fn classifications_flag_and_hide_for_the_envelopes_brand() {
    let (tenant, brand) = (TenantId::new(), BrandId::new());
    let counts = |verdict| {
        let env = EnvelopeBuilder::new(tenant, classified(verdict))
            .brand(brand)
            .build();
        folded(env)
            .unwrap()
            .brands
            .first()
            .map(|(k, c)| (k.brand, c.flagged, c.hidden))
    };
    assert_eq!(counts(Verdict::Review), Some((brand, 1, 0)));
    assert_eq!(counts(Verdict::Hide), Some((brand, 1, 1)));
    assert_eq!(counts(Verdict::Allow), None);
}

#[test]
fn a_negative_post_counts_in_the_minute_it_was_written_and_is_kept_as_evidence() {
    let (tenant, brand) = (TenantId::new(), BrandId::new());
    let written = at(9, 14, 30);
    let env = EnvelopeBuilder::new(
        tenant,
        Event::PostClassified(PostClassified {
            verdict: Verdict::Review as i32,
            sentiment: tagar_proto::v1::Sentiment::Negative as i32,
            native_id: "n1".into(),
            excerpt: "the recall is a disgrace".into(),
            posted_at: Some(time_to_wire(written)),
            ..PostClassified::default()
        }),
    )
    .brand(brand)
    .occurred_at(at(10, 0, 5))
    .build();
    let fold = folded(env).unwrap();
    let minutes: Vec<_> = fold
        .brands
        .iter()
        .map(|(k, c)| (k.minute_us, c.negative, c.flagged))
        .collect();
    assert_eq!(
        minutes,
        [
            (at(9, 14, 0).timestamp_micros(), 1, 0),
            (at(10, 0, 0).timestamp_micros(), 0, 1)
        ]
    );
    let kept = fold.negative_post.unwrap();
    assert_eq!(
        (kept.text.as_str(), kept.at_us),
        ("the recall is a disgrace", written.timestamp_micros())
    );
    // A post that is not negative is no evidence.
    let calm = EnvelopeBuilder::new(tenant, classified(Verdict::Allow))
        .brand(brand)
        .build();
    assert!(folded(calm).unwrap().negative_post.is_none());
}

#[test]
fn review_cases_become_case_facts() {
    let (tenant, brand) = (TenantId::new(), BrandId::new());
    let case = uuid::Uuid::now_v7();
    let opened = EnvelopeBuilder::new(
        tenant,
        Event::ReviewCaseOpened(ReviewCaseOpened {
            hidden: true,
            ..ReviewCaseOpened::default()
        }),
    )
    .brand(brand)
    .aggregate(case, 1)
    .build();
    assert_eq!(
        folded(opened).unwrap().case,
        Some(CaseFact::Opened {
            tenant,
            case_id: case.to_string(),
            hidden: true,
            post: (String::new(), String::new(), String::new()),
        })
    );
    let decided = |decision: Decision| {
        let env = EnvelopeBuilder::new(
            tenant,
            Event::ReviewCaseDecided(ReviewCaseDecided {
                case_id: case.to_string(),
                decision: decision as i32,
                ..ReviewCaseDecided::default()
            }),
        )
        .brand(brand)
        .aggregate(case, 2)
        .build();
        folded(env).unwrap().case
    };
    assert!(matches!(
        decided(Decision::Hide),
        Some(CaseFact::Hidden { .. })
    ));
    assert!(matches!(
        decided(Decision::BlockAuthor),
        Some(CaseFact::Hidden { blocks: true, .. })
    ));
    assert_eq!(decided(Decision::Approve), None);
}

#[test]
fn a_publish_counts_in_its_published_minute() {
    let brand = BrandId::new();
    let env = EnvelopeBuilder::new(
        TenantId::new(),
        Event::PostPublished(PostPublished {
            published_at: Some(time_to_wire(at(8, 15, 59))),
            ..PostPublished::default()
        }),
    )
    .brand(brand)
    .build();
    let fold = folded(env).unwrap();
    assert_eq!(fold.brands[0].0.minute_us, at(8, 15, 0).timestamp_micros());
    assert_eq!(fold.brands[0].1.published, 1);
}
