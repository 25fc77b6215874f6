//! A brand's moderation policy: what happens to a post at which scores, and to a blocked
//! author's posts. The policy is an aggregate of its own (one per brand, its id derived from
//! the tenant's and the brand's), whose only event is `ModerationPolicySet`.

use tagar_kernel::{Aggregate, Refusal};
use tagar_model::{BrandId, TenantId};
use tagar_proto::v1::{Envelope, ModerationPolicySet, envelope::Event};
use uuid::Uuid;

use super::classifier::Classification;
use crate::wire;

/// The reason given when a post is hidden because a moderator blocked its author.
pub const AUTHOR_BLOCKED: &str = "author blocked";

/// Thresholds on the classifier's scores, each 0.0 to 1.0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModerationPolicy {
    /// At or above this abuse score a post goes to review.
    pub review_threshold: f32,
    /// At or above this abuse score a post is hidden at once (and reviewed).
    pub hide_threshold: f32,
    /// At or above this spam score a post is hidden (and reviewed).
    pub spam_hide_threshold: f32,
    /// How soon the brand answers what reaches its inbox: the first response is due this
    /// many minutes after an item comes in (1 to 10,080, a week).
    pub first_response_minutes: u32,
    /// The brand's support account: questions and complaints on its network are routed to
    /// it.
    pub support_account: Option<Uuid>,
}

/// The first-response time of a brand that never set one, in minutes.
pub const DEFAULT_FIRST_RESPONSE_MINUTES: u32 = 60;
/// The longest first-response time a brand may set: a week.
pub const MAX_FIRST_RESPONSE_MINUTES: u32 = 7 * 24 * 60;

impl Default for ModerationPolicy {
    /// The policy of a brand that never set one.
    fn default() -> Self {
        Self {
            review_threshold: 0.5,
            hide_threshold: 0.8,
            spam_hide_threshold: 0.8,
            first_response_minutes: DEFAULT_FIRST_RESPONSE_MINUTES,
            support_account: None,
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

fn score(field: &'static str, value: f32) -> Result<f32, Refusal> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Refusal::invalid(field, "must be between 0.0 and 1.0"))
    }
}

impl ModerationPolicy {
    /// A policy, refusing a threshold outside 0..1 or a review threshold above the hide one.
    pub fn new(review: f32, hide: f32, spam_hide: f32) -> Result<Self, Refusal> {
        let policy = Self {
            review_threshold: score("review_threshold", review)?,
            hide_threshold: score("hide_threshold", hide)?,
            spam_hide_threshold: score("spam_hide_threshold", spam_hide)?,
            first_response_minutes: DEFAULT_FIRST_RESPONSE_MINUTES,
            support_account: None,
        };
        if policy.review_threshold > policy.hide_threshold {
            return Err(Refusal::invalid(
                "review_threshold",
                "must not be above hide_threshold",
            ));
        }
        Ok(policy)
    }

    /// What becomes of a classified post: a blocked author's posts are hidden without asking
    /// a moderator again; any other post gets the thresholds' verdict, and a moderator looks
    /// at every post that is not allowed.
    pub fn judge(&self, c: &Classification, author_blocked: bool) -> Judgement {
        let mut reasons = c.reasons.clone();
        if author_blocked {
            reasons.push(AUTHOR_BLOCKED.to_owned());
            return Judgement {
                verdict: Verdict::Hide,
                reasons,
                needs_review: false,
            };
        }
        let verdict = self.verdict(c);
        Judgement {
            verdict,
            reasons,
            needs_review: verdict != Verdict::Allow,
        }
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

    /// The same thresholds with the first response due `minutes` after an item comes in
    /// (0: the default), refused outside 1 to a week.
    pub fn answering_within(mut self, minutes: u32) -> Result<Self, Refusal> {
        self.first_response_minutes = match minutes {
            0 => DEFAULT_FIRST_RESPONSE_MINUTES,
            m if m <= MAX_FIRST_RESPONSE_MINUTES => m,
            _ => {
                return Err(Refusal::invalid(
                    "first_response_minutes",
                    format!("must be 1 to {MAX_FIRST_RESPONSE_MINUTES} (a week)"),
                ));
            }
        };
        Ok(self)
    }

    /// When an item that came in at `at` must have its first response.
    pub fn first_response_due(
        &self,
        at: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        at + chrono::TimeDelta::minutes(i64::from(self.first_response_minutes))
    }

    /// The policy an event sets (an event from before first-response times: the default).
    pub fn from_event(e: &ModerationPolicySet) -> Self {
        Self {
            review_threshold: e.review_threshold,
            hide_threshold: e.hide_threshold,
            spam_hide_threshold: e.spam_hide_threshold,
            first_response_minutes: match e.first_response_minutes {
                0 => DEFAULT_FIRST_RESPONSE_MINUTES,
                m => m,
            },
            support_account: Uuid::parse_str(&e.support_account_id).ok(),
        }
    }
}

/// What the policy makes of one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// Allowed, reviewed or hidden.
    pub verdict: Verdict,
    /// Why, for the review queue and the classification fact.
    pub reasons: Vec<String>,
    /// Whether a moderator should look at it (a review case).
    pub needs_review: bool,
}

/// The policy aggregate's id for `brand` of `tenant`: UUIDv5 in the tenant's namespace of the
/// brand id and "moderation-policy", so it never collides with the brand's own id, any other
/// aggregate's, or another tenant's policy for a brand id it names.
pub fn aggregate_id(tenant: TenantId, brand: BrandId) -> Uuid {
    let mut name = brand.as_uuid().as_bytes().to_vec();
    name.extend_from_slice(b"moderation-policy");
    Uuid::new_v5(tenant.as_uuid(), &name)
}

/// A brand's policy as its events leave it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrandPolicy {
    /// The brand, once set.
    pub brand: Option<BrandId>,
    /// The policy set last; `None` for a brand that never set one.
    pub set: Option<ModerationPolicy>,
}

impl BrandPolicy {
    /// The policy in force: the one set last, or the default.
    pub fn in_force(&self) -> ModerationPolicy {
        self.set.unwrap_or_default()
    }
}

/// What may be asked of a brand's policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PolicyCommand {
    /// Set the thresholds.
    Set {
        /// The brand.
        brand: BrandId,
        /// The review threshold.
        review: f32,
        /// The hide threshold.
        hide: f32,
        /// The spam hide threshold.
        spam_hide: f32,
        /// Minutes to the first response (0: the default).
        first_response_minutes: u32,
        /// The support account, checked to be one of the brand's.
        support_account: Option<Uuid>,
    },
}

