//! Hashtag chats over the API, in both modes: a chat's questions and heads-up go out once at
//! their times, a brand post during the chat carries its tag (or fails saying why), edits
//! and moves take the chat's posts with them, and a cancelled chat posts nothing more.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tagar_client::unary;
use tagar_kernel::{Mode, both_modes};
use tagar_proto::convert::time_from_wire;
use tagar_proto::{topics, v1};
use tagar_runtime::auth::{BrandScope, Role};
use tagar_scheduling::dispatcher::{Dispatcher, DispatcherConfig};
use tagar_scheduling::network::Loopback;
use tonic::Code;

use support::Agent;

fn at(t: &Option<prost_types::Timestamp>) -> DateTime<Utc> {
    time_from_wire(t.as_ref().expect("a time"), "at").unwrap()
}

fn item(offset_minutes: i32, text: &str) -> v1::ChatItemInput {
    v1::ChatItemInput {
        offset_minutes,
        text: text.into(),
    }
}

/// A post drafted, approved and scheduled at `local_time` (Jakarta).
async fn scheduled_post(
    admin: &mut Agent,
    account: &v1::SocialAccount,
    text: &str,
    local_time: &str,
) -> Result<v1::ScheduledPost, tonic::Status> {
    let draft = admin
        .create_draft(unary(v1::CreateDraftRequest {
            brand_id: account.brand_id.clone(),
            account_id: account.account_id.clone(),
            text: text.into(),
            media: vec![],
        }))
        .await?
        .into_inner();
    admin
        .approve_post(unary(v1::ApprovePostRequest {
            brand_id: account.brand_id.clone(),
            post_id: draft.post_id.clone(),
            expected_version: 0,
        }))
        .await?;
    admin
        .schedule_post(unary(v1::SchedulePostRequest {
            brand_id: account.brand_id.clone(),
            post_id: draft.post_id.clone(),
            local_time: local_time.into(),
            expected_version: 0,
        }))
        .await
        .map(tonic::Response::into_inner)
}

async fn post(admin: &mut Agent, brand: &str, post_id: &str) -> v1::ScheduledPost {
    admin
        .get_scheduled_post(unary(v1::GetScheduledPostRequest {
            brand_id: brand.into(),
            post_id: post_id.into(),
        }))
        .await
        .unwrap()
        .into_inner()
}

