//! Given these events, when this command, then these events or this error.

use chrono::{DateTime, TimeZone as _, Utc};
use tagar_kernel::given::{Given, Then};
use tagar_kernel::{Aggregate, Refusal};
use tagar_model::{AccountId, BrandId, Media, MediaKind, Network, TimeZone};

use super::post::{PostCommand, PostEvent, ScheduledPost, Slot, Stage};

fn given(events: impl IntoIterator<Item = PostEvent>) -> Given<ScheduledPost> {
    let events: Vec<PostEvent> = events.into_iter().collect();
    tagar_kernel::given::given(&events)
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap()
}

fn ids() -> (BrandId, AccountId) {
    (
        BrandId::from_uuid(uuid::Uuid::from_u128(1)),
        AccountId::from_uuid(uuid::Uuid::from_u128(2)),
    )
}

fn draft_command(text: &str, media: Vec<Media>) -> PostCommand {
    let (brand, account) = ids();
    PostCommand::Draft {
        brand,
        account,
        network: Network::X,
        text: text.to_owned(),
        media,
        author: "ana".into(),
    }
}

fn drafted() -> PostEvent {
    let (brand, account) = ids();
    PostEvent::Drafted {
        brand,
        account,
        text: "Selamat pagi #KopiKita".into(),
        media: vec![],
        author: "ana".into(),
    }
}

fn approved() -> PostEvent {
    PostEvent::Approved {
        approver: "budi".into(),
    }
}

fn slot(local_time: &str, publish_at: DateTime<Utc>) -> PostEvent {
    PostEvent::Scheduled(Slot {
        publish_at,
        local_time: local_time.into(),
        time_zone: "Asia/Jakarta".into(),
    })
}

fn schedule(local_time: &str) -> PostCommand {
    PostCommand::Schedule {
        local_time: local_time.into(),
        time_zone: TimeZone::parse("Asia/Jakarta").unwrap(),
        now: now(),
    }
}

fn published() -> PostEvent {
    PostEvent::Published {
        network: Network::X,
        native_id: "loopback-1".into(),
        published_at: now(),
    }
}

fn precondition(then: Then<ScheduledPost>) -> String {
    match then.refused() {
        Refusal::Precondition(why) => why,
        other => panic!("expected a refused precondition, got {other:?}"),
    }
}

