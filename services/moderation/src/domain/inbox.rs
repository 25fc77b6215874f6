//! The inbox item: a post that wants an answer from a brand (a question, a complaint, a reply
//! in a conversation), on the people's desk beside the review queue. Opened by the
//! classification consumer with its kind, sentiment, the author's standing and when its
//! first response is due; assigned to a person; closed. Replies through the networks come
//! next (see the moderation README).

pub mod kind;

use chrono::{DateTime, Utc};
use tagar_kernel::{Aggregate, Refusal};
use tagar_model::{BrandId, bounds};
use tagar_proto::convert::time_from_wire;
use tagar_proto::v1::{
    AuthorAction, Envelope, InboxAuthorActioned, InboxItemAnswered, InboxItemAssigned,
    InboxItemClosed, InboxItemOpened, InboxItemReplyFailed, InboxItemReplyRequested,
    envelope::Event,
};

pub use kind::{Kind, kind_of, wants_an_answer};

/// Why a closed item takes no more commands.
pub const CLOSED: &str = "the inbox item is closed";

/// Where an item is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ItemStatus {
    /// No such item.
    #[default]
    New,
    /// Waiting for someone.
    Open,
    /// Someone has it.
    Assigned,
    /// A reply went out.
    Answered,
    /// Done with.
    Closed,
}

/// An item, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InboxItem {
    /// Its brand, once opened.
    pub brand: Option<BrandId>,
    /// The post and what the desk knows of it, once opened.
    pub opened: Option<InboxItemOpened>,
    /// Where it is.
    pub status: ItemStatus,
    /// Who has it.
    pub assignee: Option<String>,
    /// The reply on its way.
    pub pending_reply: Option<InboxItemReplyRequested>,
    /// The first response, once out.
    pub answered: Option<InboxItemAnswered>,
    /// Why the last reply did not go out.
    pub reply_failure: Option<String>,
    /// What was done to the author from this item, in order.
    pub author_actions: Vec<AuthorAction>,
}

/// A reply asked of the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The scheduled post that will carry it (its id, chosen now).
    pub reply_post_id: String,
    /// The brand's account on the item's network.
    pub account_id: String,
    /// The text, already checked against the network's rules.
    pub text: String,
    /// Who answers.
    pub by: String,
    /// Whether the author is blocked now (the item may predate the block).
    pub author_blocked: bool,
}

/// What can be asked of an item.
#[derive(Debug, Clone, PartialEq)]
pub enum InboxCommand {
    /// Open it in `brand`'s inbox.
    Open {
        /// The brand.
        brand: BrandId,
        /// The post and its facts.
        opened: InboxItemOpened,
    },
    /// Give it to someone.
    Assign {
        /// Who gets it.
        assignee: String,
        /// Who gave it.
        by: String,
    },
    /// Close it.
    Close {
        /// Who.
        by: String,
        /// Why (may be empty).
        reason: String,
    },
    /// Answer it.
    Reply(Reply),
    /// The reply went out (scheduling published it).
    Answered {
        /// The reply's scheduled post.
        reply_post_id: String,
        /// Its id on the network.
        reply_native_id: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The reply did not go out.
    ReplyFailed {
        /// The reply's scheduled post.
        reply_post_id: String,
        /// Why.
        reason: String,
    },
    /// Block, mute or report the author on the network.
    ActOnAuthor {
        /// What.
        action: AuthorAction,
        /// Who.
        by: String,
        /// Why (sent with a report).
        reason: String,
    },
}

/// Why a reply to this item is refused: never engage an abusive author.
fn never_engage(opened: &InboxItemOpened, author_blocked: bool) -> Option<String> {
    let abusive = opened.standing.as_ref().is_some_and(|s| s.abusive);
    (abusive || author_blocked).then(|| {
        format!(
            "never engage: @{} is {} — block, mute or report the account instead of replying",
            opened.author_handle,
            if author_blocked {
                "blocked by the brand"
            } else {
                "abusive"
            }
        )
    })
}

/// A reply's text against its network's rules (length, counted as the network counts): the
/// first problem, naming `text`.
pub fn check_reply(network: tagar_model::Network, text: &str) -> Result<(), Refusal> {
    use tagar_model::checks::{self, BrandVoicePolicy, Draft};
    if text.trim().is_empty() {
        return Err(Refusal::invalid("text", "is required"));
    }
    bounds::bytes(text, bounds::TEXT_BYTES).map_err(|why| Refusal::invalid("text", why))?;
    let draft = Draft {
        network,
        text,
        language: None,
        media: &[],
    };
    match checks::check(&BrandVoicePolicy::default(), &draft)
        .into_iter()
        .next()
    {
        None => Ok(()),
        Some(problem) => Err(Refusal::invalid("text", problem.message)),
    }
}

fn time(t: &Option<prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    t.as_ref().and_then(|t| time_from_wire(t, "at").ok())
}

/// What happened to an item.
#[derive(Debug, Clone, PartialEq)]
pub enum InboxEvent {
    /// It was opened in `brand`'s inbox.
    Opened {
        /// The brand (the envelope's on the wire).
        brand: BrandId,
        /// The post and its facts.
        opened: InboxItemOpened,
    },
    /// It was assigned.
    Assigned(InboxItemAssigned),
    /// It was closed.
    Closed(InboxItemClosed),
    /// A reply was asked for.
    ReplyRequested(InboxItemReplyRequested),
    /// A reply went out.
    Answered(InboxItemAnswered),
    /// A reply did not go out.
    ReplyFailed(InboxItemReplyFailed),
    /// The author was blocked, muted or reported.
    AuthorActioned(InboxAuthorActioned),
}

impl Aggregate for InboxItem {
    const KIND: &'static str = "inbox_item";
    type Command = InboxCommand;
    type Event = InboxEvent;
    type Error = Refusal;

