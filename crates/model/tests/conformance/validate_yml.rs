//! validate.yml: validity of whole tweets, usernames, lists, hashtags and links, and the
//! weighted length of tweets.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidateGroups {
    tweets: Vec<Case<bool>>,
    usernames: Vec<Case<bool>>,
    lists: Vec<Case<bool>>,
    hashtags: Vec<Case<bool>>,
    urls: Vec<Case<bool>>,
    urls_without_protocol: Vec<Case<bool>>,
    #[serde(rename = "WeightedTweetsCounterTest")]
    weighted_v2: Vec<Case<Weighing>>,
    #[serde(rename = "WeightedTweetsWithDiscountedEmojiCounterTest")]
    weighted_v3: Vec<Case<Weighing>>,
    #[serde(rename = "UnicodeDirectionalMarkerCounterTest")]
    directional_markers: Vec<Case<Weighing>>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Weighing {
    weighted_length: i64,
    valid: bool,
    permillage: i64,
    display_range_start: i64,
    display_range_end: i64,
    valid_range_start: i64,
    valid_range_end: i64,
}

/// Our [`tagar_model::LengthCheck`] in the suite's terms: ranges are inclusive UTF-16.
fn weighing(text: &str, weighting: XWeighting) -> Weighing {
    let check = weigh_x(text, weighting);
    let units = |bytes: usize| {
        let range = tagar_model::Span::new(0, bytes).utf16_range(text);
        range.expect("fits_until is a char boundary").end as i64
    };
    Weighing {
        weighted_length: check.length as i64,
        valid: check.is_valid(),
        permillage: (check.length * 1000 / check.max_length) as i64,
        display_range_start: 0,
        display_range_end: units(text.len()) - 1,
        valid_range_start: 0,
        valid_range_end: units(check.fits_until) - 1,
    }
}

fn is_user(text: &str) -> bool {
    is_entity(Network::X, text, EntityKind::Mention) && !text.contains('/')
}

fn is_list(text: &str) -> bool {
    is_entity(Network::X, text, EntityKind::Mention) && text.contains('/')
}

#[test]
fn validate_yml() {
    let groups: ValidateGroups = load(include_str!("validate.yml"));
    let mut run = Runner::new();
    type Check<'a> = (&'static str, &'a Vec<Case<bool>>, &'a dyn Fn(&str) -> bool);
    let checks: [Check<'_>; 6] = [
        // Upstream validates tweets with `Validator::new()`, configuration v1 (140).
        ("tweets", &groups.tweets, &|t| {
            weigh_x(t, XWeighting::V1).is_valid()
        }),
        ("usernames", &groups.usernames, &is_user),
        ("lists", &groups.lists, &is_list),
        ("hashtags", &groups.hashtags, &|t| {
            is_entity(Network::X, t, EntityKind::Hashtag)
        }),
        ("urls", &groups.urls, &|t| {
            is_entity(Network::X, t, EntityKind::Url)
        }),
        (
            "urls_without_protocol",
            &groups.urls_without_protocol,
            &|t| is_entity(Network::X, t, EntityKind::Url),
        ),
    ];
    for (group, cases, valid) in checks {
        run.group = group;
        for case in cases {
            run.case(case, valid(&case.text));
        }
    }
    for (group, cases, weighting) in [
        (
            "WeightedTweetsCounterTest",
            &groups.weighted_v2,
            XWeighting::V2,
        ),
        (
            "WeightedTweetsWithDiscountedEmojiCounterTest",
            &groups.weighted_v3,
            XWeighting::V3,
        ),
        (
            "UnicodeDirectionalMarkerCounterTest",
            &groups.directional_markers,
            XWeighting::V3,
        ),
    ] {
        run.group = group;
        for case in cases {
            run.case(case, weighing(&case.text, weighting));
        }
    }
    run.finish(97);
}
