//! Given these events, when this command, then these events or this refusal.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use tagar_kernel::given::{given, given_nothing};
use tagar_model::{AccountId, BrandId, Network, TimeZone};
use uuid::Uuid;

use super::*;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn brand() -> BrandId {
    BrandId::from_uuid(Uuid::from_u128(1))
}

fn setup(network: Network) -> ChatSetup {
    ChatSetup {
        account: AccountId::from_uuid(Uuid::from_u128(2)),
        network,
        host_handle: "kopikita".into(),
        hashtag: "#KopiChat".into(),
        created_by: "ana".into(),
    }
}

fn content() -> ChatContent {
    ChatContent {
        hosts: vec!["@ana".into()],
        panelists: vec!["budi".into()],
        rules: "Answer with A1, A2 and the tag.".into(),
        questions: vec![
            ChatItem {
                offset_minutes: 2,
                text: "How do you take your coffee?".into(),
            },
            ChatItem {
                offset_minutes: 12,
                text: "Q2: Where do you buy beans?".into(),
            },
        ],
        heads_ups: vec![ChatItem {
            offset_minutes: 60,
            text: String::new(),
        }],
    }
}

fn paris() -> TimeZone {
    TimeZone::parse("Europe/Paris").unwrap()
}

fn create(local_start: &str, minutes: u32, now: DateTime<Utc>) -> ChatCommand {
    ChatCommand::Create {
        brand: brand(),
        setup: setup(Network::X),
        local_start: local_start.into(),
        time_zone: paris(),
        minutes,
        content: content(),
        now,
    }
}

fn now() -> DateTime<Utc> {
    utc(2026, 6, 1, 8, 0)
}

/// A chat at 18:00 Paris (16:00 UTC) on 2026-06-01 for 30 minutes.
fn scheduled() -> ChatEvent {
    given_nothing::<ChatSession>()
        .when(create("2026-06-01T18:00", 30, now()))
        .events()
        .remove(0)
}

#[test]
fn a_chat_is_planned_with_its_tag_people_and_numbered_questions() {
    let chat = given_nothing::<ChatSession>()
        .when(create("2026-06-01T18:00", 30, now()))
        .then_state();
    let setup = chat.setup.clone().unwrap();
    assert_eq!(setup.hashtag, "KopiChat", "stored without #");
    assert_eq!(chat.content.hosts, ["ana"], "handles without @");
    let when = chat.when.clone().unwrap();
    assert_eq!(when.starts_at, utc(2026, 6, 1, 16, 0));
    assert_eq!(when.ends_at(), utc(2026, 6, 1, 16, 30));
    let planned = chat.planned(Uuid::from_u128(9));
    let texts: Vec<&str> = planned.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Q1 How do you take your coffee? #KopiChat",
            "Q2: Where do you buy beans? #KopiChat",
            "In an hour we host #KopiChat for 30 minutes: expect many posts from us. Join in, and follow the tag!",
        ]
    );
    let times: Vec<_> = planned.iter().map(|p| p.publish_at).collect();
    assert_eq!(
        times,
        [
            utc(2026, 6, 1, 16, 2),
            utc(2026, 6, 1, 16, 12),
            utc(2026, 6, 1, 15, 0)
        ]
    );
}

#[test]
fn the_clock_says_scheduled_live_and_ended() {
    let chat = given::<ChatSession>(&[scheduled()]).state().clone();
    assert_eq!(chat.status(utc(2026, 6, 1, 15, 59)), ChatStatus::Scheduled);
    assert_eq!(chat.status(utc(2026, 6, 1, 16, 0)), ChatStatus::Live);
    assert_eq!(chat.status(utc(2026, 6, 1, 16, 29)), ChatStatus::Live);
    assert_eq!(chat.status(utc(2026, 6, 1, 16, 30)), ChatStatus::Ended);
}