    fn handle(&self, command: InboxCommand) -> Result<Vec<InboxEvent>, Refusal> {
        let item_id = self
            .opened
            .as_ref()
            .map(|o| o.item_id.clone())
            .unwrap_or_default();
        match (self.status, command) {
            (ItemStatus::New, InboxCommand::Open { brand, opened }) => {
                if opened.item_id.is_empty() {
                    return Err(Refusal::invalid("item_id", "is required"));
                }
                Ok(vec![InboxEvent::Opened { brand, opened }])
            }
            (_, InboxCommand::Open { .. }) => {
                Err(Refusal::precondition("the inbox item is already open"))
            }
            (ItemStatus::New, _) => Err(Refusal::not_found("inbox item")),
            (
                _,
                InboxCommand::Answered {
                    reply_post_id,
                    reply_native_id,
                    at,
                },
            ) => Ok(self.answered(item_id, reply_post_id, reply_native_id, at)),
            (
                _,
                InboxCommand::ReplyFailed {
                    reply_post_id,
                    reason,
                },
            ) => {
                let pending = self.pending_reply.as_ref();
                if pending.is_none_or(|p| p.reply_post_id != reply_post_id) {
                    return Ok(vec![]);
                }
                Ok(vec![InboxEvent::ReplyFailed(InboxItemReplyFailed {
                    item_id,
                    reply_post_id,
                    reason,
                })])
            }
            (_, InboxCommand::ActOnAuthor { action, by, reason }) => {
                if action == AuthorAction::Unspecified {
                    return Err(Refusal::invalid(
                        "action",
                        "is required (block, mute or report)",
                    ));
                }
                bounds::chars(&reason, bounds::NOTE_CHARS)
                    .map_err(|why| Refusal::invalid("reason", why))?;
                if self.author_actions.contains(&action) {
                    return Ok(vec![]);
                }
                let opened = self.opened.as_ref().cloned().unwrap_or_default();
                Ok(vec![InboxEvent::AuthorActioned(InboxAuthorActioned {
                    item_id,
                    action: action as i32,
                    network: opened.network,
                    author_id: opened.author_id,
                    native_id: opened.native_id,
                    by,
                    reason: reason.trim().to_owned(),
                })])
            }
            (ItemStatus::Closed, _) => Err(Refusal::precondition(CLOSED)),
            (_, InboxCommand::Reply(reply)) => {
                let opened = self.opened.as_ref().cloned().unwrap_or_default();
                if let Some(why) = never_engage(&opened, reply.author_blocked) {
                    return Err(Refusal::precondition(why));
                }
                if self.pending_reply.is_some() {
                    return Err(Refusal::precondition(
                        "a reply to this item is on its way already",
                    ));
                }
                if reply.text.trim().is_empty() {
                    return Err(Refusal::invalid("text", "is required"));
                }
                Ok(vec![InboxEvent::ReplyRequested(InboxItemReplyRequested {
                    item_id,
                    reply_post_id: reply.reply_post_id,
                    account_id: reply.account_id,
                    text: reply.text,
                    by: reply.by,
                    network: opened.network,
                    reply_to: opened.native_id,
                })])
            }
            (_, InboxCommand::Assign { assignee, by }) => {
                let assignee = assignee.trim();
                if assignee.is_empty() {
                    return Err(Refusal::invalid("assignee", "is required"));
                }
                bounds::chars(assignee, bounds::PERSON_CHARS)
                    .map_err(|why| Refusal::invalid("assignee", why))?;
                if self.assignee.as_deref() == Some(assignee) {
                    return Ok(vec![]);
                }
                Ok(vec![InboxEvent::Assigned(InboxItemAssigned {
                    item_id,
                    assignee: assignee.to_owned(),
                    by,
                })])
            }
            (_, InboxCommand::Close { by, reason }) => {
                bounds::chars(&reason, bounds::NOTE_CHARS)
                    .map_err(|why| Refusal::invalid("reason", why))?;
                Ok(vec![InboxEvent::Closed(InboxItemClosed {
                    item_id,
                    by,
                    reason: reason.trim().to_owned(),
                })])
            }
        }
    }

