//! X's entities, by the `twitter-text` crate.

use std::borrow::Cow;

use twitter_text::entity::Type;
use twitter_text::extractor::{Extract, Extractor};
use twitter_text_parser::twitter_text::Rule;

use crate::span::Utf16Cursor;
use crate::{Entity, EntityKind, Extraction, Span};

/// Extracts with twitter-text and turns its UTF-16 indices into byte spans.
pub(super) fn extract(text: &str) -> Extraction<'_> {
    let guarded = guard(text);
    let found = Extractor::new().extract(&guarded, rules);
    entities(text, &found)
}

/// The rules X links and tags by. twitter-text's `extract_entities_with_indices` leaves out
/// links written without a scheme (`example.com`), which X links; ask for every rule, as X
/// does.
pub(crate) fn rules(r: Rule) -> bool {
    matches!(
        r,
        Rule::url
            | Rule::url_without_protocol
            | Rule::hashtag
            | Rule::cashtag
            | Rule::list
            | Rule::username
    )
}

/// twitter-text's entities of `text` (UTF-16 offsets) as Tagar's (byte spans, sorted).
pub(crate) fn entities<'t>(
    text: &'t str,
    found: &[twitter_text::entity::Entity<'_>],
) -> Extraction<'t> {
    let mut cursor = Utf16Cursor::new(text);
    let mut entities = Vec::with_capacity(found.len());
    for e in found {
        let kind = match e.get_type() {
            Type::HASHTAG => EntityKind::Hashtag,
            Type::MENTION | Type::FEDERATEDMENTION => EntityKind::Mention,
            Type::URL => EntityKind::Url,
            Type::CASHTAG => EntityKind::Cashtag,
        };
        let (Ok(start), Ok(end)) = (usize::try_from(e.get_start()), usize::try_from(e.get_end()))
        else {
            continue;
        };
        let span = Span::new(cursor.byte_at(start), cursor.byte_at(end));
        if !span.is_empty() {
            entities.push(Entity::new(kind, text, span));
        }
    }
    entities.sort_by_key(|e| e.span);
    Extraction::from_sorted(text, entities)
}

/// `text` made safe for twitter-text 0.3.1, whose legacy-retweet check (`RT@user`) slices
/// the two bytes before an `@` that follows a letter, digit or one of `_@!#$%&*=/＠`, and
/// panics when those bytes split a multi-byte char (`日a@`, `‌#@`, `＠@`). Such an `@` can
/// never start a mention (the `RT` exception needs ASCII `RT` there), so it is replaced by
/// a char of the same UTF-8 and UTF-16 length and the same X weight that starts nothing:
/// `@` by `~`, `＠` by `＊`. Offsets and weights are unchanged; entities are still cut from
/// the original text.
pub(crate) fn guard(text: &str) -> Cow<'_, str> {
    // Two substring searches (memchr) are faster than one walk over the chars.
    if !text.contains('@') && !text.contains('＠') {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut copied = 0;
    let ats: Box<dyn Iterator<Item = (usize, char)>> = if text.contains('＠') {
        Box::new(text.char_indices().filter(|(_, c)| matches!(c, '@' | '＠')))
    } else {
        Box::new(text.match_indices('@').map(|(at, _)| (at, '@')))
    };
    for (at, c) in ats {
        if !would_panic(&text[..at]) {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push(if c == '@' { '~' } else { '＊' });
        copied = at + c.len_utf8();
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn would_panic(before: &str) -> bool {
    let Some(prev) = before.chars().next_back() else {
        return false;
    };
    // twitter-text also slices three bytes back for `RT:@`, but only when the char before
    // the `@` is `:`, which is not among the chars that trigger the check at all.
    let checks_rt = prev.is_ascii_alphanumeric() || "_@!#$%&*=/＠".contains(prev);
    let len = before.len();
    checks_rt && len >= 2 && !before.is_char_boundary(len - 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(text: &str) -> Vec<&str> {
        extract(text).hashtags().map(|e| e.value).collect()
    }

    #[test]
    fn spans_are_bytes_with_the_sigil() {
        let text = "Café 😀 #Paris @brand $TSLA https://t.co/x";
        let got = extract(text);
        let slices: Vec<&str> = got.all().iter().map(|e| &text[e.span.range()]).collect();
        assert_eq!(slices, ["#Paris", "@brand", "$TSLA", "https://t.co/x"]);
        assert_eq!(got.all()[0].value, "Paris");
    }

    #[test]
    fn texts_that_crash_twitter_text_are_guarded() {
        for text in ["\u{200C}#@", "日a@b", "＠@x", "é＠＠", "RT@user 日@x"] {
            let _ = extract(text);
            let _ = crate::weigh(crate::Network::X, text);
        }
        assert_eq!(guard("日a@b"), "日a~b");
        assert_eq!(extract("RT@user").mentions().count(), 1);
    }

    #[test]
    fn the_guard_keeps_retweet_mentions_after_wide_spaces() {
        // `\u{A0}RT@user`: the two bytes before `@` are `RT`, a clean slice; twitter-text
        // finds the mention, so the guard must leave the `@` alone.
        for text in ["\u{A0}RT@user", "\u{3000}RT@user", "日 RT@user"] {
            assert_eq!(guard(text), text);
            assert_eq!(extract(text).mentions().count(), 1, "{text:?}");
        }
    }

    #[test]
    fn hashtags_in_our_languages() {
        assert_eq!(tags("Bonne #rentrée à tous"), ["rentrée"]);
        assert_eq!(tags("Selamat #HariKemerdekaan ke-79"), ["HariKemerdekaan"]);
        assert_eq!(tags("سلام #می‌خواهم_بروم"), ["می‌خواهم_بروم"]);
        assert_eq!(tags("नमस्ते #हिन्दी_दिवस"), ["हिन्दी_दिवस"]);
        assert_eq!(tags("東京 #東京オリンピック"), ["東京オリンピック"]);
        assert_eq!(tags("party #fun🎉"), ["fun"]);
    }
}
