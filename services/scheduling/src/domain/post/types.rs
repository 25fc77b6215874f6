//! The scheduled post's states, commands and events.

use chrono::{DateTime, Utc};
use tagar_model::{AccountId, BrandId, Media, Network, PostMetrics, TimeZone};

/// Where a post is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stage {
    /// Nothing recorded yet.
    #[default]
    New,
    /// Written, waiting for approval.
    Draft,
    /// Approved, not scheduled yet.
    Approved,
    /// Refused; final.
    Rejected,
    /// Approved and due at a time.
    Scheduled,
    /// The dispatcher is calling the network; the answer is not recorded yet.
    Publishing,
    /// Out on its network; final.
    Published,
    /// Publishing failed for good; final.
    Failed,
    /// Cancelled before it went out; final.
    Cancelled,
}

impl Stage {
    /// The name stored in the read model and used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::New => "new",
            Stage::Draft => "draft",
            Stage::Approved => "approved",
            Stage::Rejected => "rejected",
            Stage::Scheduled => "scheduled",
            Stage::Publishing => "publishing",
            Stage::Published => "published",
            Stage::Failed => "failed",
            Stage::Cancelled => "cancelled",
        }
    }

    /// Inverse of [`Stage::as_str`].
    pub fn parse(name: &str) -> Option<Stage> {
        [
            Stage::New,
            Stage::Draft,
            Stage::Approved,
            Stage::Rejected,
            Stage::Scheduled,
            Stage::Publishing,
            Stage::Published,
            Stage::Failed,
            Stage::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// When a post goes out, and the wall-clock time it was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The instant.
    pub publish_at: DateTime<Utc>,
    /// The wall-clock time asked for, as given.
    pub local_time: String,
    /// The IANA zone it was read in.
    pub time_zone: String,
}

/// The post as its events leave it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScheduledPost {
    /// Where it is in its life.
    pub stage: Stage,
    /// The brand it belongs to.
    pub brand: Option<BrandId>,
    /// The account it is published from.
    pub account: Option<AccountId>,
    /// The text.
    pub text: String,
    /// The media.
    pub media: Vec<Media>,
    /// Who wrote the draft.
    pub author: String,
    /// Who approved or rejected it.
    pub approver: String,
    /// Why it was rejected or why publishing failed.
    pub reason: String,
    /// When it goes (or went) out.
    pub slot: Option<Slot>,
    /// The network's id once published.
    pub native_id: String,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// When the dispatcher next looks at it: its time, a retry after a failure, or the end
    /// of a publishing attempt's lease.
    pub due_at: Option<DateTime<Utc>>,
    /// Attempts at publishing so far.
    pub attempts: u32,
    /// When the first attempt started.
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// The network it was published on.
    pub network: Option<Network>,
    /// Its counts as last read from the network, and when.
    pub counts: Option<(PostMetrics, DateTime<Utc>)>,
    /// How many times the counts were read.
    pub countings: u32,
    /// When its counts are read next; `None` when they are not (a loopback post, or counting
    /// stopped or done).
    pub count_at: Option<DateTime<Utc>>,
    /// The crisis it is the brand's statement on: it goes out while the queue is paused.
    pub statement_of: Option<String>,
    /// The network's id of the post it answers, and the inbox item it answers for.
    pub reply_to: Option<(String, String)>,
}

