//! Words of a text for matching: split on Unicode word boundaries (UAX #29), folded the
//! way hashtags are (NFC, full case folding, Arabic yeh/kaf to Persian), with the
//! typographic apostrophe read as `'`.

use unicode_segmentation::UnicodeSegmentation;

use crate::{Span, canonicalize_into};

/// The words of `text` with their spans; punctuation and white space are skipped.
pub(super) fn words(text: &str) -> impl Iterator<Item = (Span, &str)> {
    text.split_word_bound_indices()
        .filter(|(_, w)| w.chars().any(|c| c.is_alphanumeric()))
        .map(|(at, w)| (Span::new(at, at + w.len()), w))
}

/// Folds `word` into `out` for matching.
pub(super) fn fold_into(word: &str, out: &mut String) {
    canonicalize_into(word, out);
    if out.contains('\u{2019}') {
        *out = out.replace('\u{2019}', "'");
    }
}

/// Folds `word` for matching.
pub(super) fn fold(word: &str) -> String {
    let mut out = String::new();
    fold_into(word, &mut out);
    out
}

/// Finds each occurrence of the phrase `needle` (already folded, split into words) in
/// the words of `haystack`; a match is the span from its first to its last word.
pub(super) fn find_phrase(haystack: &[(Span, String)], needle: &[String]) -> Vec<Span> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return Vec::new();
    }
    haystack
        .windows(needle.len())
        .filter(|window| window.iter().zip(needle).all(|((_, w), n)| w == n))
        .map(|window| Span::new(window[0].0.start, window[needle.len() - 1].0.end))
        .collect()
}

/// The folded words of `text`, with their spans.
pub(super) fn folded_words(text: &str) -> Vec<(Span, String)> {
    words(text).map(|(span, w)| (span, fold(w))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_elisions_and_marks_together() {
        let got: Vec<&str> = words("J’aime l'été, मेरा नाम, می‌خواهم!")
            .map(|(_, w)| w)
            .collect();
        assert_eq!(got, ["J’aime", "l'été", "मेरा", "नाम", "می‌خواهم"]);
        assert_eq!(fold("J’AIME"), "j'aime");
    }

    #[test]
    fn phrases_match_across_words() {
        let hay = folded_words("Buy CHEAP  Deals now, cheap deals!");
        let needle = vec!["cheap".to_owned(), "deals".to_owned()];
        assert_eq!(
            find_phrase(&hay, &needle),
            [Span::new(4, 16), Span::new(22, 33)]
        );
    }
}
