//! Given these events, when this command, then these events or this error.

use tagar_kernel::given::{given, given_nothing};
use tagar_proto::envelope::EnvelopeBuilder;

use super::*;

fn brand() -> BrandId {
    BrandId::from_uuid(uuid::Uuid::from_u128(7))
}

fn opening() -> ReviewCaseOpened {
    ReviewCaseOpened {
        case_id: "c1".into(),
        native_id: "p1".into(),
        author_id: "a1".into(),
        text: "you idiot".into(),
        reasons: vec!["abusive word 'idiot' (en)".into()],
        hidden: true,
        ..ReviewCaseOpened::default()
    }
}

fn opened() -> CaseEvent {
    CaseEvent::Opened {
        brand: brand(),
        opened: opening(),
    }
}

fn open() -> CaseCommand {
    CaseCommand::Open {
        brand: brand(),
        opened: opening(),
    }
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

#[test]
fn a_new_case_opens_once() {
    let case = given_nothing::<ReviewCase>().when(open()).then(&[opened()]);
    assert_eq!(case.brand(), Some(brand()));
    assert_eq!(
        given::<ReviewCase>(&[opened()]).when(open()).refused(),
        Refusal::precondition(ALREADY_OPEN)
    );
}

#[test]
fn an_open_case_is_assigned_and_reassigned() {
    let assign = |m: &str| CaseCommand::Assign {
        moderator: m.into(),
    };
    given::<ReviewCase>(&[opened()])
        .when(assign("ana"))
        .then(&[assigned("ana")]);
    given::<ReviewCase>(&[opened(), assigned("ana")])
        .when(assign(" bo "))
        .then(&[assigned("bo")]);
    assert_eq!(
        given::<ReviewCase>(&[opened()])
            .when(assign("  "))
            .refused(),
        Refusal::invalid("moderator", "is required")
    );
}

#[test]
fn a_case_is_decided_once() {
    let CaseEvent::Opened { opened: about, .. } = opened() else {
        unreachable!()
    };
    let decided = CaseEvent::Decided(ReviewCaseDecided {
        case_id: "c1".into(),
        decision: Decision::BlockAuthor as i32,
        moderator: "mia".into(),
        note: "rude".into(),
        network: about.network,
        native_id: about.native_id,
        author_id: about.author_id,
    });
    let case = given::<ReviewCase>(&[opened(), assigned("ana")])
        .when(decide(Decision::BlockAuthor))
        .then(std::slice::from_ref(&decided));
    assert_eq!(case.status, CaseStatus::Decided);
    let history = [opened(), decided];
    assert_eq!(
        given::<ReviewCase>(&history)
            .when(decide(Decision::Approve))
            .refused(),
        Refusal::precondition(ALREADY_DECIDED)
    );
    assert_eq!(
        given::<ReviewCase>(&history)
            .when(CaseCommand::Assign {
                moderator: "bo".into()
            })
            .refused(),
        Refusal::precondition(ALREADY_DECIDED)
    );
}

#[test]
fn commands_on_a_missing_case_or_without_a_decision_are_refused() {
    assert_eq!(
        given_nothing::<ReviewCase>()
            .when(decide(Decision::Hide))
            .refused(),
        Refusal::not_found("review case")
    );
    given::<ReviewCase>(&[opened()])
        .when(decide(Decision::Unspecified))
        .refused_with("decision: ");
}

#[test]
fn events_round_trip_through_the_wire() {
    for e in [opened(), assigned("ana")] {
        let envelope = EnvelopeBuilder::new(tagar_model::TenantId::new(), ReviewCase::to_wire(&e))
            .brand(brand())
            .build();
        assert_eq!(ReviewCase::from_wire(&envelope), Ok(e));
    }
}
