//! The review case: a post a moderator must look at. Opened by the policy, assigned to a
//! moderator, decided once (approve, hide, block the author, escalate).

use tagar_kernel::{Aggregate, Refusal};
use tagar_model::{BrandId, bounds};
use tagar_proto::v1::{
    Decision, Envelope, ReviewCaseAssigned, ReviewCaseDecided, ReviewCaseOpened, envelope::Event,
};

use crate::wire;

/// Why a case that is open already cannot be opened again.
pub const ALREADY_OPEN: &str = "the review case is already open";
/// Why a decided case takes no more commands.
pub const ALREADY_DECIDED: &str = "the review case is already decided";

/// Where a case is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseStatus {
    /// Not opened: no such case.
    #[default]
    New,
    /// Waiting for a moderator.
    Open,
    /// A moderator has it.
    Assigned,
    /// Decided; takes no more commands.
    Decided,
}

/// A case, rebuilt from its events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewCase {
    /// The brand whose queue it is in, once opened.
    pub brand: Option<BrandId>,
    /// What the case is about, once opened.
    pub opened: Option<ReviewCaseOpened>,
    /// Where it is.
    pub status: CaseStatus,
    /// The moderator it is assigned to.
    pub assignee: Option<String>,
    /// The decision, once decided.
    pub decided: Option<ReviewCaseDecided>,
}

/// What can be asked of a case.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseCommand {
    /// Open it for a post, in `brand`'s queue.
    Open {
        /// The brand.
        brand: BrandId,
        /// The post and why it needs a look.
        opened: ReviewCaseOpened,
    },
    /// Give it to a moderator.
    Assign {
        /// The moderator.
        moderator: String,
    },
    /// Decide it.
    Decide {
        /// The decision.
        decision: Decision,
        /// Who decided.
        moderator: String,
        /// Why, in the moderator's words.
        note: String,
    },
}

/// What happened to a case.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseEvent {
    /// It was opened in `brand`'s queue.
    Opened {
        /// The brand (carried by the envelope on the wire).
        brand: BrandId,
        /// The post and why it needs a look.
        opened: ReviewCaseOpened,
    },
    /// It was assigned.
    Assigned(ReviewCaseAssigned),
    /// It was decided.
    Decided(ReviewCaseDecided),
}

impl Aggregate for ReviewCase {
    const KIND: &'static str = "review_case";
    type Command = CaseCommand;
    type Event = CaseEvent;
    type Error = Refusal;

    fn handle(&self, command: CaseCommand) -> Result<Vec<CaseEvent>, Refusal> {
        handle(self, command)
    }

    fn apply(self, event: &CaseEvent) -> Self {
        apply(self, event)
    }

    fn brand(&self) -> Option<BrandId> {
        self.brand
    }

    fn to_wire(event: &CaseEvent) -> Event {
        wire::case_event(event)
    }

    fn from_wire(envelope: &Envelope) -> Result<CaseEvent, String> {
        wire::case_event_from(envelope)
    }
}

/// Decides what a command does to a case.
fn handle(case: &ReviewCase, command: CaseCommand) -> Result<Vec<CaseEvent>, Refusal> {
    let case_id = case
        .opened
        .as_ref()
        .map(|o| o.case_id.clone())
        .unwrap_or_default();
    match (case.status, command) {
        (CaseStatus::New, CaseCommand::Open { brand, opened }) => {
            if opened.case_id.is_empty() {
                return Err(Refusal::invalid("case_id", "is required"));
            }
            Ok(vec![CaseEvent::Opened { brand, opened }])
        }
        (_, CaseCommand::Open { .. }) => Err(Refusal::precondition(ALREADY_OPEN)),
        (CaseStatus::New, _) => Err(Refusal::not_found("review case")),
        (CaseStatus::Decided, _) => Err(Refusal::precondition(ALREADY_DECIDED)),
        (_, CaseCommand::Assign { moderator }) => {
            let moderator = moderator.trim();
            if moderator.is_empty() {
                return Err(Refusal::invalid("moderator", "is required"));
            }
            bounds::chars(moderator, bounds::PERSON_CHARS)
                .map_err(|why| Refusal::invalid("moderator", why))?;
            Ok(vec![CaseEvent::Assigned(ReviewCaseAssigned {
                case_id,
                moderator: moderator.to_owned(),
            })])
        }
        (
            _,
            CaseCommand::Decide {
                decision,
                moderator,
                note,
            },
        ) => {
            if decision == Decision::Unspecified {
                return Err(Refusal::invalid(
                    "decision",
                    "is required (approve, hide, block_author or escalate)",
                ));
            }
            bounds::chars(&note, bounds::NOTE_CHARS)
                .map_err(|why| Refusal::invalid("note", why))?;
            let opened = case.opened.as_ref();
            Ok(vec![CaseEvent::Decided(ReviewCaseDecided {
                case_id,
                decision: decision as i32,
                moderator,
                note,
                network: opened.map_or(0, |o| o.network),
                native_id: opened.map(|o| o.native_id.clone()).unwrap_or_default(),
                author_id: opened.map(|o| o.author_id.clone()).unwrap_or_default(),
            })])
        }
    }
}

/// Applies an event (no decisions here: only what it says).
fn apply(mut case: ReviewCase, event: &CaseEvent) -> ReviewCase {
    match event {
        CaseEvent::Opened { brand, opened } => {
            case.brand = Some(*brand);
            case.opened = Some(opened.clone());
            case.status = CaseStatus::Open;
        }
        CaseEvent::Assigned(e) => {
            case.assignee = Some(e.moderator.clone());
            case.status = CaseStatus::Assigned;
        }
        CaseEvent::Decided(e) => {
            case.decided = Some(e.clone());
            case.status = CaseStatus::Decided;
        }
    }
    case
}

#[cfg(test)]
mod tests;
