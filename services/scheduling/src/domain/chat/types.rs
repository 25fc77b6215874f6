//! The hashtag-chat session's values: what it is, when, who, and what it will post.

use chrono::{DateTime, Duration, Utc};
use tagar_model::{AccountId, BrandId, Network, TimeZone};

/// A question or a heads-up as the brand wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatItem {
    /// Questions: minutes after the start; heads-ups: minutes before it.
    pub offset_minutes: i32,
    /// The text (a heads-up's may be empty: the standard one is written for it).
    pub text: String,
}

/// The chat's people, rules and planned posts: what [`ChatCommand::Edit`] replaces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChatContent {
    /// Handles of the hosts (besides the host account).
    pub hosts: Vec<String>,
    /// Handles of the panelists.
    pub panelists: Vec<String>,
    /// The rules, as shown to participants.
    pub rules: String,
    /// Q1…Qn, in order.
    pub questions: Vec<ChatItem>,
    /// The heads-ups before the start.
    pub heads_ups: Vec<ChatItem>,
}

/// Where the chat happens and who set it up; fixed at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatSetup {
    /// The host account: questions and heads-ups go out from it.
    pub account: AccountId,
    /// The host account's network, which the chat is on.
    pub network: Network,
    /// The host account's handle.
    pub host_handle: String,
    /// The hashtag, without `#`, as the brand writes it.
    pub hashtag: String,
    /// Who created it.
    pub created_by: String,
}

/// When the chat happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatWhen {
    /// The start.
    pub starts_at: DateTime<Utc>,
    /// The wall-clock start asked for.
    pub local_start: String,
    /// The brand's zone it was read in.
    pub time_zone: String,
    /// Its length.
    pub minutes: u32,
}

impl ChatWhen {
    /// When it ends.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.starts_at + Duration::minutes(i64::from(self.minutes))
    }
}

/// Where the session is in its life (the clock decides between scheduled, live and ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChatStage {
    /// Nothing recorded yet.
    #[default]
    New,
    /// Planned: scheduled, live or ended by the clock.
    Planned,
    /// Cancelled (or stopped early); final.
    Cancelled,
}

/// What a person sees: the stage read against the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatStatus {
    /// Not started yet.
    Scheduled,
    /// Under way.
    Live,
    /// Over.
    Ended,
    /// Cancelled.
    Cancelled,
}

impl ChatStatus {
    /// The name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatStatus::Scheduled => "scheduled",
            ChatStatus::Live => "live",
            ChatStatus::Ended => "ended",
            ChatStatus::Cancelled => "cancelled",
        }
    }
}

/// A chat session as its events leave it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChatSession {
    /// Where it is.
    pub stage: ChatStage,
    /// Its brand.
    pub brand: Option<BrandId>,
    /// Where and by whom.
    pub setup: Option<ChatSetup>,
    /// When.
    pub when: Option<ChatWhen>,
    /// Its people and planned posts.
    pub content: ChatContent,
    /// Why it was cancelled, and when.
    pub cancelled: Option<(String, DateTime<Utc>)>,
}

/// What may be asked of a chat session.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatCommand {
    /// Plan a chat for `brand`.
    Create {
        /// The brand.
        brand: BrandId,
        /// Where, and by whom.
        setup: ChatSetup,
        /// `YYYY-MM-DDTHH:MM[:SS]` in the brand's zone.
        local_start: String,
        /// The brand's zone.
        time_zone: TimeZone,
        /// Its length.
        minutes: u32,
        /// People, rules and planned posts.
        content: ChatContent,
        /// The time now.
        now: DateTime<Utc>,
    },
    /// Move it, or change its length (`None` keeps it).
    Reschedule {
        /// The new wall-clock start.
        local_start: String,
        /// The brand's zone.
        time_zone: TimeZone,
        /// The new length.
        minutes: Option<u32>,
        /// The time now.
        now: DateTime<Utc>,
    },
    /// Replace its people, rules and planned posts.
    Edit {
        /// The new content.
        content: ChatContent,
        /// The time now.
        now: DateTime<Utc>,
    },
    /// Cancel it, or stop it early.
    Cancel {
        /// Why.
        reason: String,
        /// The time now.
        now: DateTime<Utc>,
    },
}

/// What happened to a chat session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEvent {
    /// It was planned.
    Scheduled {
        /// The brand.
        brand: BrandId,
        /// Where, and by whom.
        setup: ChatSetup,
        /// When.
        when: ChatWhen,
        /// People, rules and planned posts.
        content: ChatContent,
    },
    /// It moved.
    Rescheduled(ChatWhen),
    /// Its content was replaced.
    Edited(ChatContent),
    /// It was cancelled.
    Cancelled {
        /// Why.
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
}

/// Which kind of planned post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedKind {
    /// A question, `Q<number>`.
    Question,
    /// A heads-up before the start.
    HeadsUp,
}

/// A post the chat plans: a question or a heads-up, with its scheduled post's id (derived
/// from the chat, the item and its text, so an unchanged item keeps its post).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Which kind.
    pub kind: PlannedKind,
    /// 1-based.
    pub number: u32,
    /// As the brand gave it.
    pub offset_minutes: i32,
    /// The text as published: numbered, with the hashtag.
    pub text: String,
    /// When it goes out.
    pub publish_at: DateTime<Utc>,
    /// Its scheduled post.
    pub post_id: uuid::Uuid,
}
