//! Names and time zones: small value objects that parse, so a brand can never hold an
//! empty name or a time zone the scheduler cannot use.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValueError;
use crate::error::string_value;

/// Trims and checks a display name: not empty, at most `max` chars, no control chars.
fn parse_name(s: &str, field: &'static str, max: usize) -> Result<String, ValueError> {
    let name = s.trim();
    if name.is_empty() {
        return Err(ValueError::Empty { field });
    }
    let lead = s.len() - s.trim_start().len();
    if let Some((at, found)) = name.char_indices().find(|(_, c)| c.is_control()) {
        return Err(ValueError::InvalidChar {
            field,
            found,
            at: lead + at,
        });
    }
    let len = name.chars().count();
    if len > max {
        return Err(ValueError::TooLong { field, len, max });
    }
    Ok(name.to_owned())
}

macro_rules! name_value {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The longest name accepted, in chars.
            pub const MAX_CHARS: usize = 100;

            /// Parses a name: trimmed, not empty, at most [`Self::MAX_CHARS`] chars, no
            /// control characters.
            pub fn parse(s: &str) -> Result<Self, ValueError> {
                parse_name(s, $field, Self::MAX_CHARS).map(Self)
            }

            /// The name.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        string_value!($name);
    };
}

name_value!(
    /// An agency's name.
    TenantName,
    "tenant name"
);
name_value!(
    /// A brand's name, as the agency shows it.
    BrandName,
    "brand name"
);

/// An IANA time zone (`Europe/Paris`, `Asia/Jakarta`, `Asia/Tehran`), in which a brand's
/// posts are scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// Parses an IANA time-zone name; surrounding space is trimmed.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        const FIELD: &str = "time zone";
        let name = s.trim();
        if name.is_empty() {
            return Err(ValueError::Empty { field: FIELD });
        }
        // The longest IANA name is 32 bytes; a longer one is not worth echoing back.
        if name.len() > 64 {
            return Err(ValueError::invalid(
                FIELD,
                format!(
                    "is {} bytes long; no IANA time zone name is over 64",
                    name.len()
                ),
            ));
        }
        name.parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            ValueError::invalid(
                FIELD,
                format!("{name:?} is not an IANA time zone name such as Europe/Paris"),
            )
        })
    }

    /// The IANA name.
    pub fn as_str(&self) -> &str {
        self.0.name()
    }

    /// The zone, for date arithmetic with `chrono`.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

string_value!(TimeZone);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            BrandName::parse("  Kopi Kita ").unwrap().as_str(),
            "Kopi Kita"
        );
        assert_eq!(
            BrandName::parse(" ").unwrap_err().to_string(),
            "brand name must not be empty"
        );
        assert!(TenantName::parse(&"x".repeat(101)).is_err());
        let err = TenantName::parse("bad\nname").unwrap_err();
        assert_eq!(
            err.to_string(),
            "tenant name may not contain '\\n' (at byte 3)"
        );
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            TimeZone::parse("Asia/Jakarta").unwrap().to_string(),
            "Asia/Jakarta"
        );
        assert!(TimeZone::parse("Asia/Tehran").is_ok());
        let err = TimeZone::parse("Mars/Olympus").unwrap_err();
        assert_eq!(err.field(), "time zone");
        assert!(err.to_string().contains("Mars/Olympus"));
    }
}
