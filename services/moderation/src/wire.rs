//! Between moderation's domain and the `tagar.v1` contracts: the aggregates' events as
//! envelope payloads, the classification fact, and the read models as the API's messages.

use tagar_model::BrandId;
use tagar_proto::v1::{
    self, Envelope, ModerationPolicy as WirePolicy, ModerationPolicySet, PostClassified,
    ReviewCase, envelope::Event,
};

use crate::domain::case::CaseEvent;
use crate::domain::classifier::{Classification, Sentiment};
use crate::domain::policy::{ModerationPolicy, PolicyEvent, Verdict};
use crate::store::CaseRow;

/// The envelope's event of a case event.
pub fn case_event(event: &CaseEvent) -> Event {
    match event {
        CaseEvent::Opened { opened, .. } => Event::ReviewCaseOpened(opened.clone()),
        CaseEvent::Assigned(e) => Event::ReviewCaseAssigned(e.clone()),
        CaseEvent::Decided(e) => Event::ReviewCaseDecided(e.clone()),
    }
}

/// The case event a stored envelope of a case's stream carries.
pub fn case_event_from(envelope: &Envelope) -> Result<CaseEvent, String> {
    match &envelope.event {
        Some(Event::ReviewCaseOpened(e)) => Ok(CaseEvent::Opened {
            brand: BrandId::parse(&envelope.brand_id).map_err(|e| e.to_string())?,
            opened: e.clone(),
        }),
        Some(Event::ReviewCaseAssigned(e)) => Ok(CaseEvent::Assigned(e.clone())),
        Some(Event::ReviewCaseDecided(e)) => Ok(CaseEvent::Decided(e.clone())),
        other => Err(format!(
            "not a review case event: {:?}",
            other.as_ref().map(tagar_proto::envelope::event_type)
        )),
    }
}

/// The envelope's event of a policy event.
pub fn policy_event(event: &PolicyEvent) -> Event {
    let PolicyEvent::Set { policy, .. } = event;
    Event::ModerationPolicySet(ModerationPolicySet {
        review_threshold: policy.review_threshold,
        hide_threshold: policy.hide_threshold,
        spam_hide_threshold: policy.spam_hide_threshold,
    })
}

/// The policy event a stored envelope of a policy's stream carries.
pub fn policy_event_from(envelope: &Envelope) -> Result<PolicyEvent, String> {
    match &envelope.event {
        Some(Event::ModerationPolicySet(set)) => Ok(PolicyEvent::Set {
            brand: BrandId::parse(&envelope.brand_id).map_err(|e| e.to_string())?,
            policy: ModerationPolicy::from_event(set),
        }),
        other => Err(format!(
            "not a policy event: {:?}",
            other.as_ref().map(tagar_proto::envelope::event_type)
        )),
    }
}

/// The `PostClassified` fact of a post for one brand.
pub fn classified(
    wire: &v1::Post,
    author_id: &str,
    c: &Classification,
    reasons: &[String],
    verdict: Verdict,
) -> PostClassified {
    let sentiment = match c.sentiment {
        Sentiment::Negative => v1::Sentiment::Negative,
        Sentiment::Neutral => v1::Sentiment::Neutral,
        Sentiment::Positive => v1::Sentiment::Positive,
    };
    let verdict = match verdict {
        Verdict::Allow => v1::Verdict::Allow,
        Verdict::Review => v1::Verdict::Review,
        Verdict::Hide => v1::Verdict::Hide,
    };
    PostClassified {
        network: wire.network,
        native_id: wire.native_id.clone(),
        author_id: author_id.to_owned(),
        abuse_score: c.abuse_score,
        spam_score: c.spam_score,
        sentiment: sentiment as i32,
        language: c.language.to_owned(),
        reasons: reasons.to_vec(),
        verdict: verdict as i32,
        posted_at: wire.created_at,
        excerpt: match c.sentiment {
            Sentiment::Negative => excerpt(&wire.text),
            Sentiment::Neutral | Sentiment::Positive => String::new(),
        },
    }
}

/// At most [`EXCERPT_CHARS`] characters of `text`, cut at a character boundary.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

/// The most of a negative post's text its `PostClassified` carries.
pub const EXCERPT_CHARS: usize = 280;

/// A review case as the API shows it.
pub fn case(row: CaseRow) -> ReviewCase {
    ReviewCase {
        case_id: row.case_id,
        brand_id: row.brand_id,
        network: row.network,
        native_id: row.native_id,
        author_id: row.author_id,
        text: row.text,
        reasons: row.reasons,
        hidden: row.hidden,
        state: row.state,
        assignee: row.assignee,
        decision: row.decision,
        opened_at: Some(prost_types::Timestamp {
            seconds: row.opened_at_us.div_euclid(1_000_000),
            nanos: (row.opened_at_us.rem_euclid(1_000_000) * 1_000) as i32,
        }),
        version: row.version,
    }
}

/// A brand's policy as the API shows it.
pub fn policy(brand: BrandId, p: ModerationPolicy) -> WirePolicy {
    WirePolicy {
        brand_id: brand.to_string(),
        review_threshold: p.review_threshold,
        hide_threshold: p.hide_threshold,
        spam_hide_threshold: p.spam_hide_threshold,
    }
}
