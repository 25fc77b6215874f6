//! Normalisation and tokenisation shared by every part of the classifier.
//!
//! Text is folded once (NFC, full lower case, Persian letter folding, zero-width non-joiner,
//! tatweel and Arabic short vowels dropped), then cut into word tokens. A token keeps light
//! leetspeak decoded (`sh1t` → `shit`, `@` → `a`, `$` → `s`) and, when it has doubled letters,
//! its squeezed form (`stuuupid` → `stupid`) so elongated words still match.

use unicode_normalization::UnicodeNormalization;

/// Folds `text` for matching.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfc().flat_map(char::to_lowercase) {
        match c {
            'ي' | 'ى' => out.push('ی'),
            'ك' => out.push('ک'),
            '’' | 'ʼ' | '‘' => out.push('\''),
            // ZWNJ, tatweel and the Arabic short vowels change no word's identity.
            '\u{200C}' | '\u{0640}' | '\u{064B}'..='\u{0652}' => {}
            c => out.push(c),
        }
    }
    // English contractions: "don't" → "do not", so the negator is a token of its own.
    let out = out.replace("n't", " not");
    out.nfc().collect()
}

/// One word of a text, folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word with leetspeak decoded.
    pub text: String,
    /// The word with repeated letters squeezed to one, when that differs from `text`.
    pub squeezed: Option<String>,
}

impl Token {
    fn new(text: String) -> Self {
        let squeezed = squeeze(&text);
        let squeezed = (squeezed != text).then_some(squeezed);
        Self { text, squeezed }
    }

    /// Whether this token is the listed word `want` (given with its own squeezed form):
    /// exactly, or once elongation is squeezed out of both.
    pub fn is(&self, want: &str, want_squeezed: &str) -> bool {
        self.text == want
            || self
                .squeezed
                .as_deref()
                .is_some_and(|s| s.chars().count() >= 4 && s == want_squeezed)
    }
}

/// Collapses every run of one repeated character to a single one.
pub fn squeeze(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    for c in word.chars() {
        if last != Some(c) {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        // Devanagari and its extension: vowel signs, virama and nukta are marks, not letters.
        || ('\u{0900}'..='\u{097F}').contains(&c)
        || ('\u{A8E0}'..='\u{A8FF}').contains(&c)
        // Marks combining with Latin letters that NFC could not compose.
        || ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Symbols that stand in for letters inside a word (`f*ck`, `@ss`, `bi$ch`).
fn is_joiner(c: char) -> bool {
    matches!(c, '*' | '@' | '$')
}

fn decode_leet(raw: &str) -> String {
    let has_letter = raw.chars().any(char::is_alphabetic);
    let has_other = raw
        .chars()
        .any(|c| c.is_ascii_digit() || c == '@' || c == '$');
    if !(has_letter && has_other) {
        return raw.to_owned();
    }
    raw.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            c => c,
        })
        .collect()
}

/// The word tokens of already-folded text.
pub fn tokens(folded: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        let trimmed = current.trim_matches(is_joiner);
        if !trimmed.is_empty() {
            out.push(Token::new(decode_leet(trimmed)));
        }
        current.clear();
    };
    for c in folded.chars() {
        if is_word_char(c) || is_joiner(c) {
            current.push(c);
        } else {
            flush(&mut current);
        }
    }
    flush(&mut current);
    out
}

/// Folds and tokenises in one go (for word lists and phrases).
pub fn words(text: &str) -> Vec<Token> {
    tokens(&fold(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        words(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn folds_case_persian_letters_and_contractions() {
        assert_eq!(texts("Don't GO"), ["do", "not", "go"]);
        assert_eq!(fold("علي كتاب"), "علی کتاب");
        assert_eq!(fold("بی\u{200C}شعور"), "بیشعور");
        assert_eq!(texts("Café"), texts("Cafe\u{301}"));
    }

    #[test]
    fn decodes_light_leetspeak_and_squeezes_elongation() {
        assert_eq!(
            texts("sh1t 1d10t f*ck b!tch"),
            ["shit", "idiot", "f*ck", "b", "tch"]
        );
        assert_eq!(texts("2024 $100"), ["2024", "100"]);
        let t = &words("stuuupid")[0];
        assert!(t.is("stupid", "stupid"));
        assert!(!words("as")[0].is("ass", "as"));
    }

    #[test]
    fn devanagari_words_keep_their_marks() {
        assert_eq!(texts("तुम बेवकूफ़ हो"), ["तुम", "बेवकूफ़", "हो"]);
    }
}
