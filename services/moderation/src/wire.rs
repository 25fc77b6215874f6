//! Between moderation's domain and the `tagar.v1` contracts: the aggregates' events as
//! envelope payloads, the classification fact, and the read models as the API's messages.

use tagar_model::BrandId;
use tagar_proto::v1::{
    self, Envelope, ModerationPolicy as WirePolicy, ModerationPolicySet, PostClassified,
    ReviewCase, envelope::Event,
};

use crate::domain::case::CaseEvent;
use crate::domain::classifier::{Classification, Sentiment};
use crate::domain::inbox::Kind;
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
        first_response_minutes: policy.first_response_minutes,
        support_account_id: policy
            .support_account
            .map(|a| a.to_string())
            .unwrap_or_default(),
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
        first_response_minutes: p.first_response_minutes,
        support_account_id: p.support_account.map(|a| a.to_string()).unwrap_or_default(),
    }
}

/// What the desk knows of a post that wants an answer, beside the post itself.
#[derive(Debug, Clone, Copy)]
pub struct InboxFacts {
    /// What it asks of the brand.
    pub kind: Kind,
    /// Its tone.
    pub sentiment: Sentiment,
    /// The author's review cases with the brand before.
    pub earlier_cases: u32,
    /// Whether the author must never be engaged.
    pub abusive: bool,
    /// When it reached the inbox.
    pub opened_at: chrono::DateTime<chrono::Utc>,
    /// When its first response is due.
    pub due_by: chrono::DateTime<chrono::Utc>,
    /// The support account it is routed to.
    pub routed_to: Option<uuid::Uuid>,
}

/// The `InboxItemOpened` of a post (`wire`, normalised as `post`) that wants an answer.
pub fn inbox_opened(
    wire: &v1::Post,
    post: &tagar_model::Post,
    facts: InboxFacts,
) -> v1::InboxItemOpened {
    let InboxFacts {
        kind,
        sentiment,
        earlier_cases,
        abusive,
        opened_at,
        due_by,
        routed_to,
    } = facts;
    let age_days = post.author.account_created_at.map_or(0, |at| {
        u32::try_from((chrono::Utc::now() - at).num_days().max(0)).unwrap_or(u32::MAX)
    });
    v1::InboxItemOpened {
        item_id: String::new(),
        network: wire.network,
        native_id: wire.native_id.clone(),
        author_id: post.author.id.clone(),
        author_handle: post.author.handle.clone(),
        text: post.text.clone(),
        kind: inbox_kind(kind) as i32,
        sentiment: sentiment_of(sentiment) as i32,
        standing: Some(v1::AuthorStanding {
            followers: post.author.followers,
            account_age_days: age_days,
            earlier_cases,
            abusive,
            anonymous: age_days < 30
                && (post.author.followers < 10 || post.author.display_name.trim().is_empty()),
        }),
        posted_at: wire.created_at,
        due_by: Some(tagar_proto::convert::time_to_wire(due_by)),
        conversation_id: post.conversation_id.clone().unwrap_or_default(),
        opened_at: Some(tagar_proto::convert::time_to_wire(opened_at)),
        routed_account_id: routed_to.map(|a| a.to_string()).unwrap_or_default(),
    }
}

fn inbox_kind(kind: Kind) -> v1::InboxKind {
    match kind {
        Kind::Question => v1::InboxKind::Question,
        Kind::Complaint => v1::InboxKind::Complaint,
        Kind::Praise => v1::InboxKind::Praise,
        Kind::Other => v1::InboxKind::Other,
    }
}

fn sentiment_of(s: Sentiment) -> v1::Sentiment {
    match s {
        Sentiment::Negative => v1::Sentiment::Negative,
        Sentiment::Neutral => v1::Sentiment::Neutral,
        Sentiment::Positive => v1::Sentiment::Positive,
    }
}

/// An inbox item as the API shows it at `now_us`.
pub fn inbox_item(row: crate::store::inbox::InboxRow, now_us: i64) -> v1::InboxItem {
    let o = row.opened;
    let open = matches!(row.state, v1::InboxState::New | v1::InboxState::Assigned);
    v1::InboxItem {
        brand_id: row.brand_id,
        network: o.network,
        native_id: o.native_id,
        author_id: o.author_id,
        author_handle: o.author_handle,
        text: o.text,
        kind: o.kind,
        sentiment: o.sentiment,
        standing: o.standing,
        state: row.state as i32,
        assignee: row.assignee,
        posted_at: o.posted_at,
        opened_at: chrono::DateTime::from_timestamp_micros(row.opened_at_us)
            .map(tagar_proto::convert::time_to_wire),
        due_by: o.due_by,
        overdue: open && now_us > row.due_at_us,
        version: row.version,
        conversation_id: o.conversation_id,
        item_id: o.item_id,
        pending_reply_post_id: row.reply_post_id,
        answered_at: row
            .answered
            .as_ref()
            .and_then(|(at, _, _)| chrono::DateTime::from_timestamp_micros(*at))
            .map(tagar_proto::convert::time_to_wire),
        answered_by: row
            .answered
            .as_ref()
            .map(|a| a.1.clone())
            .unwrap_or_default(),
        first_response_seconds: row.answered.as_ref().map_or(0, |a| a.2),
        reply_failure: row.reply_failure,
        offer_block: o.standing.is_some_and(|s| s.abusive && s.anonymous)
            && !row.author_actions.contains(&v1::AuthorAction::Block),
        author_actions: row.author_actions.iter().map(|a| *a as i32).collect(),
        routed_account_id: o.routed_account_id,
        in_crisis: row.in_crisis,
    }
}
