//! Why a value object refused its input. Every variant names the field.

/// A value could not be parsed; the message names the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Nothing but white space, or nothing at all.
    #[error("{field} must not be empty")]
    Empty {
        /// The field being parsed, e.g. `"hashtag"` or `"brand name"`.
        field: &'static str,
    },
    /// Longer than the field allows.
    #[error("{field} is {len} characters long; the limit is {max}")]
    TooLong {
        /// The field being parsed.
        field: &'static str,
        /// The length found, in characters.
        len: usize,
        /// The limit, in characters.
        max: usize,
    },
    /// A character the field does not allow.
    #[error("{field} may not contain {found:?} (at byte {at})")]
    InvalidChar {
        /// The field being parsed.
        field: &'static str,
        /// The offending character.
        found: char,
        /// Its byte offset in the input.
        at: usize,
    },
    /// Any other reason, in words.
    #[error("{field} {reason}")]
    Invalid {
        /// The field being parsed.
        field: &'static str,
        /// What is wrong, phrased to follow the field name.
        reason: String,
    },
}

impl ValueError {
    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Empty { field }
            | Self::TooLong { field, .. }
            | Self::InvalidChar { field, .. }
            | Self::Invalid { field, .. } => field,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

/// Implements `Display`, `FromStr`, `AsRef<str>` and string serde for a value object
/// with a `parse(&str) -> Result<Self, ValueError>` and an `as_str()`.
macro_rules! string_value {
    ($name:ident) => {
        impl ::std::str::FromStr for $name {
            type Err = $crate::ValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ValueError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    };
}
pub(crate) use string_value;
