//! Identifiers as newtypes, so a brand id can never be passed where a tenant id is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The string is not a UUID.
    #[error("{kind} must be a UUID, got {value:?}")]
    NotUuid {
        /// Which identifier was being parsed.
        kind: &'static str,
        /// The rejected input (truncated to 64 characters).
        value: String,
    },
    /// The string is empty or only white space.
    #[error("{kind} must not be empty")]
    Empty {
        /// Which identifier was being parsed.
        kind: &'static str,
    },
    /// The string is longer than the limit.
    #[error("{kind} is longer than {max} bytes")]
    TooLong {
        /// Which identifier was being parsed.
        kind: &'static str,
        /// The limit in bytes.
        max: usize,
    },
    /// The string holds a character the identifier may not.
    #[error("{kind} {reason}")]
    Invalid {
        /// Which identifier was being parsed.
        kind: &'static str,
        /// Why, phrased to follow the identifier's name.
        reason: String,
    },
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered identifier (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// Parses the hyphenated or simple form of a UUID.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| IdError::NotUuid {
                    kind: $kind,
                    value: s.chars().take(64).collect(),
                })
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

uuid_id!(
    /// An agency: the tenant that owns brands and sees only its own data.
    TenantId,
    "tenant id"
);
uuid_id!(
    /// A client brand run by an agency.
    BrandId,
    "brand id"
);
uuid_id!(
    /// A brand's account on one network.
    AccountId,
    "account id"
);

/// A post's id on its own network (a tweet id, a Mastodon status id, a Bluesky AT-URI).
/// Together with the [`Network`](crate::Network) it identifies a post uniquely.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NativePostId(String);

impl NativePostId {
    /// The longest native id accepted, in bytes (AT-URIs are the longest in practice).
    pub const MAX_LEN: usize = crate::bounds::NATIVE_ID_BYTES;

    /// Parses a native id: not empty, at most [`Self::MAX_LEN`] bytes, no surrounding space.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(IdError::Empty {
                kind: "native post id",
            });
        }
        if s.len() > Self::MAX_LEN {
            return Err(IdError::TooLong {
                kind: "native post id",
                max: Self::MAX_LEN,
            });
        }
        if s.contains('\0') {
            return Err(IdError::Invalid {
                kind: "native post id",
                reason: "may not contain the NUL character".into(),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NativePostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for NativePostId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<NativePostId> for String {
    fn from(id: NativePostId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_round_trip_through_text() {
        let id = BrandId::new();
        assert_eq!(BrandId::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn a_bad_uuid_names_the_id_kind() {
        let err = TenantId::parse("not-a-uuid").unwrap_err();
        assert_eq!(
            err.to_string(),
            "tenant id must be a UUID, got \"not-a-uuid\""
        );
    }

    #[test]
    fn native_ids_are_trimmed_and_bounded() {
        assert_eq!(NativePostId::parse("  123 ").unwrap().as_str(), "123");
        assert!(matches!(
            NativePostId::parse("  "),
            Err(IdError::Empty { .. })
        ));
        let long = "x".repeat(NativePostId::MAX_LEN + 1);
        assert!(matches!(
            NativePostId::parse(&long),
            Err(IdError::TooLong { .. })
        ));
    }
}
