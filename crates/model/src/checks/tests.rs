//! Given a policy and a draft, then these problems.

use super::*;
use crate::MediaKind;

fn draft(network: Network, text: &str) -> Draft<'_> {
    Draft {
        network,
        text,
        language: None,
        media: &[],
    }
}

fn kinds(problems: &[Problem]) -> Vec<&ProblemKind> {
    problems.iter().map(|p| &p.kind).collect()
}

#[test]
fn a_clean_draft_has_no_problems() {
    let policy = BrandVoicePolicy {
        max_hashtags: Some(2),
        speaks_as_we: Language::ALL.to_vec(),
        ..Default::default()
    };
    assert!(check(&policy, &draft(Network::X, "We brew #kopi for you")).is_empty());
}

#[test]
fn hashtags_beyond_the_limit_are_each_flagged() {
    let policy = BrandVoicePolicy {
        max_hashtags: Some(2),
        ..Default::default()
    };
    let text = "#a1 #b2 #c3 #d4";
    let problems = check(&policy, &draft(Network::X, text));
    let spans: Vec<&str> = problems
        .iter()
        .map(|p| &text[p.span.unwrap().range()])
        .collect();
    assert_eq!(spans, ["#c3", "#d4"]);
    assert_eq!(
        problems[0].message,
        "#c3 is one hashtag too many: the brand allows at most 2"
    );
}

#[test]
fn a_required_tag_matches_canonically() {
    let policy = BrandVoicePolicy {
        required_hashtags: vec![Hashtag::parse("#KopiChat").unwrap()],
        ..Default::default()
    };
    assert!(check(&policy, &draft(Network::Mastodon, "Join #KOPICHAT now")).is_empty());
    let problems = check(&policy, &draft(Network::Mastodon, "Join us now"));
    assert_eq!(
        kinds(&problems),
        [&ProblemKind::MissingHashtag {
            tag: Hashtag::parse("KopiChat").unwrap()
        }]
    );
    assert_eq!(problems[0].message, "the post must carry #KopiChat");
}

#[test]
fn banned_words_and_phrases_on_word_boundaries() {
    let policy = BrandVoicePolicy {
        banned_words: vec!["cheap".into(), "murah banget".into(), "ارزان".into()],
        ..Default::default()
    };
    let text = "Not CHEAP, not cheaper. Murah  Banget! ارزان";
    let problems = check(&policy, &draft(Network::Threads, text));
    let spans: Vec<&str> = problems
        .iter()
        .map(|p| &text[p.span.unwrap().range()])
        .collect();
    assert_eq!(spans, ["CHEAP", "Murah  Banget", "ارزان"]);
}

#[test]
fn first_person_in_each_language() {
    let policy = BrandVoicePolicy {
        speaks_as_we: Language::ALL.to_vec(),
        ..Default::default()
    };
    let text = "I love it. J'adore. Saya suka. मैं खुश हूँ. من خوشحالم";
    let problems = check(&policy, &draft(Network::Facebook, text));
    let languages: Vec<ProblemKind> = problems.into_iter().map(|p| p.kind).collect();
    let expected: Vec<ProblemKind> = Language::ALL
        .into_iter()
        .map(|language| ProblemKind::FirstPersonSingular { language })
        .collect();
    assert_eq!(languages, expected);
}

#[test]
fn links_without_utm_on_the_brands_domains() {
    let policy = BrandVoicePolicy {
        utm: Some(UtmPolicy {
            domains: vec!["kopi.example".into()],
            ..Default::default()
        }),
        ..Default::default()
    };
    let text = "Shop https://shop.kopi.example/p?utm_source=x and https://news.example/a \
                and https://kopi.example/?utm_source=a&utm_medium=b&utm_campaign=c";
    let problems = check(&policy, &draft(Network::LinkedIn, text));
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].kind,
        ProblemKind::LinkWithoutUtm {
            missing: vec!["utm_medium".into(), "utm_campaign".into()]
        }
    );
    assert_eq!(
        &text[problems[0].span.unwrap().range()],
        "https://shop.kopi.example/p?utm_source=x"
    );
}

#[test]
fn media_without_rights() {
    let policy = BrandVoicePolicy {
        media_needs_rights: true,
        ..Default::default()
    };
    let media = [true, false].map(|usage_rights| Media {
        kind: MediaKind::Image,
        url: "https://cdn.example/a.jpg".into(),
        alt_text: None,
        usage_rights,
    });
    let draft = Draft {
        media: &media,
        ..draft(Network::Instagram, "Our new blend")
    };
    let problems = check(&policy, &draft);
    assert_eq!(
        kinds(&problems),
        [&ProblemKind::MediaWithoutRights { index: 1 }]
    );
    assert!(problems[0].span.is_none());
}

#[test]
fn the_network_verdict_comes_first_with_the_overflow_span() {
    let text = "a".repeat(290);
    let problems = check(&BrandVoicePolicy::default(), &draft(Network::X, &text));
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].kind,
        ProblemKind::NetworkRule {
            verdict: Verdict::TooLong { over_by: 10 }
        }
    );
    assert_eq!(problems[0].span, Some(Span::new(280, 290)));
}

#[test]
fn a_draft_of_media_alone_is_not_empty() {
    let media = [Media {
        kind: MediaKind::Image,
        url: "https://cdn.example/a.jpg".into(),
        alt_text: None,
        usage_rights: true,
    }];
    let with_media = Draft {
        media: &media,
        ..draft(Network::Instagram, "")
    };
    assert!(check(&BrandVoicePolicy::default(), &with_media).is_empty());
    let without = check(&BrandVoicePolicy::default(), &draft(Network::Instagram, ""));
    assert_eq!(
        kinds(&without),
        [&ProblemKind::NetworkRule {
            verdict: Verdict::Empty
        }]
    );
}

#[test]
fn first_person_skips_links_and_follows_the_drafts_language() {
    let policy = BrandVoicePolicy {
        speaks_as_we: vec![Language::English, Language::French, Language::Indonesian],
        ..Default::default()
    };
    let text = "Open Mon–Fri: https://kopi.example/my-account?i=2 cc @me";
    let english = Draft {
        language: Some("en"),
        ..draft(Network::Mastodon, text)
    };
    assert!(check(&policy, &english).is_empty());
}

#[test]
fn too_many_links_on_threads_is_a_network_problem() {
    let text: String = (0..6)
        .map(|i| format!("https://example.com/{i} "))
        .collect();
    let problems = check(
        &BrandVoicePolicy::default(),
        &draft(Network::Threads, &text),
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].message,
        "threads accepts at most 5 links; the post has 6"
    );
}
