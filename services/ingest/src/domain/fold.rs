//! Text folded for keyword matching: the words of a text (Unicode word boundaries, UAX #29),
//! each folded like a hashtag (NFC, full case folding, Arabic yeh/kaf to Persian), joined by
//! single spaces with a space at each end: `" kopi susu enak "`.
//!
//! A keyword folded the same way (`" kopi susu "`) then matches only whole words, in every
//! script at once, with one substring automaton: `" kopi "` cannot match inside
//! `" kopiah "`. Apostrophes split words on both sides, so `été` matches `l'été` and the
//! phrase `j'aime` matches `J’aime`.

use tagar_model::canonicalize_into;
use unicode_segmentation::UnicodeSegmentation;

/// Reusable buffers for folding, so a hot loop allocates nothing per post.
#[derive(Debug, Default)]
pub struct Folder {
    word: String,
}

impl Folder {
    /// Writes the folded form of `text` into `out` (cleared first).
    pub fn fold_into(&mut self, text: &str, out: &mut String) {
        out.clear();
        out.push(' ');
        for token in text.split_word_bounds() {
            if !token.chars().any(char::is_alphanumeric) {
                continue;
            }
            for part in token.split(['\'', '\u{2019}']) {
                if part.chars().any(char::is_alphanumeric) {
                    canonicalize_into(part, &mut self.word);
                    out.push_str(&self.word);
                    out.push(' ');
                }
            }
        }
    }
}

/// The folded form of a keyword or phrase (`" kopi susu "`), or `" "` when it holds no word.
pub fn fold_phrase(phrase: &str) -> String {
    let mut out = String::new();
    Folder::default().fold_into(phrase, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_spaced() {
        assert_eq!(fold_phrase("Kopi SUSU, enak!"), " kopi susu enak ");
        assert_eq!(fold_phrase("J’aime l'ÉTÉ"), " j aime l été ");
        assert_eq!(fold_phrase("Cafe\u{301}"), " café ");
        assert_eq!(fold_phrase("...  !"), " ");
    }

    #[test]
    fn scripts_keep_their_words_whole() {
        // Devanagari vowel signs and the Persian ZWNJ stay inside their words.
        assert_eq!(fold_phrase("मेरा नाम"), " मेरा नाम ");
        assert_eq!(fold_phrase("می‌خواهم قهوه"), " می‌خواهم قهوه ");
        // Arabic yeh and kaf fold to the Persian letters.
        assert_eq!(fold_phrase("كيك"), fold_phrase("کیک"));
    }
}
