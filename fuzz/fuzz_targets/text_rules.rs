//! Any text on every network, and any listening-rule pattern: extraction gives sorted,
//! non-overlapping entities on character boundaries; a length check stops at a character
//! boundary inside the text; canonical hashtags are stable; and a rule that parses matches a
//! post that holds its pattern as a word (`#tag`, the keyword).
//!
//! Input: the pattern, a NUL byte, then the text.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use tagar_ingest::domain::fold::fold_phrase;
use tagar_ingest::domain::{ListeningRule, Matcher, Pattern, RuleKind, Scratch};
use tagar_model::{BrandId, Network, Verdict, canonical_hashtag, extract, weigh};

fn entities_are_sound(network: Network, text: &str) {
    let extraction = extract(network, text);
    let mut last = 0;
    for entity in extraction.all() {
        let span = entity.span;
        assert!(last <= span.start && span.start < span.end && span.end <= text.len());
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        assert!(text[span.start..span.end].ends_with(entity.value), "{entity:?}");
        last = span.end;
    }
    let check = weigh(network, text);
    assert!(check.fits_until <= text.len() && text.is_char_boundary(check.fits_until));
    if check.verdict == Verdict::Fits {
        assert!(check.length <= check.max_length, "{check:?}");
        assert_eq!(check.fits_until, text.len(), "{check:?}");
    }
    for tag in extraction.hashtags() {
        let once = canonical_hashtag(tag.value);
        assert_eq!(canonical_hashtag(&once), once, "canonical form is stable");
    }
}

/// Whether X's extractor reads `#tag` as the hashtag `tag`, whole.
fn x_extracts(tag: &str) -> bool {
    extract(Network::X, &format!(" #{tag} "))
        .hashtags()
        .any(|h| h.value == tag)
}

fn rule_matches(kind: RuleKind, pattern: &str, text: &str) {
    let Ok(parsed) = Pattern::parse(kind, pattern) else {
        return;
    };
    let written = match &parsed {
        // X's extractor, the twitter-text crate, knows the letters and marks of its own,
        // older Unicode tables only: a tag holding a newer one (U+07FD, Unicode 11) is not
        // a hashtag of an X post as a whole, and cannot match one (the model's README).
        Pattern::Hashtag(tag) if !x_extracts(tag.as_str()) => return,
        Pattern::Hashtag(tag) => format!("#{}", tag.as_str()),
        Pattern::Keyword(k) if fold_phrase(k).trim().is_empty() => return,
        Pattern::Keyword(k) => k.clone(),
        Pattern::Handle(_) => return,
    };
    let rule = ListeningRule {
        rule_id: uuid::Uuid::now_v7(),
        brand_id: BrandId::new(),
        kind,
        pattern: parsed,
    };
    let matcher = Matcher::new(std::slice::from_ref(&rule));
    let Some(post) = common::x_post(&format!("{text} {written} "), "") else {
        return;
    };
    let found = matcher.match_post(&post, &mut Scratch::default());
    assert!(
        found.hits.iter().any(|h| h.rule_id == rule.rule_id),
        "{kind:?} rule {pattern:?} misses {:?}",
        post.text
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, text) = input.split_once('\0').unwrap_or(("", input));
    for network in Network::ALL {
        entities_are_sound(network, text);
    }
    if !pattern.is_empty() {
        rule_matches(RuleKind::Hashtag, pattern, text);
        rule_matches(RuleKind::Keyword, pattern, text);
    }
});
