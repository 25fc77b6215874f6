//! X's length, by twitter-text.
//!
//! twitter-text weighs the NFC form of a text. We normalise first, guard the normalised
//! text against twitter-text's slicing panic (normalising can create the ASCII char that
//! triggers it: U+212A KELVIN SIGN becomes `K`), weigh it, and map the point where it
//! stops fitting back to the text as written.

use std::borrow::Cow;

use twitter_text::extractor::{Extract, ValidatingExtractor};
use twitter_text_config::Configuration;
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc, is_nfc_quick};

use super::{LengthCheck, Verdict, first_invalid_char};
use crate::Network;
use crate::extract::guard_x;
use crate::span::Utf16Cursor;

/// Which twitter-text weighting configuration to measure X text with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum XWeighting {
    /// v1: 140 characters, every code point weighs 1 (X before 2017; what twitter-text's
    /// `Validator::new` still checks against).
    V1,
    /// v2: 280 weighted characters, emoji weighed per code point (X before emoji parsing).
    V2,
    /// v3: v2 plus one weight of 2 per emoji sequence. What X uses today.
    #[default]
    V3,
}

impl XWeighting {
    fn config(self) -> &'static Configuration {
        match self {
            XWeighting::V1 => twitter_text_config::config_v1(),
            XWeighting::V2 => twitter_text_config::config_v2(),
            XWeighting::V3 => twitter_text_config::config_v3(),
        }
    }
}

/// Measures `text` with twitter-text under the given configuration.
///
/// Never panics, whatever the input; `fits_until` is a char boundary of `text`.
pub fn weigh_x(text: &str, weighting: XWeighting) -> LengthCheck {
    let config = weighting.config();
    let nfc: Cow<'_, str> = if is_nfc(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    };
    let guarded = guard_x(&nfc);
    let extractor = ValidatingExtractor::new_with_nfc_input(config, &guarded);
    let parsed = extractor.extract_urls_with_indices(&guarded).parse_results;
    let differs = match &nfc {
        Cow::Borrowed(_) => None,
        Cow::Owned(nfc) => Some(nfc.as_str()),
    };
    check_of(text, differs, &parsed, config)
}

/// X's entities and length of `text` in one twitter-text pass, when `text` is in NFC (as
/// nearly every post is): twitter-text weighs the NFC form, and its entity offsets are into
/// the text it parsed, which is then the text as written. `None` for other texts, which take
/// the two passes of [`crate::extract`] and [`weigh_x`].
pub(crate) fn extract_and_weigh_x(text: &str) -> Option<(crate::Extraction<'_>, LengthCheck)> {
    if !is_nfc_by_chunks(text) {
        return None;
    }
    let config = XWeighting::V3.config();
    let guarded = guard_x(text);
    let extractor = ValidatingExtractor::new_with_nfc_input(config, &guarded);
    let found = extractor.extract(&guarded, crate::extract::x_rules);
    let check = check_of(text, None, &found.parse_results, config);
    Some((crate::extract::x_entities(text, &found.entities), check))
}

/// Whether `text` is in NFC, as [`is_nfc`] says, renormalising only where the quick check
/// cannot tell: the text splits into chunks that normalise independently (each starts at a
/// char of combining class 0 that NFC keeps as is, as in [`written_offset`]), and only a
/// chunk of more than one char can differ from its NFC form.
fn is_nfc_by_chunks(text: &str) -> bool {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => return true,
        IsNormalized::No => return false,
        IsNormalized::Maybe => {}
    }
    let mut chunk_start = 0;
    let mut chars_in_chunk = 0;
    for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
        let boundary = at == text.len()
            || (canonical_combining_class(c) == 0
                && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes);
        if boundary && at > chunk_start {
            let chunk = &text[chunk_start..at];
            if chars_in_chunk > 1 && !chunk.chars().eq(chunk.nfc()) {
                return false;
            }
            chunk_start = at;
            chars_in_chunk = 0;
        }
        chars_in_chunk += 1;
    }
    true
}