/// What may be asked of a post.
#[derive(Debug, Clone, PartialEq)]
pub enum PostCommand {
    /// Write a draft for `account` (on `network`) of `brand`.
    Draft {
        /// The brand.
        brand: BrandId,
        /// The account it will be published from.
        account: AccountId,
        /// The account's network, whose text rules the draft must meet.
        network: Network,
        /// The text.
        text: String,
        /// The media; every one must have usage rights.
        media: Vec<Media>,
        /// Who wrote it.
        author: String,
    },
    /// Approve a draft.
    Approve {
        /// Who approves.
        approver: String,
    },
    /// Reject a draft.
    Reject {
        /// Who rejects.
        approver: String,
        /// Why.
        reason: String,
    },
    /// Schedule (or re-schedule) an approved post at a wall-clock time in `time_zone`.
    Schedule {
        /// `YYYY-MM-DDTHH:MM[:SS]`.
        local_time: String,
        /// The brand's zone.
        time_zone: TimeZone,
        /// The time now, so the past can be refused.
        now: DateTime<Utc>,
    },
    /// The dispatcher is about to call the network: hold the post until `lease_until`.
    StartPublish {
        /// The time now; the post must be due.
        now: DateTime<Utc>,
        /// Until when no other dispatcher takes it.
        lease_until: DateTime<Utc>,
    },
    /// Record that the network took the post.
    Publish {
        /// The network.
        network: Network,
        /// The id the network gave it.
        native_id: String,
        /// When.
        published_at: DateTime<Utc>,
    },
    /// Record the published post's counts as the network shows them.
    RecordCounts {
        /// The counts.
        metrics: PostMetrics,
        /// When they were read.
        at: DateTime<Utc>,
    },
    /// Read the published post's counts no more.
    StopCounting {
        /// Why.
        reason: String,
    },
    /// Record that publishing failed.
    FailPublish {
        /// Why.
        reason: String,
        /// Whether the dispatcher will try again (the post stays scheduled).
        retryable: bool,
        /// When it tries again (retryable only; `None`: at the next look).
        retry_at: Option<DateTime<Utc>>,
    },
    /// Write, approve and schedule in one step a post that a person approved elsewhere (a
    /// hashtag chat's question or heads-up, approved with its chat) at an instant.
    Plan {
        /// The draft.
        draft: Box<PostCommand>,
        /// Who approved it.
        approver: String,
        /// When it goes out.
        publish_at: DateTime<Utc>,
        /// The brand's zone, for the wall-clock time shown.
        time_zone: TimeZone,
        /// The time now, so the past can be refused.
        now: DateTime<Utc>,
    },
    /// Move a scheduled post to another instant (its chat moved).
    Move {
        /// The new instant.
        publish_at: DateTime<Utc>,
        /// The brand's zone.
        time_zone: TimeZone,
        /// The time now, so the past can be refused.
        now: DateTime<Utc>,
    },
    /// Cancel a post that has not gone out.
    Cancel {
        /// Why.
        reason: String,
    },
    /// Write, approve and schedule for now, in one step, a reply the engagement desk asked
    /// for (the person answering approved it), in the conversation of `reply_to`.
    Reply {
        /// The draft.
        draft: Box<PostCommand>,
        /// Who answered.
        approver: String,
        /// The network's id of the post it answers.
        reply_to: String,
        /// The inbox item.
        inbox_item_id: String,
        /// The brand's zone.
        time_zone: TimeZone,
        /// The time now: when it goes out.
        now: DateTime<Utc>,
    },
    /// Write, approve and schedule for now, in one step, the brand's statement on a crisis
    /// (the fast approval path: the caller, a manager or admin, approves it); it goes out
    /// even while the brand's queue is paused.
    Statement {
        /// The draft.
        draft: Box<PostCommand>,
        /// Who approved it.
        approver: String,
        /// The crisis it answers.
        crisis_id: String,
        /// The brand's zone, for the wall-clock time shown.
        time_zone: TimeZone,
        /// The time now: when it goes out.
        now: DateTime<Utc>,
    },
}

/// What happened to a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostEvent {
    /// A draft was written.
    Drafted {
        /// The brand.
        brand: BrandId,
        /// The account.
        account: AccountId,
        /// The text.
        text: String,
        /// The media.
        media: Vec<Media>,
        /// Who wrote it.
        author: String,
    },
    /// The draft was approved.
    Approved {
        /// By whom.
        approver: String,
    },
    /// The draft was rejected.
    Rejected {
        /// By whom.
        approver: String,
        /// Why.
        reason: String,
    },
    /// The post was given a time.
    Scheduled(Slot),
    /// The post is the brand's statement on a crisis.
    StatementPlanned {
        /// The crisis.
        crisis_id: String,
    },
    /// The post answers someone.
    ReplyPlanned {
        /// The network's id of the post it answers.
        reply_to: String,
        /// The engagement desk's inbox item it answers for.
        inbox_item_id: String,
    },
    /// The post will not go out.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// The dispatcher started attempt `attempt` at publishing it.
    PublishStarted {
        /// 1 for the first attempt.
        attempt: u32,
        /// Until when no other dispatcher takes it.
        lease_until: DateTime<Utc>,
        /// When the attempt started.
        at: DateTime<Utc>,
    },
    /// The network took it.
    Published {
        /// The network.
        network: Network,
        /// The network's id.
        native_id: String,
        /// When.
        published_at: DateTime<Utc>,
    },
    /// The published post's counts were read.
    Counted {
        /// The counts.
        metrics: PostMetrics,
        /// When.
        at: DateTime<Utc>,
    },
    /// Its counts are read no more.
    CountingStopped {
        /// Why.
        reason: String,
    },
    /// Publishing failed.
    PublishFailed {
        /// Why.
        reason: String,
        /// Whether it will be tried again.
        retryable: bool,
        /// When (retryable only).
        retry_at: Option<DateTime<Utc>>,
    },
}
