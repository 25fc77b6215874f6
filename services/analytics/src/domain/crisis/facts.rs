//! What consumed events tell the crises' read models: negative posts (the evidence) and
//! scheduling's steps of a crisis (its queue paused and resumed, its statement).

use tagar_model::{BrandId, TenantId};
use tagar_proto::convert::{network_from_wire, time_from_wire};
use tagar_proto::envelope::EnvelopeMeta;
use tagar_proto::v1::envelope::Event;
use tagar_proto::v1::{Envelope, HeldPosts, PostClassified, Sentiment};

/// A negative post of a brand, kept as evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct NegativePostFact {
    /// The tenant.
    pub tenant: TenantId,
    /// The brand it was classified for.
    pub brand: BrandId,
    /// Its network (`as_str`), id there and author.
    pub network: String,
    /// Its id on the network.
    pub native_id: String,
    /// Its author's id there.
    pub author_id: String,
    /// Moderation's excerpt of its text.
    pub text: String,
    /// How abusive it is, 0 to 1.
    pub abuse_score: f32,
    /// When it was written, µs.
    pub at_us: i64,
}

/// The negative post a classification reports, if it is one, for the envelope's brand;
/// `at_us`: when it was written.
pub fn negative_post_fact(
    meta: &EnvelopeMeta,
    c: &PostClassified,
    at_us: i64,
) -> Option<NegativePostFact> {
    if c.sentiment() != Sentiment::Negative {
        return None;
    }
    Some(NegativePostFact {
        tenant: meta.tenant,
        brand: meta.brand?,
        network: network_from_wire(c.network, "network")
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        native_id: c.native_id.clone(),
        author_id: c.author_id.clone(),
        text: c.excerpt.clone(),
        abuse_score: c.abuse_score,
        at_us,
    })
}

/// A step of a crisis that scheduling took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrisisFact {
    /// The brand's queue was paused for the crisis.
    Paused {
        /// The tenant.
        tenant: TenantId,
        /// The crisis.
        crisis_id: String,
        /// When, µs.
        at_us: i64,
        /// Who.
        by: String,
        /// Why.
        reason: String,
    },
    /// The brand's queue was resumed: the crisis is over.
    Resumed {
        /// The tenant.
        tenant: TenantId,
        /// The crisis.
        crisis_id: String,
        /// When, µs.
        at_us: i64,
        /// Who.
        by: String,
        /// What became of the held posts, for people.
        detail: String,
    },
    /// A post was planned as the crisis's statement.
    StatementPlanned {
        /// The tenant.
        tenant: TenantId,
        /// The crisis.
        crisis_id: String,
        /// The scheduled post.
        post_id: String,
        /// When, µs.
        at_us: i64,
    },
    /// A post was published; if it is a crisis's statement, the crisis records it.
    Published {
        /// The tenant.
        tenant: TenantId,
        /// The scheduled post.
        post_id: String,
        /// Its id on the network.
        native_id: String,
        /// When, µs.
        at_us: i64,
    },
}

/// The crisis step `envelope` reports, if any.
pub fn crisis_fact(meta: &EnvelopeMeta, envelope: &Envelope) -> Option<CrisisFact> {
    let tenant = meta.tenant;
    let occurred_us = meta.occurred_at.timestamp_micros();
    let at = |t: &Option<prost_types::Timestamp>| {
        t.as_ref()
            .and_then(|t| time_from_wire(t, "at").ok())
            .map_or(occurred_us, |t| t.timestamp_micros())
    };
    match envelope.event.as_ref()? {
        Event::BrandQueuePaused(p) if !p.crisis_id.is_empty() => Some(CrisisFact::Paused {
            tenant,
            crisis_id: p.crisis_id.clone(),
            at_us: at(&p.paused_at),
            by: p.by.clone(),
            reason: p.reason.clone(),
        }),
        Event::BrandQueueResumed(r) if !r.crisis_id.is_empty() => {
            let what = match r.held() {
                HeldPosts::Shift => "moved later by the pause's length",
                HeldPosts::Publish | HeldPosts::Unspecified => "published",
            };
            Some(CrisisFact::Resumed {
                tenant,
                crisis_id: r.crisis_id.clone(),
                at_us: at(&r.resumed_at),
                by: r.by.clone(),
                detail: format!("{} held posts {what}", r.held_posts),
            })
        }
        Event::CrisisStatementPlanned(s) => Some(CrisisFact::StatementPlanned {
            tenant,
            crisis_id: s.crisis_id.clone(),
            post_id: envelope.aggregate_id.clone(),
            at_us: occurred_us,
        }),
        Event::PostPublished(p) => Some(CrisisFact::Published {
            tenant,
            post_id: envelope.aggregate_id.clone(),
            native_id: p.native_id.clone(),
            at_us: at(&p.published_at),
        }),
        _ => None,
    }
}