#[test]
fn bad_input_is_refused_naming_the_field() {
    let refused = |command| {
        given_nothing::<ChatSession>()
            .when(command)
            .refused()
            .to_string()
    };
    let mut bad_tag = create("2026-06-01T18:00", 30, now());
    if let ChatCommand::Create { setup, .. } = &mut bad_tag {
        setup.hashtag = "#not a tag".into();
    }
    assert!(refused(bad_tag).starts_with("hashtag: "));
    assert!(refused(create("2026-06-01T18:00", 2, now())).starts_with("minutes: "));
    assert!(refused(create("2026-05-01T18:00", 30, now())).contains("local_start: "));
    let mut late_question = create("2026-06-01T18:00", 30, now());
    if let ChatCommand::Create { content, .. } = &mut late_question {
        content.questions[1].offset_minutes = 30;
    }
    assert!(refused(late_question).starts_with("questions[1].offset_minutes: "));
    let mut out_of_order = create("2026-06-01T18:00", 30, now());
    if let ChatCommand::Create { content, .. } = &mut out_of_order {
        content.questions[1].offset_minutes = 1;
    }
    assert!(refused(out_of_order).starts_with("questions[1].offset_minutes: "));
    let mut long = create("2026-06-01T18:00", 30, now());
    if let ChatCommand::Create { content, .. } = &mut long {
        content.questions[0].text = "x".repeat(275);
    }
    assert!(refused(long).starts_with("questions[0].text: "));
    // A heads-up an hour ahead of a chat 30 minutes away would already be late.
    let soon = create("2026-06-01T10:30", 30, now());
    assert!(refused(soon).starts_with("heads_ups[0].offset_minutes: "));
}

#[test]
fn a_start_in_the_spring_gap_is_refused_and_one_in_the_autumn_overlap_takes_the_earlier() {
    let before = utc(2026, 3, 1, 0, 0);
    let gap = given_nothing::<ChatSession>()
        .when(create("2026-03-29T02:30", 30, before))
        .refused();
    assert!(gap.to_string().contains("clocks go forward"), "{gap}");
    let chat = given_nothing::<ChatSession>()
        .when(create("2026-10-25T02:30", 60, before))
        .then_state();
    // 02:30 happens twice in Paris that night: the first is 00:30 UTC (CEST, +02:00).
    assert_eq!(
        chat.when.clone().unwrap().starts_at,
        utc(2026, 10, 25, 0, 30)
    );
    // Questions fall at minutes elapsed since the start, across the change of offset.
    let q2 = &chat.planned(Uuid::from_u128(9))[1];
    assert_eq!(q2.publish_at, utc(2026, 10, 25, 0, 42));
}

#[test]
fn a_chat_across_the_clocks_going_forward_lasts_its_minutes() {
    // 01:45 Paris on 2026-03-29 is 00:45 UTC; 60 minutes later the wall clock shows 03:45.
    let chat = given_nothing::<ChatSession>()
        .when(create("2026-03-29T01:45", 60, utc(2026, 3, 1, 0, 0)))
        .then_state();
    let when = chat.when.unwrap();
    assert_eq!(when.ends_at() - when.starts_at, Duration::minutes(60));
    assert_eq!(when.ends_at(), utc(2026, 3, 29, 1, 45));
}

#[test]
fn rescheduling_moves_a_chat_not_yet_live_and_refuses_a_live_one() {
    given::<ChatSession>(&[scheduled()])
        .when(ChatCommand::Reschedule {
            local_start: "2026-06-02T19:00".into(),
            time_zone: paris(),
            minutes: Some(45),
            now: now(),
        })
        .then(&[ChatEvent::Rescheduled(ChatWhen {
            starts_at: utc(2026, 6, 2, 17, 0),
            local_start: "2026-06-02T19:00".into(),
            time_zone: "Europe/Paris".into(),
            minutes: 45,
        })]);
    given::<ChatSession>(&[scheduled()])
        .when(ChatCommand::Reschedule {
            local_start: "2026-06-02T19:00".into(),
            time_zone: paris(),
            minutes: None,
            now: utc(2026, 6, 1, 16, 5),
        })
        .refused_with("cannot reschedule it (only a chat not yet live moves): the chat is live");
    // A length the questions no longer fit in is refused naming the question.
    given::<ChatSession>(&[scheduled()])
        .when(ChatCommand::Reschedule {
            local_start: "2026-06-01T18:00".into(),
            time_zone: paris(),
            minutes: Some(10),
            now: now(),
        })
        .refused_with("questions[1].offset_minutes: ");
}

