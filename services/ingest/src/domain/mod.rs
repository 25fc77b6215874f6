//! Ingest's domain, pure and without I/O: the listening-rule aggregate, rule patterns, the
//! text folding keywords match on, and the matcher that checks a post against every rule of
//! a tenant at once.

pub mod fold;
pub mod matcher;
pub mod pattern;
pub mod rule;

#[cfg(test)]
mod matcher_tests;

pub use matcher::{Matcher, PostMatch, RuleHit, Scratch};
pub use pattern::{MAX_KEYWORD_CHARS, Pattern, RuleKind};
pub use rule::{ListeningRule, RuleCommand, RuleEvent, RuleState};

/// Why a rule command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A field is invalid.
    #[error("{field}: {reason}")]
    Invalid {
        /// The request field, e.g. `pattern`.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The rule exists already, or the brand has a rule of that kind and pattern.
    #[error("the brand has this listening rule already")]
    AlreadyExists,
    /// No such rule for that brand (or it was removed).
    #[error("no such listening rule for this brand")]
    NotFound,
}

impl RuleError {
    /// An invalid `field`.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
