//! The entities a network counts at a fixed length rather than as written: links at
//! `url_length`, and Mastodon's `@user@server` counted as `@user`.

use twitter_text::extractor::{Extract, Extractor};

use super::Fixed;
use super::units::count;
use crate::extract::guard_x;
use crate::span::Utf16Cursor;
use crate::{Counting, Extraction, NetworkRules, Span};

/// Each entity of `text` counted at a fixed number of units, in order, not overlapping.
pub(super) fn fixed_lengths(
    rules: &NetworkRules,
    counting: Counting,
    text: &str,
    entities: &Extraction<'_>,
) -> Vec<Fixed> {
    let mut fixed = Vec::new();
    if rules.mention_server_is_free {
        for e in entities.mentions() {
            let server = e.value.find('@').map_or(0, |at| e.value.len() - at);
            let counted = &text[e.span.start..e.span.end - server];
            fixed.push((e.span, count(counting, counted)));
        }
    }
    if let Some(url_length) = rules.url_length {
        if rules.url_length_needs_scheme {
            fixed.extend(links_with_scheme(text).map(|span| (span, url_length)));
        } else {
            fixed.extend(entities.urls().map(|e| (e.span, url_length)));
        }
    }
    fixed.sort_by_key(|&(span, _)| span);
    // As Mastodon's `remove_overlapping_entities`: the earlier entity wins.
    let mut end = 0;
    fixed.retain(|&(span, _)| {
        let keep = span.start >= end;
        if keep {
            end = span.end;
        }
        keep
    });
    fixed
}

/// The links twitter-text's URL rule finds with `http://` or `https://` written out: what
/// Mastodon's `StatusLengthValidator` counts as 23 (`extract_urls_with_indices` with
/// `extract_url_without_protocol: false`). Its rule asks for a known top-level domain and
/// ends a path at chars it does not allow, so `https://x.internal/…` counts as written and
/// `https://fa.wikipedia.org/wiki/ایران` counts 23 + 5.
fn links_with_scheme(text: &str) -> impl Iterator<Item = Span> + '_ {
    // No link can start before the white space that precedes the first `://`, and white
    // space before a link reads as the start of the text does: parse from there only.
    let start = text.find("://").map_or(text.len(), |first| {
        text[..first]
            .char_indices()
            .rfind(|&(_, c)| c.is_whitespace())
            .map_or(0, |(at, c)| at + c.len_utf8())
    });
    let tail = &text[start..];
    let found: Vec<(i32, i32)> = if tail.is_empty() {
        Vec::new()
    } else {
        let guarded = guard_x(tail);
        let mut extractor = Extractor::new();
        extractor.set_extract_url_without_protocol(false);
        extractor
            .extract_urls_with_indices(&guarded)
            .iter()
            .map(|e| (e.get_start(), e.get_end()))
            .collect()
    };
    let mut cursor = Utf16Cursor::new(tail);
    found.into_iter().filter_map(move |(from, to)| {
        let from = usize::try_from(from).ok()?;
        let to = usize::try_from(to).ok()?;
        let span = Span::new(start + cursor.byte_at(from), start + cursor.byte_at(to));
        (!span.is_empty()).then_some(span)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Network, extract};

    fn fixed(network: Network, text: &str) -> Vec<(&str, usize)> {
        let rules = network.rules();
        let found = extract(network, text);
        fixed_lengths(rules, rules.counting, text, &found)
            .into_iter()
            .map(|(span, units)| (&text[span.range()], units))
            .collect()
    }

    #[test]
    fn mastodon_links_follow_twitter_texts_url_rule() {
        let m = Network::Mastodon;
        assert_eq!(
            fixed(m, "see https://fa.wikipedia.org/wiki/ایران"),
            [("https://fa.wikipedia.org/wiki/", 23)]
        );
        assert_eq!(fixed(m, "https://x.internal/a/long/path"), []);
        assert_eq!(fixed(m, "www.example.com/no/scheme"), []);
        assert_eq!(
            fixed(m, "日本 é https://a.com/x\u{3000}https://b.org"),
            [("https://a.com/x", 23), ("https://b.org", 23)]
        );
        assert_eq!(
            fixed(m, "@a@b.social https://example.com/x"),
            [("@a@b.social", 2), ("https://example.com/x", 23)]
        );
    }
}