#[test]
fn a_live_chat_keeps_its_questions_but_its_rules_can_change() {
    let live = utc(2026, 6, 1, 16, 5);
    let mut changed = content();
    changed.questions[1].text = "Q2 Something else".into();
    given::<ChatSession>(&[scheduled()])
        .when(ChatCommand::Edit {
            content: changed,
            now: live,
        })
        .refused_with("cannot change the questions or heads-ups: the chat is live");
    let mut rules = given::<ChatSession>(&[scheduled()]).state().content.clone();
    rules.rules = "Be kind.".into();
    given::<ChatSession>(&[scheduled()])
        .when(ChatCommand::Edit {
            content: rules.clone(),
            now: live,
        })
        .then(&[ChatEvent::Edited(rules)]);
}

#[test]
fn an_edit_keeps_the_posts_of_unchanged_items_and_makes_new_ones_for_changed_items() {
    let chat_id = Uuid::from_u128(9);
    let before = given::<ChatSession>(&[scheduled()])
        .state()
        .planned(chat_id);
    let mut changed = given::<ChatSession>(&[scheduled()]).state().content.clone();
    changed.questions[1].text = "Where do you buy your beans?".into();
    let after = given::<ChatSession>(&[scheduled()])
        .when(ChatCommand::Edit {
            content: changed,
            now: now(),
        })
        .then_state()
        .planned(chat_id);
    assert_eq!(before[0].post_id, after[0].post_id, "Q1 unchanged");
    assert_ne!(before[1].post_id, after[1].post_id, "Q2 changed");
    assert_eq!(
        before[2].post_id, after[2].post_id,
        "the heads-up unchanged"
    );
    assert_ne!(
        before[0].post_id,
        given::<ChatSession>(&[scheduled()])
            .state()
            .planned(Uuid::from_u128(10))[0]
            .post_id,
        "another chat's posts are its own"
    );
}

#[test]
fn cancelling_ends_it_and_an_ended_chat_cannot_be_cancelled() {
    let at = utc(2026, 6, 1, 16, 10);
    let chat = given::<ChatSession>(&[scheduled()])
        .when(ChatCommand::Cancel {
            reason: " storm ".into(),
            now: at,
        })
        .then(&[ChatEvent::Cancelled {
            reason: "storm".into(),
            at,
        }]);
    assert_eq!(chat.status(at), ChatStatus::Cancelled);
    given::<ChatSession>(&[scheduled()])
        .when(ChatCommand::Cancel {
            reason: String::new(),
            now: utc(2026, 6, 1, 17, 0),
        })
        .refused_with("cannot cancel it: the chat is ended");
    given_nothing::<ChatSession>()
        .when(ChatCommand::Cancel {
            reason: String::new(),
            now: now(),
        })
        .refused_with("cannot cancel it: the chat does not exist");
}

#[test]
fn tagging_appends_the_tag_once_and_refuses_what_no_longer_fits() {
    assert_eq!(
        tagged(Network::X, "Good morning", "KopiChat").unwrap(),
        "Good morning #KopiChat"
    );
    assert_eq!(
        tagged(Network::X, "A1 dark #kopichat!", "KopiChat").unwrap(),
        "A1 dark #kopichat!"
    );
    assert_eq!(
        tagged(Network::Mastodon, "", "KopiChat").unwrap(),
        "#KopiChat"
    );
    // "#KopiChatter" is another tag.
    assert_eq!(
        tagged(Network::Bluesky, "#KopiChatter fans", "KopiChat").unwrap(),
        "#KopiChatter fans #KopiChat"
    );
    let full = "x".repeat(275);
    let refused = tagged(Network::X, &full, "KopiChat").unwrap_err();
    assert_eq!(
        refused,
        "with the chat's #KopiChat appended the text is 285 of the 280 X allows"
    );
}
