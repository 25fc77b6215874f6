//! The listening-rule aggregate: a brand's rule is added once and removed once.

use tagar_kernel::Aggregate;
use tagar_model::BrandId;
use tagar_proto::v1::{Envelope, envelope::Event};
use uuid::Uuid;

use tagar_kernel::Refusal;

use super::pattern::{Pattern, RuleKind};
use super::{RULE, RULE_EXISTS};
use crate::wire;

/// A brand's listening rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListeningRule {
    /// Its id, also the aggregate's id (a UUIDv7).
    pub rule_id: Uuid,
    /// The brand it listens for.
    pub brand_id: BrandId,
    /// What it matches on.
    pub kind: RuleKind,
    /// The parsed pattern.
    pub pattern: Pattern,
}

/// The rule aggregate's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RuleState {
    /// Nothing happened to this id yet.
    #[default]
    Absent,
    /// Added and listening.
    Active(ListeningRule),
    /// Removed; kept so the id is never reused.
    Removed(ListeningRule),
}

/// What a caller asks of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleCommand {
    /// Add a rule with this id.
    Add {
        /// The new rule's id.
        rule_id: Uuid,
        /// Its brand.
        brand_id: BrandId,
        /// Its kind.
        kind: RuleKind,
        /// Its pattern as typed.
        pattern: String,
    },
    /// Remove the rule, which must belong to `brand_id`.
    Remove {
        /// The brand the caller names.
        brand_id: BrandId,
    },
}

/// What happened to a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleEvent {
    /// The rule was added.
    Added(ListeningRule),
    /// The rule was removed.
    Removed {
        /// The rule.
        rule_id: Uuid,
        /// Its brand.
        brand_id: BrandId,
    },
}

impl Aggregate for RuleState {
    const KIND: &'static str = "listening_rule";
    type Command = RuleCommand;
    type Event = RuleEvent;
    type Error = Refusal;

    fn handle(&self, command: RuleCommand) -> Result<Vec<RuleEvent>, Refusal> {
        handle(self, command)
    }

    fn apply(self, event: &RuleEvent) -> Self {
        apply(self, event)
    }

    fn brand(&self) -> Option<BrandId> {
        match self {
            RuleState::Absent => None,
            RuleState::Active(rule) | RuleState::Removed(rule) => Some(rule.brand_id),
        }
    }

    fn to_wire(event: &RuleEvent) -> Event {
        wire::rule_event_to(event)
    }

    fn from_wire(envelope: &Envelope) -> Result<RuleEvent, String> {
        wire::rule_event_from(envelope)
    }
}

/// Decides what a command does to a rule in `state`.
fn handle(state: &RuleState, command: RuleCommand) -> Result<Vec<RuleEvent>, Refusal> {
    match (state, command) {
        (
            RuleState::Absent,
            RuleCommand::Add {
                rule_id,
                brand_id,
                kind,
                pattern,
            },
        ) => {
            let pattern = Pattern::parse(kind, &pattern)?;
            Ok(vec![RuleEvent::Added(ListeningRule {
                rule_id,
                brand_id,
                kind,
                pattern,
            })])
        }
        (_, RuleCommand::Add { .. }) => Err(Refusal::duplicate(RULE_EXISTS)),
        (RuleState::Active(rule), RuleCommand::Remove { brand_id })
            if rule.brand_id == brand_id =>
        {
            Ok(vec![RuleEvent::Removed {
                rule_id: rule.rule_id,
                brand_id,
            }])
        }
        (_, RuleCommand::Remove { .. }) => Err(Refusal::not_found(RULE)),
    }
}

/// The state after `event`.
fn apply(state: RuleState, event: &RuleEvent) -> RuleState {
    match (state, event) {
        (_, RuleEvent::Added(rule)) => RuleState::Active(rule.clone()),
        (RuleState::Active(rule) | RuleState::Removed(rule), RuleEvent::Removed { .. }) => {
            RuleState::Removed(rule)
        }
        (RuleState::Absent, RuleEvent::Removed { .. }) => RuleState::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(brand: BrandId, kind: RuleKind, pattern: &str) -> (Uuid, RuleCommand) {
        let rule_id = Uuid::now_v7();
        (
            rule_id,
            RuleCommand::Add {
                rule_id,
                brand_id: brand,
                kind,
                pattern: pattern.into(),
            },
        )
    }

    fn given_when(given: &[RuleEvent], when: RuleCommand) -> Result<Vec<RuleEvent>, Refusal> {
        RuleState::replay(given).handle(when)
    }

    #[test]
    fn adding_a_rule_records_its_parsed_pattern() {
        let brand = BrandId::new();
        let (id, cmd) = add(brand, RuleKind::Hashtag, "#Café");
        let events = given_when(&[], cmd).unwrap();
        let [RuleEvent::Added(rule)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!((rule.rule_id, rule.brand_id), (id, brand));
        assert!(matches!(&rule.pattern, Pattern::Hashtag(h) if h.as_str() == "Café"));
    }

    #[test]
    fn an_invalid_pattern_is_refused_with_its_field() {
        let (_, cmd) = add(BrandId::new(), RuleKind::Hashtag, "#not a tag");
        let err = given_when(&[], cmd).unwrap_err();
        assert!(
            matches!(&err, Refusal::Invalid { field, .. } if field == "pattern"),
            "{err}"
        );
    }

    #[test]
    fn an_id_is_added_only_once() {
        let brand = BrandId::new();
        let (_, first) = add(brand, RuleKind::Keyword, "kopi");
        let added = given_when(&[], first.clone()).unwrap();
        assert_eq!(
            given_when(&added, first),
            Err(Refusal::duplicate(RULE_EXISTS))
        );
    }

    #[test]
    fn removing_needs_the_rule_of_that_brand() {
        let brand = BrandId::new();
        let (id, cmd) = add(brand, RuleKind::Handle, "@kopi");
        let added = given_when(&[], cmd).unwrap();
        let other = RuleCommand::Remove {
            brand_id: BrandId::new(),
        };
        assert_eq!(given_when(&added, other), Err(Refusal::not_found(RULE)));
        let removed = given_when(&added, RuleCommand::Remove { brand_id: brand }).unwrap();
        assert_eq!(
            removed,
            [RuleEvent::Removed {
                rule_id: id,
                brand_id: brand
            }]
        );
        let history: Vec<RuleEvent> = added.into_iter().chain(removed).collect();
        assert!(matches!(RuleState::replay(&history), RuleState::Removed(_)));
        assert_eq!(
            given_when(&history, RuleCommand::Remove { brand_id: brand }),
            Err(Refusal::not_found(RULE))
        );
    }

    #[test]
    fn removing_an_unknown_rule_is_not_found() {
        let cmd = RuleCommand::Remove {
            brand_id: BrandId::new(),
        };
        assert_eq!(given_when(&[], cmd), Err(Refusal::not_found(RULE)));
    }
}