    fn apply(mut self, event: &InboxEvent) -> Self {
        match event {
            InboxEvent::Opened { brand, opened } => {
                self.brand = Some(*brand);
                self.opened = Some(opened.clone());
                self.status = ItemStatus::Open;
            }
            InboxEvent::Assigned(e) => {
                self.assignee = Some(e.assignee.clone());
                if self.status == ItemStatus::Open {
                    self.status = ItemStatus::Assigned;
                }
            }
            InboxEvent::Closed(_) => self.status = ItemStatus::Closed,
            InboxEvent::ReplyRequested(e) => {
                self.pending_reply = Some(e.clone());
                self.reply_failure = None;
            }
            InboxEvent::Answered(e) => {
                self.pending_reply = None;
                if self.answered.is_none() {
                    self.answered = Some(e.clone());
                }
                if self.status != ItemStatus::Closed {
                    self.status = ItemStatus::Answered;
                }
            }
            InboxEvent::ReplyFailed(e) => {
                self.pending_reply = None;
                self.reply_failure = Some(e.reason.clone());
            }
            InboxEvent::AuthorActioned(e) => self.author_actions.push(e.action()),
        }
        self
    }

    fn brand(&self) -> Option<BrandId> {
        self.brand
    }

    fn to_wire(event: &InboxEvent) -> Event {
        match event {
            InboxEvent::Opened { opened, .. } => Event::InboxItemOpened(opened.clone()),
            InboxEvent::Assigned(e) => Event::InboxItemAssigned(e.clone()),
            InboxEvent::Closed(e) => Event::InboxItemClosed(e.clone()),
            InboxEvent::ReplyRequested(e) => Event::InboxItemReplyRequested(e.clone()),
            InboxEvent::Answered(e) => Event::InboxItemAnswered(e.clone()),
            InboxEvent::ReplyFailed(e) => Event::InboxItemReplyFailed(e.clone()),
            InboxEvent::AuthorActioned(e) => Event::InboxAuthorActioned(e.clone()),
        }
    }

    fn from_wire(envelope: &Envelope) -> Result<InboxEvent, String> {
        match &envelope.event {
            Some(Event::InboxItemOpened(e)) => Ok(InboxEvent::Opened {
                brand: BrandId::parse(&envelope.brand_id).map_err(|e| e.to_string())?,
                opened: e.clone(),
            }),
            Some(Event::InboxItemAssigned(e)) => Ok(InboxEvent::Assigned(e.clone())),
            Some(Event::InboxItemClosed(e)) => Ok(InboxEvent::Closed(e.clone())),
            Some(Event::InboxItemReplyRequested(e)) => Ok(InboxEvent::ReplyRequested(e.clone())),
            Some(Event::InboxItemAnswered(e)) => Ok(InboxEvent::Answered(e.clone())),
            Some(Event::InboxItemReplyFailed(e)) => Ok(InboxEvent::ReplyFailed(e.clone())),
            Some(Event::InboxAuthorActioned(e)) => Ok(InboxEvent::AuthorActioned(e.clone())),
            other => Err(format!(
                "not an inbox item event: {:?}",
                other.as_ref().map(tagar_proto::envelope::event_type)
            )),
        }
    }
}

impl InboxItem {
    /// The events of the reply `reply_post_id` having gone out at `at`: nothing unless it
    /// is the reply on its way (a redelivery, or a reply the desk no longer waits for); the
    /// first response's time from when the item came in, and whether it met the SLA.
    fn answered(
        &self,
        item_id: String,
        reply_post_id: String,
        reply_native_id: String,
        at: DateTime<Utc>,
    ) -> Vec<InboxEvent> {
        let Some(pending) = &self.pending_reply else {
            return vec![];
        };
        if pending.reply_post_id != reply_post_id {
            return vec![];
        }
        let opened = self.opened.as_ref();
        let first = self.answered.is_none();
        let since = opened.and_then(|o| time(&o.opened_at)).unwrap_or(at);
        let due = opened.and_then(|o| time(&o.due_by));
        vec![InboxEvent::Answered(InboxItemAnswered {
            item_id,
            reply_post_id,
            reply_native_id,
            answered_at: Some(tagar_proto::convert::time_to_wire(at)),
            by: pending.by.clone(),
            first_response_seconds: if first {
                u64::try_from((at - since).num_seconds()).unwrap_or(0)
            } else {
                0
            },
            within_sla: first && due.is_some_and(|d| at <= d),
        })]
    }
}

#[cfg(test)]
#[path = "inbox/tests.rs"]
mod tests;
