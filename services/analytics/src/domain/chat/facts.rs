//! What analytics learns about hashtag chats from the events it folds: the chats scheduling
//! plans, the posts that may belong to one, and moderation's label of a post.

use tagar_model::{BrandId, TenantId, canonical_hashtag};
use tagar_proto::convert::time_from_wire;
use tagar_proto::envelope::EnvelopeMeta;
use tagar_proto::v1::{self, Sentiment, Verdict};

/// A chat's people and planned questions, as the report shows them.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ChatPeople {
    /// The host account's handle.
    pub host_handle: String,
    /// The hosts' handles.
    pub hosts: Vec<String>,
    /// The panelists' handles.
    pub panelists: Vec<String>,
    /// The rules.
    pub rules: String,
    /// The planned questions' texts, Q1 first.
    pub questions: Vec<String>,
}

/// A change to a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatFact {
    /// Planned.
    Planned {
        /// The tenant.
        tenant: TenantId,
        /// The chat.
        chat_id: String,
        /// Its brand.
        brand: BrandId,
        /// Its network (`as_str`).
        network: String,
        /// The hashtag as the brand writes it.
        hashtag: String,
        /// Start and end, microseconds.
        window: (i64, i64),
        /// People and questions.
        people: ChatPeople,
    },
    /// Moved.
    Moved {
        /// The tenant.
        tenant: TenantId,
        /// The chat.
        chat_id: String,
        /// Start and end, microseconds.
        window: (i64, i64),
    },
    /// Edited.
    Edited {
        /// The tenant.
        tenant: TenantId,
        /// The chat.
        chat_id: String,
        /// Its people and questions now (the host handle is kept from the plan).
        people: ChatPeople,
    },
    /// Cancelled at a time (microseconds): the chat ends there.
    Cancelled {
        /// The tenant.
        tenant: TenantId,
        /// The chat.
        chat_id: String,
        /// When.
        at_us: i64,
    },
}

/// An ingested post with hashtags: the store keeps it for every chat of its tenant whose
/// hashtag it carries on its network within the chat's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatPostFact {
    /// The tenant.
    pub tenant: TenantId,
    /// Its network (`as_str`).
    pub network: String,
    /// Its id there.
    pub native_id: String,
    /// Its author.
    pub author_id: String,
    /// The author's handle.
    pub author_handle: String,
    /// The author's followers.
    pub followers: i64,
    /// The text.
    pub text: String,
    /// When it was written, microseconds.
    pub created_us: i64,
    /// The post it replies to, or empty.
    pub in_reply_to: String,
    /// Likes, reposts and replies.
    pub engagement: i64,
    /// Its hashtags, canonical.
    pub hashtags: Vec<String>,
}

/// Moderation's word on a post: its sentiment, and whether it is hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelFact {
    /// The tenant.
    pub tenant: TenantId,
    /// Its network (`as_str`).
    pub network: String,
    /// Its id there.
    pub native_id: String,
    /// `positive`, `neutral`, `negative` or empty.
    pub sentiment: &'static str,
    /// Hidden by the policy.
    pub hidden: bool,
    /// When, microseconds (a label is kept only near a chat of the tenant).
    pub at_us: i64,
}

fn network_name(value: i32) -> String {
    tagar_proto::convert::network_from_wire(value, "network")
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default()
}

fn micros(t: Option<&prost_types::Timestamp>) -> Option<i64> {
    t.and_then(|t| time_from_wire(t, "at").ok())
        .map(|t| t.timestamp_micros())
}

fn people(
    host_handle: &str,
    hosts: &[String],
    panelists: &[String],
    rules: &str,
    questions: &[v1::ChatItem],
) -> ChatPeople {
    ChatPeople {
        host_handle: host_handle.to_owned(),
        hosts: hosts.to_vec(),
        panelists: panelists.to_vec(),
        rules: rules.to_owned(),
        questions: questions.iter().map(|q| q.text.clone()).collect(),
    }
}

/// The chat fact of a scheduling event, if it is a chat's.
pub fn chat_fact(meta: &EnvelopeMeta, envelope: &v1::Envelope) -> Option<ChatFact> {
    use v1::envelope::Event;
    let tenant = meta.tenant;
    let chat_id = envelope.aggregate_id.clone();
    let window = |starts: Option<&prost_types::Timestamp>, minutes: u32| {
        micros(starts).map(|s| (s, s + i64::from(minutes) * 60_000_000))
    };
    match &envelope.event {
        Some(Event::ChatSessionScheduled(s)) => Some(ChatFact::Planned {
            tenant,
            chat_id,
            brand: meta.brand?,
            network: network_name(s.network),
            hashtag: s.hashtag.clone(),
            window: window(s.starts_at.as_ref(), s.minutes)?,
            people: people(
                &s.host_handle,
                &s.hosts,
                &s.panelists,
                &s.rules,
                &s.questions,
            ),
        }),
        Some(Event::ChatSessionRescheduled(r)) => Some(ChatFact::Moved {
            tenant,
            chat_id,
            window: window(r.starts_at.as_ref(), r.minutes)?,
        }),
        Some(Event::ChatSessionEdited(e)) => Some(ChatFact::Edited {
            tenant,
            chat_id,
            people: people("", &e.hosts, &e.panelists, &e.rules, &e.questions),
        }),
        Some(Event::ChatSessionCancelled(c)) => Some(ChatFact::Cancelled {
            tenant,
            chat_id,
            at_us: micros(c.cancelled_at.as_ref()).unwrap_or(meta.occurred_at.timestamp_micros()),
        }),
        _ => None,
    }
}

/// The chat-post fact of an ingested post that carries hashtags.
pub fn chat_post_fact(
    meta: &EnvelopeMeta,
    post: &v1::Post,
    hashtags: &[String],
    created_us: i64,
) -> Option<ChatPostFact> {
    if hashtags.is_empty() {
        return None;
    }
    let author = post.author.clone().unwrap_or_default();
    let metrics = post.metrics.unwrap_or_default();
    let saturate = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Some(ChatPostFact {
        tenant: meta.tenant,
        network: network_name(post.network),
        native_id: post.native_id.clone(),
        author_id: author.id,
        author_handle: author.handle,
        followers: saturate(author.followers),
        text: post.text.clone(),
        created_us,
        in_reply_to: post
            .reply_to
            .as_ref()
            .map(|r| r.native_id.clone())
            .unwrap_or_default(),
        engagement: saturate(metrics.likes)
            .saturating_add(saturate(metrics.reposts))
            .saturating_add(saturate(metrics.replies)),
        hashtags: hashtags
            .iter()
            .map(|t| canonical_hashtag(t).into_owned())
            .collect(),
    })
}

/// The label of a classified post.
pub fn label_fact(meta: &EnvelopeMeta, classified: &v1::PostClassified) -> LabelFact {
    LabelFact {
        tenant: meta.tenant,
        network: network_name(classified.network),
        native_id: classified.native_id.clone(),
        sentiment: match classified.sentiment() {
            Sentiment::Positive => "positive",
            Sentiment::Neutral => "neutral",
            Sentiment::Negative => "negative",
            Sentiment::Unspecified => "",
        },
        hidden: classified.verdict() == Verdict::Hide,
        at_us: meta.occurred_at.timestamp_micros(),
    }
}