/// What happened to a brand's policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PolicyEvent {
    /// The thresholds were set.
    Set {
        /// The brand (carried by the envelope on the wire).
        brand: BrandId,
        /// The thresholds.
        policy: ModerationPolicy,
    },
}

impl Aggregate for BrandPolicy {
    const KIND: &'static str = "moderation_policy";
    type Command = PolicyCommand;
    type Event = PolicyEvent;
    type Error = Refusal;

    fn handle(&self, command: PolicyCommand) -> Result<Vec<PolicyEvent>, Refusal> {
        let PolicyCommand::Set {
            brand,
            review,
            hide,
            spam_hide,
            first_response_minutes,
            support_account,
        } = command;
        let mut policy = ModerationPolicy::new(review, hide, spam_hide)?
            .answering_within(first_response_minutes)?;
        policy.support_account = support_account;
        Ok(vec![PolicyEvent::Set { brand, policy }])
    }

    fn apply(mut self, event: &PolicyEvent) -> Self {
        let PolicyEvent::Set { brand, policy } = event;
        self.brand = Some(*brand);
        self.set = Some(*policy);
        self
    }

    fn brand(&self) -> Option<BrandId> {
        self.brand
    }

    fn to_wire(event: &PolicyEvent) -> Event {
        wire::policy_event(event)
    }

    fn from_wire(envelope: &Envelope) -> Result<PolicyEvent, String> {
        wire::policy_event_from(envelope)
    }
}

#[cfg(test)]
mod tests {
    use tagar_kernel::given::given_nothing;

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
        let brand = BrandId::new();
        let set = |review, hide, spam_hide| PolicyCommand::Set {
            brand,
            review,
            hide,
            spam_hide,
            first_response_minutes: 0,
            support_account: None,
        };
        let policy = given_nothing::<BrandPolicy>()
            .when(set(0.4, 0.9, 0.7))
            .then_state();
        assert_eq!(policy.in_force().hide_threshold, 0.9);
        assert_eq!(policy.brand(), Some(brand));
        for (command, message) in [
            (
                set(1.2, 0.9, 0.7),
                "review_threshold: must be between 0.0 and 1.0",
            ),
            (
                set(0.5, 0.9, f32::NAN),
                "spam_hide_threshold: must be between 0.0 and 1.0",
            ),
            (
                set(0.9, 0.5, 0.7),
                "review_threshold: must not be above hide_threshold",
            ),
            (
                PolicyCommand::Set {
                    brand,
                    review: 0.4,
                    hide: 0.9,
                    spam_hide: 0.7,
                    first_response_minutes: 20_000,
                    support_account: None,
                },
                "first_response_minutes: must be 1 to 10080 (a week)",
            ),
        ] {
            let refused = given_nothing::<BrandPolicy>().when(command).refused();
            assert_eq!(refused.to_string(), message);
        }
    }

    #[test]
    fn a_blocked_author_is_hidden_without_review() {
        let p = ModerationPolicy::default();
        let judged = p.judge(&classified(0.0, 0.0), true);
        assert_eq!(judged.verdict, Verdict::Hide);
        assert!(!judged.needs_review);
        assert_eq!(judged.reasons, [AUTHOR_BLOCKED]);
        let judged = p.judge(&classified(0.6, 0.0), false);
        assert_eq!(
            (judged.verdict, judged.needs_review),
            (Verdict::Review, true)
        );
        assert!(!p.judge(&classified(0.1, 0.0), false).needs_review);
    }

    #[test]
    fn the_aggregate_id_is_derived_and_distinct() {
        let (tenant, brand) = (TenantId::new(), BrandId::new());
        assert_eq!(aggregate_id(tenant, brand), aggregate_id(tenant, brand));
        assert_ne!(aggregate_id(tenant, brand), *brand.as_uuid());
        assert_ne!(
            aggregate_id(tenant, brand),
            aggregate_id(TenantId::new(), brand),
            "another tenant naming the brand gets an aggregate of its own"
        );
    }
}
