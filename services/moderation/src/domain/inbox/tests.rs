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

fn at(minute: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_770_000_000 + minute * 60, 0).unwrap()
}

fn opened_at(abusive: bool) -> InboxEvent {
    let InboxEvent::Opened { brand, mut opened } = opened() else {
        unreachable!()
    };
    opened.author_handle = "sari".into();
    opened.opened_at = Some(tagar_proto::convert::time_to_wire(at(0)));
    opened.due_by = Some(tagar_proto::convert::time_to_wire(at(60)));
    opened.standing = Some(tagar_proto::v1::AuthorStanding {
        abusive,
        ..Default::default()
    });
    InboxEvent::Opened { brand, opened }
}

fn reply(blocked: bool) -> InboxCommand {
    InboxCommand::Reply(Reply {
        reply_post_id: "r1".into(),
        account_id: "acc".into(),
        text: "Buka jam 8!".into(),
        by: "ana".into(),
        author_blocked: blocked,
    })
}

fn requested() -> InboxEvent {
    InboxEvent::ReplyRequested(tagar_proto::v1::InboxItemReplyRequested {
        item_id: "i1".into(),
        reply_post_id: "r1".into(),
        account_id: "acc".into(),
        text: "Buka jam 8!".into(),
        by: "ana".into(),
        network: 0,
        reply_to: "p1".into(),
    })
}

fn answered_at(minute: i64) -> InboxCommand {
    InboxCommand::Answered {
        reply_post_id: "r1".into(),
        reply_native_id: "n1".into(),
        at: at(minute),
    }
}

#[test]
fn an_abusive_or_blocked_author_is_never_engaged() {
    given::<InboxItem>(&[opened_at(true)])
        .when(reply(false))
        .refused_with("never engage: @sari is abusive");
    given::<InboxItem>(&[opened_at(false)])
        .when(reply(true))
        .refused_with("never engage: @sari is blocked by the brand");
}

#[test]
fn a_reply_goes_out_once_and_the_first_response_is_timed() {
    given::<InboxItem>(&[opened_at(false)])
        .when(reply(false))
        .then(&[requested()]);
    given::<InboxItem>(&[opened_at(false), requested()])
        .when(reply(false))
        .refused_with("a reply to this item is on its way already");
    let item = given::<InboxItem>(&[opened_at(false), requested()])
        .when(answered_at(25))
        .then(&[InboxEvent::Answered(tagar_proto::v1::InboxItemAnswered {
            item_id: "i1".into(),
            reply_post_id: "r1".into(),
            reply_native_id: "n1".into(),
            answered_at: Some(tagar_proto::convert::time_to_wire(at(25))),
            by: "ana".into(),
            first_response_seconds: 25 * 60,
            within_sla: true,
        })]);
    assert_eq!(item.status, ItemStatus::Answered);
    // Heard again (a redelivery): nothing more.
    let events = given::<InboxItem>(&[opened_at(false), requested()])
        .when(answered_at(25))
        .events();
    let mut history = vec![opened_at(false), requested()];
    history.extend(events);
    given::<InboxItem>(&history).when(answered_at(26)).then(&[]);
    // Late: past the SLA.
    let late = given::<InboxItem>(&[opened_at(false), requested()])
        .when(answered_at(90))
        .events();
    let InboxEvent::Answered(late) = &late[0] else {
        panic!("{late:?}")
    };
    assert_eq!(
        (late.first_response_seconds, late.within_sla),
        (5_400, false)
    );
}

#[test]
fn a_failed_reply_lets_the_desk_try_again() {
    let failed = InboxEvent::ReplyFailed(tagar_proto::v1::InboxItemReplyFailed {
        item_id: "i1".into(),
        reply_post_id: "r1".into(),
        reason: "the network refused it".into(),
    });
    let item = given::<InboxItem>(&[opened_at(false), requested()])
        .when(InboxCommand::ReplyFailed {
            reply_post_id: "r1".into(),
            reason: "the network refused it".into(),
        })
        .then(std::slice::from_ref(&failed));
    assert_eq!(
        item.reply_failure.as_deref(),
        Some("the network refused it")
    );
    given::<InboxItem>(&[opened_at(false), requested(), failed])
        .when(reply(false))
        .then(&[requested()]);
}

#[test]
fn a_reply_is_checked_against_its_network() {
    assert!(check_reply(tagar_model::Network::X, "Buka jam 8!").is_ok());
    let long = check_reply(tagar_model::Network::X, &"k".repeat(300)).unwrap_err();
    assert!(long.to_string().starts_with("text: "), "{long}");
    let empty = check_reply(tagar_model::Network::X, "  ").unwrap_err();
    assert_eq!(empty.to_string(), "text: is required");
}

#[test]
fn the_author_is_blocked_muted_or_reported_once_each_even_after_closing() {
    use tagar_proto::v1::{AuthorAction, InboxAuthorActioned};
    let act = |action| InboxCommand::ActOnAuthor {
        action,
        by: "ana".into(),
        reason: " threats ".into(),
    };
    let blocked = InboxEvent::AuthorActioned(InboxAuthorActioned {
        item_id: "i1".into(),
        action: AuthorAction::Block as i32,
        network: 0,
        author_id: String::new(),
        native_id: "p1".into(),
        by: "ana".into(),
        reason: "threats".into(),
    });
    let closed = InboxEvent::Closed(InboxItemClosed {
        item_id: "i1".into(),
        by: "ana".into(),
        reason: String::new(),
    });
    let item = given::<InboxItem>(&[opened(), closed.clone()])
        .when(act(AuthorAction::Block))
        .then(std::slice::from_ref(&blocked));
    assert_eq!(item.author_actions, [AuthorAction::Block]);
    given::<InboxItem>(&[opened(), closed.clone(), blocked.clone()])
        .when(act(AuthorAction::Block))
        .then(&[]);
    let muted = given::<InboxItem>(&[opened(), closed, blocked])
        .when(act(AuthorAction::Mute))
        .then_state();
    assert_eq!(
        muted.author_actions,
        [AuthorAction::Block, AuthorAction::Mute]
    );
    given::<InboxItem>(&[opened()])
        .when(act(AuthorAction::Unspecified))
        .refused_with("action: is required");
}