/// The length check of `text` from twitter-text's results on its NFC form (`nfc`, when it
/// is not `text` itself).
fn check_of(
    text: &str,
    nfc: Option<&str>,
    parsed: &twitter_text::TwitterTextParseResults,
    config: &Configuration,
) -> LengthCheck {
    let length = usize::try_from(parsed.weighted_length).unwrap_or(0);
    let max_length = usize::try_from(config.max_weighted_tweet_length).unwrap_or(0);
    let valid_end = usize::try_from(parsed.valid_text_range.end() + 1).unwrap_or(0);
    // A text that fits fits to its end: no walk to find where.
    let fits_until = if parsed.is_valid {
        text.len()
    } else {
        let nfc_cut = Utf16Cursor::new(nfc.unwrap_or(text)).byte_at(valid_end);
        match nfc {
            None => nfc_cut,
            Some(nfc) => written_offset(text, nfc_cut, nfc.len()),
        }
    };
    let verdict = if parsed.is_valid {
        Verdict::Fits
    } else if text.is_empty() {
        Verdict::Empty
    } else if let Some(at) = first_invalid_char(text) {
        Verdict::InvalidChar { at }
    } else {
        Verdict::TooLong {
            over_by: length.saturating_sub(max_length),
        }
    };
    LengthCheck {
        network: Network::X,
        length,
        max_length,
        fits_until,
        verdict,
    }
}

/// The byte offset in `text` whose NFC prefix is the first `nfc_cut` bytes of its NFC
/// form (`nfc_len` bytes long), rounded down to a normalisation boundary: the text is
/// walked in chunks that normalise independently (each starts at a char of combining
/// class 0 that NFC keeps as is), so a cut inside a chunk falls back to its start.
fn written_offset(text: &str, nfc_cut: usize, nfc_len: usize) -> usize {
    if nfc_cut >= nfc_len {
        return text.len();
    }
    let mut normalised = 0;
    let mut chunk_start = 0;
    for (at, c) in text.char_indices().skip(1).chain([(text.len(), ' ')]) {
        let boundary = at == text.len()
            || (canonical_combining_class(c) == 0
                && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes);
        if !boundary {
            continue;
        }
        let chunk: usize = text[chunk_start..at].nfc().map(char::len_utf8).sum();
        if normalised + chunk > nfc_cut {
            return chunk_start;
        }
        normalised += chunk;
        chunk_start = at;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_by_chunks_agrees_with_the_whole_text_check() {
        for text in [
            "Café crème",
            "Cafe\u{301} cre\u{300}me",
            "ख़ास ऑफ़र",
            "\u{0916}\u{093C}ास",
            "a\u{0323}\u{0307}b",
            "a\u{0307}\u{0323}b",
            "\u{212A}elvin",
            "가\u{11A8}",
            "",
            "\u{0301}",
        ] {
            assert_eq!(is_nfc_by_chunks(text), is_nfc(text), "{text:?}");
        }
    }

    #[test]
    fn normalising_cannot_make_twitter_text_panic() {
        // U+212A KELVIN SIGN normalises to ASCII `K`, which makes twitter-text slice the
        // two bytes before the `@`: inside `日` or `é`.
        for text in ["日\u{212A}@x", "é\u{212A}@", "日\u{212A}@user hello"] {
            let check = weigh_x(text, XWeighting::V3);
            assert!(text.is_char_boundary(check.fits_until));
        }
    }

    #[test]
    fn fits_until_counts_the_normalisation_before_the_cut_only() {
        let text = format!("{}{}", "a".repeat(281), "e\u{0301}".repeat(20));
        let check = weigh_x(&text, XWeighting::V3);
        assert_eq!(check.length, 301);
        assert_eq!(check.fits_until, 280);

        let text = format!("{}{}", "e\u{0301}".repeat(10), "a".repeat(290));
        let check = weigh_x(&text, XWeighting::V3);
        assert_eq!(check.fits_until, 10 * 3 + 270);
    }

    #[test]
    fn v1_counts_140_code_points_and_links_23() {
        let text = format!("{} https://example.com/{}", "a".repeat(116), "p".repeat(40));
        assert_eq!(weigh_x(&text, XWeighting::V1).length, 116 + 1 + 23);
        assert!(weigh_x(&text, XWeighting::V1).is_valid());
        let longer = format!("a{text}");
        assert_eq!(
            weigh_x(&longer, XWeighting::V1).verdict,
            Verdict::TooLong { over_by: 1 }
        );
    }
}
