//! Measuring against each network's rules: given a text, then this length and verdict.

use super::*;
use crate::checks::{BrandVoicePolicy, Draft, check as check_draft};

#[test]
fn x_weighs_cjk_double_and_links_23() {
    let check = weigh(
        Network::X,
        "日本語 https://example.com/a/very/long/path/indeed",
    );
    assert_eq!(check.length, 6 + 1 + 23);
    assert!(check.is_valid());
}

#[test]
fn x_says_where_the_text_stops_fitting() {
    let text = format!("{}é{}", "a".repeat(279), "b".repeat(5));
    let check = weigh(Network::X, &text);
    assert_eq!(check.verdict, Verdict::TooLong { over_by: 5 });
    assert_eq!(check.fits_until, 281, "279 ASCII bytes and the two-byte é");
}

#[test]
fn mastodon_counts_links_23_and_mentions_without_server() {
    let text = "@brand@mastodon.social https://example.com/a/very/long/path/indeed";
    let check = weigh(Network::Mastodon, text);
    assert_eq!(check.length, "@brand".len() + 1 + 23);
}

#[test]
fn bluesky_counts_graphemes_and_bytes() {
    let family = "👨‍👩‍👧‍👦";
    assert_eq!(weigh(Network::Bluesky, family).length, 1);
    let text = family.repeat(300);
    let check = weigh(Network::Bluesky, &text);
    assert_eq!(check.length, 300);
    assert!(matches!(check.verdict, Verdict::TooManyBytes { .. }));
    assert!(check.fits_until <= 3000 && text.is_char_boundary(check.fits_until));
}

#[test]
fn utf16_networks_count_emoji_twice() {
    let check = weigh(Network::LinkedIn, &"😀".repeat(1501));
    assert_eq!(check.length, 3002);
    assert_eq!(check.verdict, Verdict::TooLong { over_by: 2 });
    assert_eq!(check.fits_until, 1500 * 4);
}

#[test]
fn empty_invalid_and_too_many_tags() {
    assert_eq!(weigh(Network::X, "").verdict, Verdict::Empty);
    assert_eq!(weigh(Network::LinkedIn, "  ").verdict, Verdict::Empty);
    assert_eq!(
        weigh(Network::Facebook, "ab\u{FFFF}").verdict,
        Verdict::InvalidChar { at: 2 }
    );
    assert_eq!(
        weigh(Network::X, "ab\u{FFFF}").verdict,
        Verdict::InvalidChar { at: 2 }
    );
    let tags: String = (0..31).map(|i| format!("#tag{i} ")).collect();
    assert_eq!(
        weigh(Network::Instagram, &tags).verdict,
        Verdict::TooManyHashtags { found: 31, max: 30 }
    );
}

#[test]
fn threads_counts_emoji_as_their_utf8_bytes() {
    let check = weigh(Network::Threads, &"😀".repeat(126));
    assert_eq!(check.length, 504);
    assert_eq!(check.verdict, Verdict::TooLong { over_by: 4 });
    assert_eq!(check.fits_until, 125 * 4);
    assert!(weigh(Network::Threads, &"😀".repeat(125)).is_valid());
}

#[test]
fn threads_refuses_more_than_five_links() {
    let links: String = (0..6)
        .map(|i| format!("https://example.com/{i} "))
        .collect();
    assert_eq!(
        weigh(Network::Threads, &links).verdict,
        Verdict::TooManyLinks { found: 6, max: 5 }
    );
    let five: String = (0..5)
        .map(|i| format!("https://example.com/{i} "))
        .collect();
    assert!(weigh(Network::Threads, &five).is_valid());
}

#[test]
fn mastodon_counts_only_twitter_text_links_as_23() {
    let persian = weigh(Network::Mastodon, "https://fa.wikipedia.org/wiki/ایران");
    assert_eq!(persian.length, 23 + 5);
    let path = "a".repeat(100);
    let internal = format!("https://x.internal/{path}");
    assert_eq!(
        weigh(Network::Mastodon, &internal).length,
        internal.chars().count()
    );
}

#[test]
fn mastodon_stops_fitting_at_the_link_that_crosses_the_limit() {
    let text = format!("{} https://example.com/a/b/c", "a".repeat(480));
    let check = weigh(Network::Mastodon, &text);
    assert_eq!(check.length, 480 + 1 + 23);
    assert_eq!(check.verdict, Verdict::TooLong { over_by: 4 });
    assert_eq!(check.fits_until, 481, "the whole link is past the limit");
}

#[test]
fn instagram_refuses_more_than_twenty_mentions() {
    let mentions: String = (0..21).map(|i| format!("@user{i} ")).collect();
    assert_eq!(
        weigh(Network::Instagram, &mentions).verdict,
        Verdict::TooManyMentions { found: 21, max: 20 }
    );
}

#[test]
fn hindi_conjuncts_count_as_mastodon_and_bluesky_count_them() {
    assert_eq!(weigh(Network::Bluesky, "हिन्दी").length, 3);
    assert_eq!(weigh(Network::Mastodon, "हिन्दी").length, 3);
    let check = weigh(Network::Bluesky, &"हिन्दी".repeat(101));
    assert_eq!(check.verdict, Verdict::TooLong { over_by: 3 });
}

#[test]
fn x_weighing_survives_text_that_normalises_into_a_panic() {
    for text in ["日\u{212A}@x", "é\u{212A}@"] {
        let check = weigh(Network::X, text);
        assert!(check.is_valid(), "{text:?}");
    }
    let draft = Draft {
        network: Network::X,
        text: "日\u{212A}@x",
        language: None,
        media: &[],
    };
    assert!(check_draft(&BrandVoicePolicy::default(), &draft).is_empty());
}

#[test]
fn x_fits_until_of_decomposed_text() {
    let text = format!("{}{}", "a".repeat(281), "e\u{0301}".repeat(20));
    assert_eq!(weigh(Network::X, &text).fits_until, 280);
}
