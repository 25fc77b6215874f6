//! Moderation's domain, pure and without I/O: the classifier, the brand policy and the review
//! case aggregate.

pub mod case;
pub mod classifier;
pub mod policy;

/// A command the domain refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A field holds a value that is not allowed.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, as named in the API.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The case does not exist (or belongs to another brand or tenant).
    #[error("review case not found")]
    CaseNotFound,
    /// The case was opened already.
    #[error("the review case is already open")]
    AlreadyOpen,
    /// The case was decided already: it takes no more commands.
    #[error("the review case is already decided")]
    AlreadyDecided,
}

impl DomainError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
