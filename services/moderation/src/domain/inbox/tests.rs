use tagar_kernel::given::{given, given_nothing};
use tagar_model::BrandId;
use tagar_proto::v1::{InboxItemAssigned, InboxItemClosed, InboxItemOpened};

use super::*;
use crate::domain::classifier::Sentiment;

#[test]
fn questions_and_complaints_are_read_in_five_languages() {
    use Sentiment::*;
    for q in [
        "When does the Jakarta store open?",
        "kapan toko buka",
        "apakah ada kopi susu hari ini",
        "Où est le magasin le plus proche",
        "kya aaj delivery hogi",
        "क्या आज डिलीवरी होगी",
        "چرا سفارش من نرسید",
        "@kopikita how do I order beans",
    ] {
        assert_eq!(kind_of(q, Neutral), Kind::Question, "{q}");
    }
    assert_eq!(
        kind_of("my order never came, this is terrible", Negative),
        Kind::Complaint
    );
    assert_eq!(kind_of("why is my order late?", Negative), Kind::Complaint);
    assert_eq!(kind_of("best coffee in town", Positive), Kind::Praise);
    assert_eq!(kind_of("kopi susu di pagi hari", Neutral), Kind::Other);
    // A word that merely contains a question word is no question.
    assert_eq!(kind_of("whatever, nice cup", Neutral), Kind::Other);
}

#[test]
fn what_wants_an_answer() {
    assert!(wants_an_answer(Kind::Question, false));
    assert!(wants_an_answer(Kind::Complaint, false));
    assert!(wants_an_answer(Kind::Other, true));
    assert!(!wants_an_answer(Kind::Other, false));
    assert!(!wants_an_answer(Kind::Praise, true));
}

fn opened() -> InboxEvent {
    InboxEvent::Opened {
        brand: BrandId::from_uuid(uuid::Uuid::from_u128(7)),
        opened: InboxItemOpened {
            item_id: "i1".into(),
            native_id: "p1".into(),
            text: "kapan toko buka?".into(),
            ..InboxItemOpened::default()
        },
    }
}

fn assign(who: &str) -> InboxCommand {
    InboxCommand::Assign {
        assignee: who.into(),
        by: "lead".into(),
    }
}

#[test]
fn an_item_is_opened_assigned_and_closed_once() {
    let InboxEvent::Opened { brand, opened: o } = opened() else {
        unreachable!()
    };
    given_nothing::<InboxItem>()
        .when(InboxCommand::Open {
            brand,
            opened: o.clone(),
        })
        .then(&[opened()]);
    let assigned = InboxEvent::Assigned(InboxItemAssigned {
        item_id: "i1".into(),
        assignee: "ana".into(),
        by: "lead".into(),
    });
    let item = given::<InboxItem>(&[opened()])
        .when(assign(" ana "))
        .then(std::slice::from_ref(&assigned));
    assert_eq!(item.status, ItemStatus::Assigned);
    // Assigning to whoever has it already changes nothing.
    given::<InboxItem>(&[opened(), assigned.clone()])
        .when(assign("ana"))
        .then(&[]);
    let closed = InboxEvent::Closed(InboxItemClosed {
        item_id: "i1".into(),
        by: "ana".into(),
        reason: "answered by phone".into(),
    });
    given::<InboxItem>(&[opened(), assigned.clone()])
        .when(InboxCommand::Close {
            by: "ana".into(),
            reason: " answered by phone ".into(),
        })
        .then(std::slice::from_ref(&closed));
    given::<InboxItem>(&[opened(), assigned, closed])
        .when(assign("budi"))
        .refused_with(CLOSED);
}

#[test]
fn refusals_name_what_is_wrong() {
    given::<InboxItem>(&[opened()])
        .when(assign("  "))
        .refused_with("assignee: is required");
    given_nothing::<InboxItem>()
        .when(assign("ana"))
        .refused_with("inbox item");
    given::<InboxItem>(&[opened()])
        .when(InboxCommand::Open {
            brand: BrandId::new(),
            opened: InboxItemOpened::default(),
        })
        .refused_with("the inbox item is already open");
}
