//! Tagar's extractor for every network but X.
//!
//! - A hashtag is `#` or `＃` at the start of the text or after a char that is not a
//!   letter, digit, mark, `_`, `&`, `/`, `)` or another sigil, then a run of letters,
//!   digits, combining marks, `_`, `·` and zero-width (non-)joiners (and emoji where the
//!   network allows them), trimmed of trailing joiners, holding at least one letter.
//! - A mention is `@` or `＠` in the same position, then `[A-Za-z0-9_]` and
//!   `[A-Za-z0-9_.-]*` trimmed of a trailing `.` or `-`; on federated networks an
//!   `@server.tld` may follow.
//! - A link starts with `http://`, `https://` or `www.` anywhere but after an ASCII word
//!   char, `.`, `-`, `@` or `/`, and runs to
//!   white space, `<`, `>`, `"`, or a char of a script written without spaces (CJK, kana,
//!   Hangul, full-width forms, emoji); trailing punctuation and unbalanced closing
//!   brackets are trimmed. Its host must have a dot.
//! - A cashtag is `$` after white space or at the start, then twitter-text's symbol rule.

use crate::chars::{ZWJ, ZWNJ, can_precede_entity, is_emoji_char, is_letter_like, is_tag_char};
use crate::chars::{is_invalid_char, is_word_char};
use crate::entity::symbol_len;
use crate::{Entity, EntityKind, Extraction, NetworkRules, Span};

pub(super) fn extract<'t>(text: &'t str, rules: &NetworkRules) -> Extraction<'t> {
    let bytes = text.as_bytes();
    let mut entities = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Only these bytes can start an entity; 0xEF leads the full-width ＃ and ＠.
        if !matches!(
            bytes[i],
            b'#' | b'@' | b'$' | b'h' | b'H' | b'w' | b'W' | 0xEF
        ) {
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or_default();
        let prev = text[..i].chars().next_back();
        let found = match c {
            '#' | '＃' if can_precede_entity(prev) => {
                hashtag_at(text, i, c.len_utf8(), rules.emoji_in_hashtags)
            }
            '@' | '＠' if can_precede_entity(prev) => {
                mention_at(text, i, c.len_utf8(), rules.federated_mentions)
            }
            '$' if prev.is_none_or(char::is_whitespace) => cashtag_at(text, i),
            'h' | 'H' | 'w' | 'W' if can_precede_url(prev) => url_at(text, i),
            _ => None,
        };
        match found {
            Some(span) => {
                entities.push(Entity::new(kind_of(c), text, span));
                i = span.end;
            }
            None => i += c.len_utf8().max(1),
        }
    }
    Extraction::from_sorted(text, entities)
}

/// Links may follow scripts written without spaces (`詳細はhttps://…`), but not an ASCII
/// word, a dot or a slash (`xhttp://`, `a.www.b`).
fn can_precede_url(prev: Option<char>) -> bool {
    prev.is_none_or(|p| !(p.is_ascii_alphanumeric() || "_-.@/".contains(p)))
}

fn kind_of(sigil: char) -> EntityKind {
    match sigil {
        '#' | '＃' => EntityKind::Hashtag,
        '@' | '＠' => EntityKind::Mention,
        '$' => EntityKind::Cashtag,
        _ => EntityKind::Url,
    }
}

fn hashtag_at(text: &str, start: usize, sigil: usize, emoji: bool) -> Option<Span> {
    let body = &text[start + sigil..];
    if body.starts_with([ZWNJ, ZWJ]) {
        return None;
    }
    let run = body
        .char_indices()
        .find(|&(_, c)| !is_tag_char(c, emoji))
        .map_or(body.len(), |(at, _)| at);
    let name = body[..run].trim_end_matches([ZWNJ, ZWJ]);
    name.chars()
        .any(is_letter_like)
        .then(|| Span::new(start, start + sigil + name.len()))
}

fn mention_at(text: &str, start: usize, sigil: usize, federated: bool) -> Option<Span> {
    let body = &text[start + sigil..];
    if !body.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let mut len = handle_part_len(body);
    if federated && body[len..].starts_with('@') {
        let server = &body[len + 1..];
        let server_len = handle_part_len(server);
        if server[..server_len].contains('.') {
            len += 1 + server_len;
        }
    }
    Some(Span::new(start, start + sigil + len))
}

/// The length of `[A-Za-z0-9_.-]*` at the start of `s`, less trailing `.` and `-`.
fn handle_part_len(s: &str) -> usize {
    let run = s
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        .count();
    s[..run].trim_end_matches(['.', '-']).len()
}

fn cashtag_at(text: &str, start: usize) -> Option<Span> {
    let body = &text[start + 1..];
    let len = symbol_len(body)?;
    let next = body[len..].chars().next();
    (!next.is_some_and(is_word_char)).then(|| Span::new(start, start + 1 + len))
}