/// The text the loopback network received for `post_id`, once.
async fn delivered_text(system: &tagar_kernel::testing::TestApp, post_id: &str) -> String {
    let found = support::caused_by(
        system,
        topics::LOOPBACK_NETWORK,
        post_id,
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(found.len(), 1, "delivered once: {found:?}");
    let Some(v1::envelope::Event::NetworkPostDelivered(d)) = &found[0].event else {
        panic!("{found:?}");
    };
    d.post.as_ref().unwrap().text.clone()
}

async fn a_chat_posts_its_questions_once_and_tags_the_brands_posts(mode: Mode) {
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (brand, account) = admin.kopi_kita(v1::Network::X, "kopikita").await;
    // Tomorrow, Jakarta time: the process's own dispatcher leaves it alone, the test's
    // dispatcher is told the time.
    let start_local =
        (Utc::now() + chrono::Duration::days(1)).with_timezone(&chrono_tz::Asia::Jakarta);
    let local = |minutes: i64| {
        (start_local + chrono::Duration::minutes(minutes))
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    // Scheduled before the chat existed, and too long for X once tagged.
    let long = scheduled_post(&mut admin, &account, &"k".repeat(275), &local(7))
        .await
        .unwrap();
    let chat = admin
        .create_chat(unary(v1::CreateChatRequest {
            brand_id: brand.brand_id.clone(),
            account_id: account.account_id.clone(),
            hashtag: "#KopiChat".into(),
            local_start: local(0),
            minutes: 30,
            hosts: vec!["@ana".into()],
            panelists: vec!["budi".into()],
            rules: "Answer with A1, A2 and #KopiChat".into(),
            questions: vec![
                item(0, "How do you take your coffee?"),
                item(10, "Where do you buy beans?"),
            ],
            heads_ups: vec![item(60, "")],
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (chat.state(), chat.hashtag.as_str()),
        (v1::ChatState::Scheduled, "KopiChat")
    );
    assert_eq!(chat.host_handle, "kopikita");
    let start = at(&chat.starts_at);
    assert_eq!(at(&chat.ends_at) - start, chrono::Duration::minutes(30));
    let q: Vec<(&str, v1::PostState)> = chat
        .questions
        .iter()
        .map(|p| (p.text.as_str(), p.state()))
        .collect();
    assert_eq!(
        q,
        [
            (
                "Q1 How do you take your coffee? #KopiChat",
                v1::PostState::Scheduled
            ),
            (
                "Q2 Where do you buy beans? #KopiChat",
                v1::PostState::Scheduled
            ),
        ]
    );
    assert_eq!(
        at(&chat.questions[1].publish_at),
        start + chrono::Duration::minutes(10)
    );
    let heads_up = &chat.heads_ups[0];
    assert_eq!(at(&heads_up.publish_at), start - chrono::Duration::hours(1));
    assert!(
        heads_up
            .text
            .starts_with("In an hour we host #KopiChat for 30 minutes"),
        "{heads_up:?}"
    );

    // A brand post inside the chat's window; one that would not fit with the tag is refused.
    let during = scheduled_post(&mut admin, &account, "Fresh beans today", &local(5))
        .await
        .unwrap();
    let refused = scheduled_post(&mut admin, &account, &"k".repeat(275), &local(6))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(
        refused.message().starts_with(
            "text: with the chat's #KopiChat appended the text is 285 of the 280 X allows"
        ),
        "{refused:?}"
    );

    let platform = system.platform();
    let dispatcher = || {
        Dispatcher::new(
            platform.store.clone(),
            Arc::new(Loopback),
            &platform.metrics,
            DispatcherConfig::default(),
        )
        .expect("a dispatcher")
    };
    let second = chrono::Duration::seconds(1);
    // An hour before: the heads-up, and nothing else.
    dispatcher()
        .dispatch_once(start - chrono::Duration::hours(1) + second)
        .await
        .unwrap();
    let sent = post(&mut admin, &brand.brand_id, &heads_up.post_id).await;
    assert_eq!(sent.state(), v1::PostState::Published);
    let q1 = post(&mut admin, &brand.brand_id, &chat.questions[0].post_id).await;
    assert_eq!(q1.state(), v1::PostState::Scheduled);
    // At the start, Q1; dispatchers looking again publish nothing twice.
    for _ in 0..3 {
        dispatcher().dispatch_once(start + second).await.unwrap();
    }
    assert_eq!(
        delivered_text(&system, &chat.questions[0].post_id).await,
        "Q1 How do you take your coffee? #KopiChat"
    );
    // Ten minutes in: Q2 and the brand's post, tagged; the long one fails saying why.
    dispatcher()
        .dispatch_once(start + chrono::Duration::minutes(10) + second)
        .await
        .unwrap();
    assert_eq!(
        delivered_text(&system, &during.post_id).await,
        "Fresh beans today #KopiChat"
    );
    assert_eq!(
        delivered_text(&system, &chat.questions[1].post_id).await,
        "Q2 Where do you buy beans? #KopiChat"
    );
    let failed = post(&mut admin, &brand.brand_id, &long.post_id).await;
    assert_eq!(failed.state(), v1::PostState::Failed);
    assert!(
        failed
            .reason
            .contains("text: with the chat's #KopiChat appended"),
        "{failed:?}"
    );
    let shown = admin
        .get_chat(unary(v1::GetChatRequest {
            brand_id: brand.brand_id.clone(),
            chat_id: chat.chat_id.clone(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        shown
            .questions
            .iter()
            .all(|q| q.state() == v1::PostState::Published),
        "{shown:?}"
    );
    system.stop().await;
}
both_modes!(a_chat_posts_its_questions_once_and_tags_the_brands_posts);

async fn edits_moves_and_cancelling_take_the_chats_posts_along(mode: Mode) {
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (brand, account) = admin
        .kopi_kita(v1::Network::Mastodon, "kopikita@mastodon.social")
        .await;
    let start_local =
        (Utc::now() + chrono::Duration::days(2)).with_timezone(&chrono_tz::Asia::Jakarta);
    let local = |days: i64| {
        (start_local + chrono::Duration::days(days))
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let create = v1::CreateChatRequest {
        brand_id: brand.brand_id.clone(),
        account_id: account.account_id.clone(),
        hashtag: "KopiChat".into(),
        local_start: local(0),
        minutes: 45,
        questions: vec![item(5, "First?"), item(20, "Second?")],
        heads_ups: vec![item(30, "Soon: #KopiChat")],
        ..Default::default()
    };
    // Bad input names its field.
    for (bad, field) in [
        (
            v1::CreateChatRequest {
                hashtag: "#two words".into(),
                ..create.clone()
            },
            "hashtag: ",
        ),
        (
            v1::CreateChatRequest {
                minutes: 1,
                ..create.clone()
            },
            "minutes: ",
        ),
        (
            v1::CreateChatRequest {
                local_start: "tomorrow".into(),
                ..create.clone()
            },
            "local_start: ",
        ),
        (
            v1::CreateChatRequest {
                questions: vec![item(45, "Late?")],
                ..create.clone()
            },
            "questions[0].offset_minutes: ",
        ),
    ] {
        let status = admin.create_chat(unary(bad)).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(status.message().starts_with(field), "{status:?}");
    }
    let chat = admin
        .create_chat(unary(create.clone()))
        .await
        .unwrap()
        .into_inner();
    let old_q2 = chat.questions[1].post_id.clone();

    // Another tenant sees nothing of it.
    let mut stranger = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let hidden = stranger
        .get_chat(unary(v1::GetChatRequest {
            brand_id: brand.brand_id.clone(),
            chat_id: chat.chat_id.clone(),
        }))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);

    // Q2 changes: its old post is cancelled, a new one scheduled; Q1 keeps its post.
    let edited = admin
        .edit_chat(unary(v1::EditChatRequest {
            brand_id: brand.brand_id.clone(),
            chat_id: chat.chat_id.clone(),
            questions: vec![item(5, "First?"), item(20, "Second, reworded?")],
            heads_ups: vec![item(30, "Soon: #KopiChat")],
            expected_version: chat.version,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(edited.questions[0].post_id, chat.questions[0].post_id);
    assert_ne!(edited.questions[1].post_id, old_q2);
    assert_eq!(
        post(&mut admin, &brand.brand_id, &old_q2).await.state(),
        v1::PostState::Cancelled
    );
    // A stale version is refused.
    let stale = admin
        .cancel_chat(unary(v1::CancelChatRequest {
            brand_id: brand.brand_id.clone(),
            chat_id: chat.chat_id.clone(),
            reason: String::new(),
            expected_version: chat.version,
        }))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    // A day later: every post moves with it.
    let moved = admin
        .reschedule_chat(unary(v1::RescheduleChatRequest {
            brand_id: brand.brand_id.clone(),
            chat_id: chat.chat_id.clone(),
            local_start: local(1),
            minutes: 0,
            expected_version: edited.version,
        }))
        .await
        .unwrap()
        .into_inner();
    let day = chrono::Duration::days(1);
    assert_eq!(at(&moved.starts_at), at(&chat.starts_at) + day);
    for (before, after) in edited
        .questions
        .iter()
        .chain(&edited.heads_ups)
        .zip(moved.questions.iter().chain(&moved.heads_ups))
    {
        assert_eq!(before.post_id, after.post_id);
        let p = post(&mut admin, &brand.brand_id, &after.post_id).await;
        assert_eq!(at(&p.publish_at), at(&before.publish_at) + day, "{p:?}");
    }

    // Cancelled: nothing of it goes out, and it says why.
    let cancelled = admin
        .cancel_chat(unary(v1::CancelChatRequest {
            brand_id: brand.brand_id.clone(),
            chat_id: chat.chat_id.clone(),
            reason: "the host is ill".into(),
            expected_version: moved.version,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.state(), v1::ChatState::Cancelled);
    for planned in cancelled.questions.iter().chain(&cancelled.heads_ups) {
        let p = post(&mut admin, &brand.brand_id, &planned.post_id).await;
        assert_eq!(p.state(), v1::PostState::Cancelled);
        assert_eq!(p.reason, "the chat was cancelled: the host is ill");
    }
    let listed = admin
        .list_chats(unary(v1::ListChatsRequest {
            brand_id: brand.brand_id.clone(),
        }))
        .await
        .unwrap()
        .into_inner()
        .chats;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].cancel_reason, "the host is ill");
    system.stop().await;
}
both_modes!(edits_moves_and_cancelling_take_the_chats_posts_along);
