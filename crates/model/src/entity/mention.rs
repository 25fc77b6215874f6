//! Account handles and mentions of them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValueError;
use crate::error::string_value;

/// An account's handle on its network, without `@`: `brand_id` (X, Threads, Instagram),
/// `brand@mastodon.social` (a fediverse account with its server) or `brand.bsky.social`
/// (a Bluesky domain handle).
///
/// ASCII letters, digits, `_`, `.` and `-`, at most one `@` before a server name; it starts
/// and ends with a letter, digit or `_`. Handles are case-insensitive on every network, so
/// compare [`Handle::canonical`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Handle(String);

impl Handle {
    /// The longest handle accepted, in chars (a 64-char user and a 253-char domain).
    pub const MAX_CHARS: usize = 318;

    /// Parses a handle, with or without a leading `@`; surrounding space is trimmed.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        Self::parse_field(s, "handle")
    }

    pub(crate) fn parse_field(s: &str, field: &'static str) -> Result<Self, ValueError> {
        let trimmed = s.trim();
        let lead = s.len() - s.trim_start().len();
        let (name, lead) = match trimmed.strip_prefix(['@', '＠']) {
            Some(rest) => (rest, lead + trimmed.len() - rest.len()),
            None => (trimmed, lead),
        };
        if name.is_empty() {
            return Err(ValueError::Empty { field });
        }
        if name.len() > Self::MAX_CHARS {
            return Err(ValueError::TooLong {
                field,
                len: name.chars().count(),
                max: Self::MAX_CHARS,
            });
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || "_.-@".contains(c);
        if let Some((at, found)) = name.char_indices().find(|&(_, c)| !allowed(c)) {
            return Err(ValueError::InvalidChar {
                field,
                found,
                at: lead + at,
            });
        }
        for part in name.split('@') {
            let edge_ok =
                |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if !edge_ok(part.chars().next()) || !edge_ok(part.chars().last()) {
                return Err(ValueError::invalid(
                    field,
                    "must start and end with a letter, digit or underscore (around any @ too)",
                ));
            }
        }
        if name.matches('@').count() > 1 {
            return Err(ValueError::invalid(
                field,
                "may hold at most one @server part",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The handle as written, without `@`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The user part, before any `@server`.
    pub fn user(&self) -> &str {
        self.0.split('@').next().unwrap_or(&self.0)
    }

    /// The server of a fediverse handle (`mastodon.social` in `brand@mastodon.social`).
    pub fn server(&self) -> Option<&str> {
        self.0.split_once('@').map(|(_, server)| server)
    }

    /// The form to compare handles by: ASCII lowercase.
    pub fn canonical(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

string_value!(Handle);

/// A mention of an account in a post: `@handle`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mention(Handle);

impl Mention {
    /// Parses a mention, with or without its `@`.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        Handle::parse_field(s, "mention").map(Self)
    }

    /// The handle mentioned, without `@`.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The handle mentioned.
    pub fn handle(&self) -> &Handle {
        &self.0
    }
}

impl fmt::Display for Mention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.0)
    }
}

string_value!(Mention);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_of_every_network_parse() {
        assert_eq!(Handle::parse("@Brand_ID").unwrap().canonical(), "brand_id");
        let fedi = Handle::parse("brand@mastodon.social").unwrap();
        assert_eq!(
            (fedi.user(), fedi.server()),
            ("brand", Some("mastodon.social"))
        );
        assert!(Handle::parse("brand.bsky.social").is_ok());
        assert_eq!(Mention::parse("@x").unwrap().to_string(), "@x");
    }

    #[test]
    fn bad_handles_name_the_field() {
        let err = Mention::parse("@bad handle").unwrap_err();
        assert_eq!(err.to_string(), "mention may not contain ' ' (at byte 4)");
        assert!(Handle::parse("a@b@c").is_err());
        assert!(Handle::parse("brand.").is_err());
        assert!(matches!(
            Handle::parse("@"),
            Err(ValueError::Empty { field: "handle" })
        ));
    }
}