fn url_at(text: &str, start: usize) -> Option<Span> {
    let rest = &text[start..];
    // Compare bytes in place: copying the head would cost O(n) when byte 8 splits a
    // char (`rest.get(..8)` fails), and `h` can start a word anywhere in a long text.
    let scheme = ["https://", "http://", "www."].into_iter().find(|p| {
        rest.as_bytes()
            .get(..p.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(p.as_bytes()))
    })?;
    let run = rest
        .char_indices()
        .find(|&(_, c)| ends_url(c))
        .map_or(rest.len(), |(at, _)| at);
    let url = trim_url_end(&rest[..run]);
    let host_start = if scheme == "www." { 0 } else { scheme.len() };
    let host = url[host_start..]
        .split(['/', '?', '#', ':'])
        .next()
        .unwrap_or_default();
    let labels_ok = host.split('.').count() >= 2 && host.split('.').all(|l| !l.is_empty());
    let has_tld = host
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.chars().all(char::is_alphanumeric));
    let www_needs_more = scheme == "www." && host.split('.').count() < 3;
    (labels_ok && has_tld && !www_needs_more).then(|| Span::new(start, start + url.len()))
}

fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '<' | '>' | '"' | '\u{3000}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}')
        || matches!(c, '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}')
        || (is_emoji_char(c) && !c.is_ascii())
        || is_invalid_char(c)
}

/// Trims sentence punctuation and unbalanced closing brackets off a link's end.
fn trim_url_end(url: &str) -> &str {
    let mut url = url;
    loop {
        let Some(last) = url.chars().next_back() else {
            return url;
        };
        let unbalanced = |open: char, close: char| {
            last == close && url.matches(close).count() > url.matches(open).count()
        };
        let trim = ".,;:!?'*…、。".contains(last)
            || unbalanced('(', ')')
            || unbalanced('[', ']')
            || unbalanced('{', '}');
        if !trim {
            return url;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Network;

    fn found(network: Network, text: &str) -> Vec<(EntityKind, &str)> {
        extract(text, network.rules())
            .into_iter()
            .map(|e| (e.kind, &text[e.span.range()]))
            .collect()
    }

    fn tags(network: Network, text: &str) -> Vec<&str> {
        extract(text, network.rules())
            .hashtags()
            .map(|e| e.value)
            .collect()
    }

    #[test]
    fn hashtags_in_every_script() {
        let m = Network::Mastodon;
        assert_eq!(
            tags(m, "C'est la #Rentrée, #été2024!"),
            ["Rentrée", "été2024"]
        );
        assert_eq!(
            tags(m, "Ayo #HariKemerdekaan #17Agustus"),
            ["HariKemerdekaan", "17Agustus"]
        );
        assert_eq!(tags(m, "#می‌خواهم و #ایران‌زمین"), ["می‌خواهم", "ایران‌زمین"]);
        assert_eq!(tags(m, "#नमस्ते दोस्तों #क्रिकेट।"), ["नमस्ते", "क्रिकेट"]);
        assert_eq!(
            tags(m, "#東京 と #한국어 ＃全角"),
            ["東京", "한국어", "全角"]
        );
        assert_eq!(tags(m, "#2024 #_ no tags"), Vec::<&str>::new());
        assert_eq!(tags(m, "#tag\u{200C} trailing joiner"), ["tag"]);
    }

    #[test]
    fn emoji_join_tags_only_where_the_network_allows() {
        assert_eq!(tags(Network::Bluesky, "#fun🎉 #🔥"), ["fun🎉", "🔥"]);
        assert_eq!(tags(Network::Instagram, "#love❤️"), ["love❤️"]);
        assert_eq!(tags(Network::Mastodon, "#fun🎉 #🔥"), ["fun"]);
    }

    #[test]
    fn sigils_inside_words_and_links_are_not_entities() {
        let m = Network::Mastodon;
        assert_eq!(
            tags(m, "a#b C#sharp &#39; https://x.com/#frag"),
            Vec::<&str>::new()
        );
        assert_eq!(found(m, "mail me at team@example.com"), []);
    }

    #[test]
    fn mentions_per_network() {
        assert_eq!(
            found(Network::Mastodon, "hi @Brand@mastodon.social and @local."),
            [
                (EntityKind::Mention, "@Brand@mastodon.social"),
                (EntityKind::Mention, "@local")
            ]
        );
        assert_eq!(
            found(Network::Bluesky, "cc @brand.bsky.social"),
            [(EntityKind::Mention, "@brand.bsky.social")]
        );
        assert_eq!(
            found(Network::Threads, "cc @a@b.com"),
            [(EntityKind::Mention, "@a")]
        );
    }

    #[test]
    fn links_end_where_prose_resumes() {
        let b = Network::Bluesky;
        assert_eq!(
            found(b, "See https://example.com/a_(b)?x=1. (www.example.org/x)"),
            [
                (EntityKind::Url, "https://example.com/a_(b)?x=1"),
                (EntityKind::Url, "www.example.org/x")
            ]
        );
        assert_eq!(
            found(b, "詳細はhttps://example.jp/をご覧"),
            [(EntityKind::Url, "https://example.jp/")]
        );
        assert_eq!(
            found(b, "https://fa.wikipedia.org/wiki/ایران ok"),
            [(EntityKind::Url, "https://fa.wikipedia.org/wiki/ایران")]
        );
        assert_eq!(found(b, "http://localhost www.x"), []);
        assert_eq!(
            found(b, "HTTPS://Example.com 日h日w"),
            [(EntityKind::Url, "HTTPS://Example.com")]
        );
    }

    #[test]
    fn cashtags_need_space_before() {
        assert_eq!(
            found(Network::Mastodon, "$TSLA up, US$5 and $BRK.A $toolong"),
            [
                (EntityKind::Cashtag, "$TSLA"),
                (EntityKind::Cashtag, "$BRK.A")
            ]
        );
    }
}
