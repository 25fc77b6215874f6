//! The inbox item: a post that wants an answer from a brand (a question, a complaint, a reply
//! in a conversation), on the people's desk beside the review queue. Opened by the
//! classification consumer with its kind, sentiment, the author's standing and when its
//! first response is due; assigned to a person; closed. Replies through the networks come
//! next (see the moderation README).

pub mod kind;

use tagar_kernel::{Aggregate, Refusal};
use tagar_model::{BrandId, bounds};
use tagar_proto::v1::{
    Envelope, InboxItemAssigned, InboxItemClosed, InboxItemOpened, envelope::Event,
};

pub use kind::{Kind, kind_of, wants_an_answer};

/// How soon a brand answers, unless it says otherwise: the first response is due this long
/// after the post reaches the inbox.
pub const FIRST_RESPONSE: chrono::TimeDelta = chrono::TimeDelta::hours(1);

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
            (ItemStatus::Closed, _) => Err(Refusal::precondition(CLOSED)),
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
                self.status = ItemStatus::Assigned;
            }
            InboxEvent::Closed(_) => self.status = ItemStatus::Closed,
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
            other => Err(format!(
                "not an inbox item event: {:?}",
                other.as_ref().map(tagar_proto::envelope::event_type)
            )),
        }
    }
}

#[cfg(test)]
#[path = "inbox/tests.rs"]
mod tests;