fn invalid_field(then: Then<ScheduledPost>) -> (String, String) {
    match then.refused() {
        Refusal::Invalid { field, reason } => (field, reason),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn a_draft_that_fits_is_drafted() {
    let events = given([])
        .when(draft_command("Selamat pagi #KopiKita", vec![]))
        .events();
    assert_eq!(events, vec![drafted()]);
    assert_eq!(ScheduledPost::replay(&events).stage, Stage::Draft);
}

#[test]
fn a_draft_too_long_for_its_network_names_text() {
    let (field, reason) = invalid_field(given([]).when(draft_command(&"a".repeat(281), vec![])));
    assert_eq!(field, "text");
    assert!(reason.contains("over x's limit of 280"), "{reason}");
    let (field, _) = invalid_field(given([]).when(draft_command("   ", vec![])));
    assert_eq!(field, "text");
}

#[test]
fn media_without_usage_rights_is_refused() {
    let media = |rights| Media {
        kind: MediaKind::Image,
        url: "https://cdn.example/kopi.jpg".into(),
        alt_text: None,
        usage_rights: rights,
    };
    let (field, reason) =
        invalid_field(given([]).when(draft_command("Kopi", vec![media(true), media(false)])));
    assert_eq!(field, "media[1]");
    assert!(reason.contains("no usage rights"), "{reason}");
    assert!(
        given([])
            .when(draft_command("Kopi", vec![media(true)]))
            .then_state()
            .stage
            == Stage::Draft
    );
}

#[test]
fn only_drafts_are_approved_or_rejected() {
    assert_eq!(
        given([drafted()])
            .when(PostCommand::Approve {
                approver: "budi".into()
            })
            .events(),
        vec![approved()]
    );
    let reject = || PostCommand::Reject {
        approver: "budi".into(),
        reason: "off brand".into(),
    };
    assert_eq!(
        given([drafted()]).when(reject()).events(),
        vec![PostEvent::Rejected {
            approver: "budi".into(),
            reason: "off brand".into()
        }]
    );
    let why = precondition(given([drafted(), approved()]).when(reject()));
    assert!(why.contains("only drafts"), "{why}");
    precondition(given([drafted(), approved()]).when(PostCommand::Approve {
        approver: "x".into(),
    }));
    precondition(given([]).when(PostCommand::Approve {
        approver: "x".into(),
    }));
    let (field, _) = invalid_field(given([drafted()]).when(PostCommand::Reject {
        approver: "b".into(),
        reason: " ".into(),
    }));
    assert_eq!(field, "reason");
}

#[test]
fn only_approved_posts_are_scheduled() {
    let why = precondition(given([drafted()]).when(schedule("2026-06-02T09:00")));
    assert!(why.contains("only approved posts"), "{why}");
    let rejected = PostEvent::Rejected {
        approver: "b".into(),
        reason: "no".into(),
    };
    precondition(given([drafted(), rejected]).when(schedule("2026-06-02T09:00")));
    // 09:00 in Jakarta (+07) is 02:00 UTC.
    let events = given([drafted(), approved()])
        .when(schedule("2026-06-02T09:00"))
        .events();
    assert_eq!(
        events,
        vec![slot(
            "2026-06-02T09:00",
            Utc.with_ymd_and_hms(2026, 6, 2, 2, 0, 0).unwrap()
        )]
    );
}

#[test]
fn a_scheduled_post_can_be_rescheduled_before_it_goes_out() {
    let first = slot(
        "2026-06-02T09:00",
        Utc.with_ymd_and_hms(2026, 6, 2, 2, 0, 0).unwrap(),
    );
    let events = given([drafted(), approved(), first])
        .when(schedule("2026-06-03T18:30"))
        .events();
    assert_eq!(
        events,
        vec![slot(
            "2026-06-03T18:30",
            Utc.with_ymd_and_hms(2026, 6, 3, 11, 30, 0).unwrap()
        )]
    );
}

#[test]
fn a_time_in_the_past_is_refused_naming_local_time() {
    let (field, reason) =
        invalid_field(given([drafted(), approved()]).when(schedule("2026-06-01T16:59")));
    assert_eq!(field, "local_time");
    assert!(reason.contains("in the past"), "{reason}");
}

#[test]
fn published_posts_are_final() {
    let history = [
        drafted(),
        approved(),
        slot("2026-06-02T09:00", now()),
        published(),
    ];
    let why = precondition(given(history.clone()).when(schedule("2026-06-02T09:00")));
    assert!(why.contains("published posts are final"), "{why}");
    precondition(given(history.clone()).when(PostCommand::Publish {
        network: Network::X,
        native_id: "again".into(),
        published_at: now(),
    }));
    precondition(given(history).when(PostCommand::Approve {
        approver: "x".into(),
    }));
}

#[test]
fn only_scheduled_posts_are_published() {
    let publish = || PostCommand::Publish {
        network: Network::X,
        native_id: "loopback-1".into(),
        published_at: now(),
    };
    precondition(given([drafted(), approved()]).when(publish()));
    given([drafted(), approved(), slot("2026-06-02T09:00", now())])
        .when(publish())
        .then(&[published()]);
}

#[test]
fn a_retryable_failure_keeps_the_post_scheduled_and_a_final_one_ends_it() {
    let history = vec![drafted(), approved(), slot("2026-06-02T09:00", now())];
    let retry_at = now() + chrono::Duration::minutes(5);
    let fail = |retryable| PostCommand::FailPublish {
        reason: "network down".into(),
        retryable,
        retry_at: Some(retry_at),
    };
    let state = given(history.clone()).when(fail(true)).then_state();
    assert_eq!(state.stage, Stage::Scheduled);
    assert_eq!(state.due_at, Some(retry_at), "due again at the retry time");
    let state = given(history.clone()).when(fail(false)).then_state();
    assert_eq!(state.stage, Stage::Failed);
    assert_eq!(state.reason, "network down");
    assert_eq!(state.due_at, None);
}

#[test]
fn a_publishing_attempt_holds_the_post_until_its_lease_ends() {
    let history = vec![drafted(), approved(), slot("2026-06-02T09:00", now())];
    let due = history
        .iter()
        .fold(ScheduledPost::default(), ScheduledPost::apply)
        .due_at
        .unwrap();
    let lease_until = due + chrono::Duration::minutes(2);
    let start = |at| PostCommand::StartPublish {
        now: at,
        lease_until,
    };
    precondition(given(history.clone()).when(start(due - chrono::Duration::seconds(1))));
    let started = given(history.clone()).when(start(due)).events();
    assert_eq!(
        started,
        [PostEvent::PublishStarted {
            attempt: 1,
            lease_until,
            at: due
        }]
    );
    let mut publishing = history.clone();
    publishing.extend(started);
    let state = given(publishing.clone()).when(start(due)).refused();
    assert!(state.to_string().contains("not due"), "{state}");
    // The lease ran out (a crash between the call and the commit): attempt 2.
    let again = PostCommand::StartPublish {
        now: lease_until,
        lease_until: lease_until + chrono::Duration::minutes(2),
    };
    let state = given(publishing.clone()).when(again).then_state();
    assert_eq!((state.stage, state.attempts), (Stage::Publishing, 2));
    let state = given(publishing).when(PostCommand::Publish {
        network: Network::Bluesky,
        native_id: "at://did:plc:kopi/app.bsky.feed.post/3jzfcijpj2z2a".into(),
        published_at: lease_until,
    });
    assert_eq!(state.then_state().stage, Stage::Published);
}

#[test]
fn a_post_is_drafted_once() {
    precondition(given([drafted()]).when(draft_command("again", vec![])));
}

#[test]
fn a_published_post_is_counted_at_growing_intervals_until_it_stops() {
    use super::post::COUNT_AFTER;
    let history = vec![
        drafted(),
        approved(),
        slot("2026-06-02T09:00", now()),
        published(),
    ];
    assert_eq!(
        given(history.clone()).state().count_at,
        Some(now() + COUNT_AFTER[0])
    );
    let metrics = tagar_model::PostMetrics {
        likes: 5,
        ..Default::default()
    };
    let at = now() + COUNT_AFTER[0];
    let counted = given(history.clone())
        .when(PostCommand::RecordCounts { metrics, at })
        .events();
    assert_eq!(counted, [PostEvent::Counted { metrics, at }]);
    let mut after = history.clone();
    after.extend(counted);
    let state = given(after.clone()).state().clone();
    assert_eq!(state.counts, Some((metrics, at)));
    assert_eq!(state.count_at, Some(now() + COUNT_AFTER[1]));

    // Stopped: no more readings, and stopping again says nothing new.
    let stop = || PostCommand::StopCounting {
        reason: "gone".into(),
    };
    let stopped = given(after.clone()).when(stop()).events();
    after.extend(stopped);
    assert_eq!(given(after.clone()).state().count_at, None);
    assert!(given(after.clone()).when(stop()).events().is_empty());
    precondition(given(after).when(PostCommand::RecordCounts { metrics, at }));

    // The loopback network keeps no counts; a draft has none to record.
    let loopback = PostEvent::Published {
        network: Network::Loopback,
        native_id: "loopback-2".into(),
        published_at: now(),
    };
    let mut looped = history[..3].to_vec();
    looped.push(loopback);
    assert_eq!(given(looped).state().count_at, None);
    precondition(given([drafted()]).when(PostCommand::RecordCounts { metrics, at }));
}

fn statement(crisis_id: &str) -> PostCommand {
    PostCommand::Statement {
        draft: Box::new(draft_command("Selamat pagi #KopiKita", vec![])),
        approver: "budi".into(),
        crisis_id: crisis_id.into(),
        time_zone: TimeZone::parse("Asia/Jakarta").unwrap(),
        now: now(),
    }
}

#[test]
fn a_statement_is_drafted_approved_and_due_now_in_one_step() {
    let crisis = "0190f1e2-0000-7000-8000-000000000001";
    let events = given([]).when(statement(crisis)).events();
    assert_eq!(
        events,
        vec![
            drafted(),
            approved(),
            PostEvent::StatementPlanned {
                crisis_id: crisis.into()
            },
            slot("2026-06-01T17:00:00", now()),
        ]
    );
    let post = ScheduledPost::replay(&events);
    assert_eq!(post.stage, Stage::Scheduled);
    assert_eq!(post.due_at, Some(now()));
    assert_eq!(post.statement_of.as_deref(), Some(crisis));
}

#[test]
fn a_statement_names_its_crisis_and_fits_its_network() {
    let (field, _) = invalid_field(given([]).when(statement("not-a-crisis")));
    assert_eq!(field, "crisis_id");
    let mut long = statement("0190f1e2-0000-7000-8000-000000000001");
    if let PostCommand::Statement { draft, .. } = &mut long {
        **draft = draft_command(&"kopi ".repeat(100), vec![]);
    }
    let (field, _) = invalid_field(given([]).when(long));
    assert_eq!(field, "text");
    let precondition =
        precondition(given([drafted()]).when(statement("0190f1e2-0000-7000-8000-000000000001")));
    assert!(
        precondition.starts_with("cannot draft it again"),
        "{precondition}"
    );
}

#[test]
fn a_reply_is_approved_by_who_answered_and_due_now() {
    let reply = PostCommand::Reply {
        draft: Box::new(draft_command("Selamat pagi #KopiKita", vec![])),
        approver: "budi".into(),
        reply_to: " 1789 ".into(),
        inbox_item_id: "item-1".into(),
        time_zone: TimeZone::parse("Asia/Jakarta").unwrap(),
        now: now(),
    };
    let events = given([]).when(reply).events();
    assert_eq!(
        events[2],
        PostEvent::ReplyPlanned {
            reply_to: "1789".into(),
            inbox_item_id: "item-1".into()
        }
    );
    let post = ScheduledPost::replay(&events);
    assert_eq!(post.stage, Stage::Scheduled);
    assert_eq!(post.due_at, Some(now()));
    assert_eq!(post.reply_to, Some(("1789".into(), "item-1".into())));
    let (field, _) = invalid_field(given([]).when(PostCommand::Reply {
        draft: Box::new(draft_command("hi", vec![])),
        approver: "budi".into(),
        reply_to: " ".into(),
        inbox_item_id: "item-1".into(),
        time_zone: TimeZone::parse("Asia/Jakarta").unwrap(),
        now: now(),
    }));
    assert_eq!(field, "reply_to");
}
