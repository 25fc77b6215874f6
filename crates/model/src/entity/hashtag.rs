//! A hashtag name that is known to be valid.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::chars::{ZWJ, ZWNJ, is_letter_like, is_tag_char};
use crate::error::string_value;
use crate::{CanonicalHashtag, ValueError};

/// A hashtag, as written, without its `#`.
///
/// Valid names hold letters in any script, digits, combining marks (Devanagari vowel signs,
/// Arabic harakat), `_`, `·`, the zero-width (non-)joiner between other chars (Persian),
/// and emoji; at least one char must be a letter, mark or emoji, so `#2024` is not a tag.
/// Compare tags with [`Hashtag::canonical`], never with the text as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hashtag(String);

impl Hashtag {
    /// The longest name accepted, in chars (X's limit on a hashtag is 100).
    pub const MAX_CHARS: usize = 100;

    /// Parses a tag name, with or without a leading `#` or `＃`; surrounding space is trimmed.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        const FIELD: &str = "hashtag";
        let trimmed = s.trim();
        let offset = s.len() - s.trim_start().len();
        let (name, offset) = match trimmed.strip_prefix(['#', '＃']) {
            Some(rest) => (rest, offset + (trimmed.len() - rest.len())),
            None => (trimmed, offset),
        };
        if name.is_empty() {
            return Err(ValueError::Empty { field: FIELD });
        }
        if let Some((at, found)) = name.char_indices().find(|&(_, c)| !is_tag_char(c, true)) {
            return Err(ValueError::InvalidChar {
                field: FIELD,
                found,
                at: offset + at,
            });
        }
        if name.starts_with([ZWNJ, ZWJ]) || name.ends_with([ZWNJ, ZWJ]) {
            return Err(ValueError::invalid(
                FIELD,
                "may not start or end with a zero-width joiner or non-joiner",
            ));
        }
        if !name.chars().any(is_letter_like) {
            return Err(ValueError::invalid(
                FIELD,
                "needs at least one letter or emoji, not only digits and underscores",
            ));
        }
        let len = name.chars().count();
        if len > Self::MAX_CHARS {
            return Err(ValueError::TooLong {
                field: FIELD,
                len,
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as written, without `#`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The canonical form for matching and counting (see [`crate::canonical`]).
    pub fn canonical(&self) -> CanonicalHashtag {
        CanonicalHashtag::of(&self.0)
    }
}

impl fmt::Display for Hashtag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

string_value!(Hashtag);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_in_every_script_parse() {
        for tag in [
            "#Café",
            "#RentrÉe2024",
            "#KemerdekaanRI",
            "#می‌خواهم",
            "#नमस्ते",
            "#हिन्दी",
            "#東京オリンピック",
            "#한국어",
            "#🎉party",
        ] {
            assert!(Hashtag::parse(tag).is_ok(), "{tag}");
        }
    }

    #[test]
    fn invalid_tags_say_why() {
        let err = Hashtag::parse("#bad tag").unwrap_err();
        assert_eq!(err.to_string(), "hashtag may not contain ' ' (at byte 4)");
        assert!(matches!(Hashtag::parse("#"), Err(ValueError::Empty { .. })));
        assert!(Hashtag::parse("#2024").is_err());
        assert!(Hashtag::parse("#\u{200C}x").is_err());
        assert!(Hashtag::parse(&"a".repeat(101)).is_err());
    }

    #[test]
    fn spelling_variants_share_one_canonical_form() {
        let a = Hashtag::parse("#Café").unwrap().canonical();
        let b = Hashtag::parse("CAFE\u{0301}").unwrap().canonical();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "#café");
    }
}
