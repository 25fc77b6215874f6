//! A stock symbol in a post: `$TSLA`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValueError;
use crate::error::string_value;

/// A cashtag's symbol, without `$`: one to six ASCII letters, optionally followed by `.` or
/// `_` and one or two letters (`BRK.A`), the rule twitter-text uses. Symbols are
/// case-insensitive; [`Cashtag::canonical`] is the uppercase form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cashtag(String);

impl Cashtag {
    /// Parses a symbol, with or without its `$`.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        const FIELD: &str = "cashtag";
        let s = s.trim();
        let symbol = s.strip_prefix('$').unwrap_or(s);
        if symbol.is_empty() {
            return Err(ValueError::Empty { field: FIELD });
        }
        if symbol_len(symbol) != Some(symbol.len()) {
            return Err(ValueError::invalid(
                FIELD,
                "must be 1 to 6 ASCII letters, optionally with .XX or _XX",
            ));
        }
        Ok(Self(symbol.to_owned()))
    }

    /// The symbol as written, without `$`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uppercase symbol, for matching.
    pub fn canonical(&self) -> String {
        self.0.to_ascii_uppercase()
    }
}

/// The length of the longest cashtag symbol at the start of `s`, if any.
pub(crate) fn symbol_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 6 {
        return None;
    }
    let mut len = letters;
    if matches!(b.get(len), Some(b'.' | b'_')) {
        let suffix = b[len + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        if (1..=2).contains(&suffix) {
            len += 1 + suffix;
        }
    }
    Some(len)
}

impl fmt::Display for Cashtag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}", self.0)
    }
}

string_value!(Cashtag);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_parse() {
        assert_eq!(Cashtag::parse("$tsla").unwrap().canonical(), "TSLA");
        assert!(Cashtag::parse("BRK.A").is_ok());
        assert!(Cashtag::parse("$TOOLONGX").is_err());
        assert!(Cashtag::parse("$12").is_err());
        assert!(Cashtag::parse("$").is_err());
    }
}
