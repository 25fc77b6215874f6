//! Given these events, when this command, then these events or this error.

use super::*;

fn opened() -> CaseEvent {
    CaseEvent::Opened(ReviewCaseOpened {
        case_id: "c1".into(),
        native_id: "p1".into(),
        author_id: "a1".into(),
        text: "you idiot".into(),
        reasons: vec!["abusive word 'idiot' (en)".into()],
        hidden: true,
        ..ReviewCaseOpened::default()
    })
}

fn assigned(to: &str) -> CaseEvent {
    CaseEvent::Assigned(ReviewCaseAssigned {
        case_id: "c1".into(),
        moderator: to.into(),
    })
}

fn decide(decision: Decision) -> CaseCommand {
    CaseCommand::Decide {
        decision,
        moderator: "mia".into(),
        note: "rude".into(),
    }
}

fn given_when(given: &[CaseEvent], when: CaseCommand) -> Result<Vec<CaseEvent>, DomainError> {
    handle(&replay(given), when)
}

#[test]
fn a_new_case_opens_once() {
    let CaseEvent::Opened(o) = opened() else {
        unreachable!()
    };
    assert_eq!(
        given_when(&[], CaseCommand::Open(o.clone())),
        Ok(vec![opened()])
    );
    assert_eq!(
        given_when(&[opened()], CaseCommand::Open(o)),
        Err(DomainError::AlreadyOpen)
    );
}

#[test]
fn an_open_case_is_assigned_and_reassigned() {
    let assign = |m: &str| CaseCommand::Assign {
        moderator: m.into(),
    };
    assert_eq!(
        given_when(&[opened()], assign("ana")),
        Ok(vec![assigned("ana")])
    );
    assert_eq!(
        given_when(&[opened(), assigned("ana")], assign(" bo ")),
        Ok(vec![assigned("bo")])
    );
    assert_eq!(
        given_when(&[opened()], assign("  ")),
        Err(DomainError::invalid("moderator", "is required"))
    );
}

#[test]
fn a_case_is_decided_once() {
    let then = given_when(&[opened(), assigned("ana")], decide(Decision::BlockAuthor));
    assert_eq!(
        then,
        Ok(vec![CaseEvent::Decided(ReviewCaseDecided {
            case_id: "c1".into(),
            decision: Decision::BlockAuthor as i32,
            moderator: "mia".into(),
            note: "rude".into(),
        })])
    );
    let decided = then.unwrap().remove(0);
    let given = [opened(), decided];
    assert_eq!(
        given_when(&given, decide(Decision::Approve)),
        Err(DomainError::AlreadyDecided)
    );
    assert_eq!(
        given_when(
            &given,
            CaseCommand::Assign {
                moderator: "bo".into()
            }
        ),
        Err(DomainError::AlreadyDecided)
    );
    assert_eq!(replay(&given).version, 2);
    assert_eq!(replay(&given).status, CaseStatus::Decided);
}

#[test]
fn commands_on_a_missing_case_or_without_a_decision_are_refused() {
    assert_eq!(
        given_when(&[], decide(Decision::Hide)),
        Err(DomainError::CaseNotFound)
    );
    assert!(matches!(
        given_when(&[opened()], decide(Decision::Unspecified)),
        Err(DomainError::Invalid {
            field: "decision",
            ..
        })
    ));
}

#[test]
fn events_round_trip_through_the_wire() {
    for e in [opened(), assigned("ana")] {
        assert_eq!(CaseEvent::from_wire(e.clone().into_wire()), Some(e));
    }
}
