//! Ingest's domain, pure and without I/O: the listening-rule aggregate, rule patterns, the
//! text folding keywords match on, and the matcher that checks a post against every rule of
//! a tenant at once.

pub mod fold;
pub mod matcher;
pub mod pattern;
pub mod rule;

#[cfg(test)]
mod matcher_tests;

pub use matcher::{MAX_BRANDS_PER_POST, Matcher, PostMatch, RuleHit, Scratch};
pub use pattern::{MAX_KEYWORD_CHARS, Pattern, RuleKind};
pub use rule::{ListeningRule, RuleCommand, RuleEvent, RuleState};

/// What a refusal about a missing listening rule names.
pub const RULE: &str = "listening rule";
/// Why a second rule of the same kind and pattern on a brand is refused.
pub const RULE_EXISTS: &str = "the brand has this listening rule already";
