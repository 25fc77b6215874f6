//! The one canonical form of a hashtag, for matching and counting.
//!
//! `#Café`, `#CAFÉ` and `#Cafe` + U+0301 (combining acute) are one tag. The canonical form
//! of a tag name (without its `#`) is:
//!
//! 1. Unicode NFC, so precomposed and decomposed accents agree;
//! 2. full Unicode case folding (CaseFolding.txt, statuses C and F): `É`→`é`, `ß`→`ss`,
//!    `ς`→`σ`, `İ`→`i̇`; not the Turkic-specific folding;
//! 3. the Arabic letters that Persian keyboards and Arabic keyboards type differently
//!    fold to the Persian letter: `ي` (U+064A) → `ی` (U+06CC) and `ك` (U+0643) → `ک`
//!    (U+06A9), because Persian users type both for the same word;
//! 4. NFC again, repeated until nothing changes, so the form is idempotent.
//!
//! Not folded, on purpose: diacritics (`Cafe` ≠ `Café`), the zero-width non-joiner in
//! Persian (`می‌خواهم` ≠ `میخواهم`), Arabic tatweel, alef maksura `ى`, Arabic-Indic versus
//! Persian digits, full-width Latin (`ＣＡＦＥ` ≠ `cafe`; that would be NFKC), and emoji
//! variation selectors and skin tones.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use unicase::UniCase;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The canonical form of a tag name, borrowing the input when it is canonical already.
///
/// The input is a tag name without its `#`; a `#` in it is kept like any other char.
pub fn canonical_hashtag(tag: &str) -> Cow<'_, str> {
    if tag.is_ascii() {
        if tag.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(tag.to_ascii_lowercase());
        }
        return Cow::Borrowed(tag);
    }
    let mut out = String::with_capacity(tag.len());
    canonicalize_non_ascii(tag, &mut out);
    if out == tag {
        Cow::Borrowed(tag)
    } else {
        Cow::Owned(out)
    }
}

/// Writes the canonical form of `tag` into `out` (cleared first): the path for hot loops
/// that keep one buffer. An ASCII tag allocates nothing; another allocates one string
/// for its case folding (two more when it is not NFC).
pub fn canonicalize_into(tag: &str, out: &mut String) {
    out.clear();
    if tag.is_ascii() {
        out.push_str(tag);
        out.make_ascii_lowercase();
    } else {
        canonicalize_non_ascii(tag, out);
    }
}

fn canonicalize_non_ascii(tag: &str, out: &mut String) {
    // Round one streams into `out`: NFC (borrowed when the tag is NFC already), case
    // folding (unicase builds one String), the Persian letters mapped char by char.
    match is_nfc_quick(tag.chars()) {
        IsNormalized::Yes => fold_into(tag, out),
        _ => fold_into(&tag.nfc().collect::<String>(), out),
    }
    // Case folding is idempotent and the Persian letters have no case, so a result NFC
    // already is the fixed point. Otherwise NFC may recompose a char that folds again:
    // repeat until nothing changes (a second round reaches the fixed point for every
    // string Unicode has; the bound is a guard). Rare: only tags whose folding un-NFCs.
    if is_nfc_quick(out.chars()) == IsNormalized::Yes {
        return;
    }
    let mut current: String = out.nfc().collect();
    for _ in 0..4 {
        let mut next = String::with_capacity(current.len());
        fold_into(&current, &mut next);
        if is_nfc_quick(next.chars()) != IsNormalized::Yes {
            next = next.nfc().collect();
        }
        if next == current {
            break;
        }
        current = next;
    }
    out.clear();
    out.push_str(&current);
}

/// Appends the full case folding of `s`, with Arabic yeh and kaf as Persian, to `out`.
fn fold_into(s: &str, out: &mut String) {
    let persian = |c: char| match c {
        '\u{064A}' => '\u{06CC}',
        '\u{0643}' => '\u{06A9}',
        c => c,
    };
    out.extend(UniCase::unicode(s).to_folded_case().chars().map(persian));
}

/// A hashtag name in canonical form: equal values are the same tag for matching and
/// counting. Build one with [`CanonicalHashtag::of`] or [`crate::Hashtag::canonical`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CanonicalHashtag(String);

impl CanonicalHashtag {
    /// The canonical form of a tag name given without its `#`.
    pub fn of(tag: &str) -> Self {
        Self(canonical_hashtag(tag).into_owned())
    }

    /// The canonical text, without `#`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CanonicalHashtag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_in_any_composition_and_case_are_one_tag() {
        let precomposed = canonical_hashtag("Café");
        assert_eq!(precomposed, "café");
        assert_eq!(canonical_hashtag("CAFÉ"), precomposed);
        assert_eq!(canonical_hashtag("Cafe\u{0301}"), precomposed);
        assert_ne!(
            canonical_hashtag("Cafe"),
            precomposed,
            "diacritics are not stripped"
        );
    }

    #[test]
    fn full_case_folding_not_just_lowercase() {
        assert_eq!(canonical_hashtag("Straße"), "strasse");
        assert_eq!(canonical_hashtag("STRASSE"), "strasse");
        assert_eq!(canonical_hashtag("ΟΔΥΣΣΕΥΣ"), canonical_hashtag("οδυσσευς"));
    }

    #[test]
    fn arabic_yeh_and_kaf_fold_to_persian() {
        assert_eq!(canonical_hashtag("ايران"), canonical_hashtag("ایران"));
        assert_eq!(canonical_hashtag("كتاب"), canonical_hashtag("کتاب"));
        assert_ne!(canonical_hashtag("می‌خواهم"), canonical_hashtag("میخواهم"));
    }

    #[test]
    fn canonical_input_is_borrowed() {
        assert!(matches!(canonical_hashtag("café"), Cow::Borrowed(_)));
        assert!(matches!(canonical_hashtag("jakarta"), Cow::Borrowed(_)));
        assert!(matches!(canonical_hashtag("हिन्दी"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_buffer_form_agrees() {
        let mut buf = String::new();
        for tag in ["Café", "JAKARTA", "كتاب", "हिन्दी", "東京"] {
            canonicalize_into(tag, &mut buf);
            assert_eq!(buf, canonical_hashtag(tag));
        }
    }
}
