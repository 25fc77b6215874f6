//! A brand's moderation policy: what happens to a post at which scores. The policy is an
//! aggregate of its own (one per brand, id derived from the brand's), whose only event is
//! `ModerationPolicySet`.

use tagar_model::BrandId;
use tagar_proto::v1::ModerationPolicySet;
use uuid::Uuid;

use super::DomainError;
use super::classifier::Classification;

/// The policy aggregate's type name in the event store.
pub const KIND: &str = "moderation_policy";

/// Thresholds on the classifier's scores, each 0.0 to 1.0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModerationPolicy {
    /// At or above this abuse score a post goes to review.
    pub review_threshold: f32,
    /// At or above this abuse score a post is hidden at once (and reviewed).
    pub hide_threshold: f32,
    /// At or above this spam score a post is hidden (and reviewed).
    pub spam_hide_threshold: f32,
}

impl Default for ModerationPolicy {
    /// The policy of a brand that never set one.
    fn default() -> Self {
        Self {
            review_threshold: 0.5,
            hide_threshold: 0.8,
            spam_hide_threshold: 0.8,
        }
    }
}

/// What the policy does with a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Nothing to do.
    Allow,
    /// A moderator should look.
    Review,
    /// Hidden at once; a moderator still looks.
    Hide,
}

impl Verdict {
    /// The label used in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Review => "review",
            Verdict::Hide => "hide",
        }
    }
}

fn score(field: &'static str, value: f32) -> Result<f32, DomainError> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(DomainError::invalid(field, "must be between 0.0 and 1.0"))
    }
}

impl ModerationPolicy {
    /// A policy, refusing a threshold outside 0..1 or a review threshold above the hide one.
    pub fn new(review: f32, hide: f32, spam_hide: f32) -> Result<Self, DomainError> {
        let policy = Self {
            review_threshold: score("review_threshold", review)?,
            hide_threshold: score("hide_threshold", hide)?,
            spam_hide_threshold: score("spam_hide_threshold", spam_hide)?,
        };
        if policy.review_threshold > policy.hide_threshold {
            return Err(DomainError::invalid(
                "review_threshold",
                "must not be above hide_threshold",
            ));
        }
        Ok(policy)
    }

    /// The verdict on a classified post.
    pub fn verdict(&self, c: &Classification) -> Verdict {
        if c.abuse_score >= self.hide_threshold || c.spam_score >= self.spam_hide_threshold {
            Verdict::Hide
        } else if c.abuse_score >= self.review_threshold {
            Verdict::Review
        } else {
            Verdict::Allow
        }
    }

    /// The policy an event sets.
    pub fn from_event(e: &ModerationPolicySet) -> Self {
        Self {
            review_threshold: e.review_threshold,
            hide_threshold: e.hide_threshold,
            spam_hide_threshold: e.spam_hide_threshold,
        }
    }
}

/// The policy aggregate's id for `brand`: UUIDv5 of the brand id and "moderation-policy", so
/// it never collides with the brand's own id or any other aggregate's.
pub fn aggregate_id(brand: BrandId) -> Uuid {
    Uuid::new_v5(brand.as_uuid(), b"moderation-policy")
}

/// Handles "set the policy": validates and returns the event to record.
pub fn set(review: f32, hide: f32, spam_hide: f32) -> Result<ModerationPolicySet, DomainError> {
    let p = ModerationPolicy::new(review, hide, spam_hide)?;
    Ok(ModerationPolicySet {
        review_threshold: p.review_threshold,
        hide_threshold: p.hide_threshold,
        spam_hide_threshold: p.spam_hide_threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::classifier::Sentiment;

    fn classified(abuse: f32, spam: f32) -> Classification {
        Classification {
            abuse_score: abuse,
            spam_score: spam,
            sentiment: Sentiment::Neutral,
            language: "en",
            reasons: vec![],
        }
    }

    #[test]
    fn verdicts_follow_the_thresholds() {
        let p = ModerationPolicy::default();
        assert_eq!(p.verdict(&classified(0.2, 0.0)), Verdict::Allow);
        assert_eq!(p.verdict(&classified(0.5, 0.0)), Verdict::Review);
        assert_eq!(p.verdict(&classified(0.8, 0.0)), Verdict::Hide);
        assert_eq!(p.verdict(&classified(0.0, 0.8)), Verdict::Hide);
        assert_eq!(p.verdict(&classified(0.0, 0.79)), Verdict::Allow);
    }

    #[test]
    fn set_validates_with_field_names() {
        let e = set(0.4, 0.9, 0.7).unwrap();
        assert_eq!(ModerationPolicy::from_event(&e).hide_threshold, 0.9);
        assert_eq!(
            set(1.2, 0.9, 0.7).unwrap_err().to_string(),
            "review_threshold: must be between 0.0 and 1.0"
        );
        assert_eq!(
            set(0.5, 0.9, f32::NAN).unwrap_err().to_string(),
            "spam_hide_threshold: must be between 0.0 and 1.0"
        );
        assert_eq!(
            set(0.9, 0.5, 0.7).unwrap_err().to_string(),
            "review_threshold: must not be above hide_threshold"
        );
    }

    #[test]
    fn the_aggregate_id_is_derived_and_distinct() {
        let brand = BrandId::new();
        assert_eq!(aggregate_id(brand), aggregate_id(brand));
        assert_ne!(aggregate_id(brand), *brand.as_uuid());
    }
}
