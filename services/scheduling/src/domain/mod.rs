//! The scheduling domain, pure and without I/O: the brand, social-account and scheduled-post
//! aggregates, and turning a wall-clock time in a brand's zone into an instant.

pub mod account;
pub mod brand;
pub mod local_time;
pub mod post;
#[cfg(test)]
mod post_tests;

pub use account::{AccountCommand, AccountEvent, NewAccount, SocialAccount};
pub use brand::{Brand, BrandCommand, BrandEvent, NewBrand};
pub use post::{PostCommand, PostEvent, ScheduledPost, Stage};

/// A command the domain refused. Kept apart from "the outcome could not be recorded"
/// (store errors), and mapped to a gRPC code once, in the handlers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The input is not acceptable; `field` names what was wrong.
    #[error("{field}: {reason}")]
    Invalid {
        /// The request field, e.g. `text` or `local_time`.
        field: String,
        /// Why, phrased to follow the field name.
        reason: String,
    },
    /// The command does not apply to the aggregate in its current state.
    #[error("{0}")]
    Precondition(String),
    /// What the command would create exists already.
    #[error("{0}")]
    Duplicate(String),
}

impl DomainError {
    /// An `Invalid` error on `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
