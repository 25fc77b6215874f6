//! The review case: a post a moderator must look at. Opened by the policy, assigned to a
//! moderator, decided once (approve, hide, block the author, escalate).

use tagar_proto::v1::envelope::Event;
use tagar_proto::v1::{Decision, ReviewCaseAssigned, ReviewCaseDecided, ReviewCaseOpened};

use super::DomainError;

/// The case aggregate's type name in the event store.
pub const KIND: &str = "review_case";

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
    /// What the case is about, once opened.
    pub opened: Option<ReviewCaseOpened>,
    /// Where it is.
    pub status: CaseStatus,
    /// The moderator it is assigned to.
    pub assignee: Option<String>,
    /// The decision, once decided.
    pub decided: Option<ReviewCaseDecided>,
    /// How many events it has (0 before it is opened).
    pub version: u64,
}

/// What can be asked of a case.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseCommand {
    /// Open it for a post.
    Open(ReviewCaseOpened),
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
    /// It was opened.
    Opened(ReviewCaseOpened),
    /// It was assigned.
    Assigned(ReviewCaseAssigned),
    /// It was decided.
    Decided(ReviewCaseDecided),
}

impl CaseEvent {
    /// The envelope's event.
    pub fn into_wire(self) -> Event {
        match self {
            CaseEvent::Opened(e) => Event::ReviewCaseOpened(e),
            CaseEvent::Assigned(e) => Event::ReviewCaseAssigned(e),
            CaseEvent::Decided(e) => Event::ReviewCaseDecided(e),
        }
    }

    /// The case event in an envelope's event, if it is one.
    pub fn from_wire(event: Event) -> Option<Self> {
        match event {
            Event::ReviewCaseOpened(e) => Some(CaseEvent::Opened(e)),
            Event::ReviewCaseAssigned(e) => Some(CaseEvent::Assigned(e)),
            Event::ReviewCaseDecided(e) => Some(CaseEvent::Decided(e)),
            _ => None,
        }
    }
}

/// Decides what a command does to a case.
pub fn handle(case: &ReviewCase, command: CaseCommand) -> Result<Vec<CaseEvent>, DomainError> {
    let case_id = case
        .opened
        .as_ref()
        .map(|o| o.case_id.clone())
        .unwrap_or_default();
    match (case.status, command) {
        (CaseStatus::New, CaseCommand::Open(opened)) => {
            if opened.case_id.is_empty() {
                return Err(DomainError::invalid("case_id", "is required"));
            }
            Ok(vec![CaseEvent::Opened(opened)])
        }
        (_, CaseCommand::Open(_)) => Err(DomainError::AlreadyOpen),
        (CaseStatus::New, _) => Err(DomainError::CaseNotFound),
        (CaseStatus::Decided, _) => Err(DomainError::AlreadyDecided),
        (_, CaseCommand::Assign { moderator }) => {
            let moderator = moderator.trim();
            if moderator.is_empty() {
                return Err(DomainError::invalid("moderator", "is required"));
            }
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
                return Err(DomainError::invalid(
                    "decision",
                    "is required (approve, hide, block_author or escalate)",
                ));
            }
            Ok(vec![CaseEvent::Decided(ReviewCaseDecided {
                case_id,
                decision: decision as i32,
                moderator,
                note,
            })])
        }
    }
}

/// Applies an event (no decisions here: only what it says).
pub fn apply(mut case: ReviewCase, event: &CaseEvent) -> ReviewCase {
    match event {
        CaseEvent::Opened(e) => {
            case.opened = Some(e.clone());
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
    case.version += 1;
    case
}

/// Rebuilds a case from its events.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a CaseEvent>) -> ReviewCase {
    events.into_iter().fold(ReviewCase::default(), apply)
}

#[cfg(test)]
mod tests;
