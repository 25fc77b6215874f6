//! A brand's queue paused and resumed over the API, in both modes: posts that come due while
//! it is paused are held (a hashtag chat's question too), a resume lets them out or moves them
//! later by the pause's length, and a statement goes out while paused.

mod support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use tagar_client::unary;
use tagar_kernel::testing::eventually;
use tagar_kernel::{Mode, both_modes};
use tagar_proto::convert::time_from_wire;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tonic::Code;

use support::Agent;

fn at(t: &Option<prost_types::Timestamp>) -> DateTime<Utc> {
    time_from_wire(t.as_ref().expect("a time"), "at").unwrap()
}

async fn brand_row(admin: &mut Agent, brand: &str) -> v1::Brand {
    admin
        .list_brands(unary(v1::ListBrandsRequest {}))
        .await
        .unwrap()
        .into_inner()
        .brands
        .into_iter()
        .find(|b| b.brand_id == brand)
        .unwrap()
}

async fn pause(admin: &mut Agent, brand: &str, reason: &str) -> Result<v1::Brand, tonic::Status> {
    admin
        .pause_queue(unary(v1::PauseQueueRequest {
            brand_id: brand.into(),
            reason: reason.into(),
        }))
        .await
        .map(tonic::Response::into_inner)
}

async fn resume(
    admin: &mut Agent,
    brand: &str,
    held: v1::HeldPosts,
) -> Result<v1::ResumeQueueResponse, tonic::Status> {
    admin
        .resume_queue(unary(v1::ResumeQueueRequest {
            brand_id: brand.into(),
            held: held as i32,
            expected_version: 0,
        }))
        .await
        .map(tonic::Response::into_inner)
}

async fn held_posts_move_later_by_the_pause_and_a_chat_waits_too(mode: Mode) {
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (brand, account) = admin.kopi_kita(v1::Network::X, "kopikita").await;
    let brand_id = brand.brand_id.clone();

    // Refusals name what is wrong.
    let blank = pause(&mut admin, &brand_id, " ").await.unwrap_err();
    assert_eq!(blank.code(), Code::InvalidArgument);
    assert!(blank.message().starts_with("reason: "), "{blank:?}");
    let running = resume(&mut admin, &brand_id, v1::HeldPosts::Publish)
        .await
        .unwrap_err();
    assert_eq!(running.code(), Code::FailedPrecondition);
    let mut stranger = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let other = pause(&mut stranger, &brand_id, "not yours")
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::NotFound, "another tenant's brand");

    // A chat tomorrow: its question comes due while the queue is paused and waits.
    let tomorrow =
        (Utc::now() + chrono::Duration::days(1)).with_timezone(&chrono_tz::Asia::Jakarta);
    let chat = admin
        .create_chat(unary(v1::CreateChatRequest {
            brand_id: brand_id.clone(),
            account_id: account.account_id.clone(),
            hashtag: "#KopiChat".into(),
            local_start: tomorrow.format("%Y-%m-%dT%H:%M").to_string(),
            minutes: 30,
            hosts: vec![],
            panelists: vec![],
            rules: String::new(),
            questions: vec![v1::ChatItemInput {
                offset_minutes: 0,
                text: "How do you take your coffee?".into(),
            }],
            heads_ups: vec![],
        }))
        .await
        .unwrap()
        .into_inner();
    let question = chat.questions[0].post_id.clone();

    let paused = pause(&mut admin, &brand_id, "a storm about the recall")
        .await
        .unwrap();
    let since = at(&paused.pause.as_ref().unwrap().paused_at);
    assert!(
        !paused.pause.as_ref().unwrap().by.is_empty(),
        "who paused it"
    );
    let post = support::schedule(
        &mut admin,
        &brand_id,
        &account.account_id,
        "Promo kopi susu!",
        chrono::Duration::seconds(2),
    )
    .await;
    let planned = at(&support::get(&mut admin, &brand_id, &post).await.publish_at);
    eventually(Duration::from_secs(30), "the post held", || {
        let mut admin = (*admin).clone();
        let brand_id = brand_id.clone();
        async move {
            let b = admin
                .list_brands(unary(v1::ListBrandsRequest {}))
                .await
                .ok()?
                .into_inner()
                .brands
                .into_iter()
                .find(|b| b.brand_id == brand_id)?;
            (b.pause?.held_posts == 1).then_some(())
        }
    })
    .await;
    // The chat's question at its time, with the queue paused: held.
    let dispatcher = support::dispatcher_over(
        &system,
        tagar_scheduling::network::Networks::default(),
        Duration::from_secs(1),
    );
    dispatcher
        .dispatch_once(at(&chat.questions[0].publish_at) + chrono::Duration::seconds(1))
        .await
        .unwrap();
    let waiting = support::get(&mut admin, &brand_id, &question).await;
    assert_eq!(
        waiting.state(),
        v1::PostState::Scheduled,
        "the chat's question waits"
    );
    assert_eq!(
        support::get(&mut admin, &brand_id, &post).await.state(),
        v1::PostState::Scheduled
    );

    // Resumed with SHIFT: the held post moves later by the pause's length.
    let resumed = resume(&mut admin, &brand_id, v1::HeldPosts::Shift)
        .await
        .unwrap();
    assert_eq!(resumed.brand.as_ref().unwrap().pause, None);
    assert_eq!(
        resumed.held.len(),
        1,
        "only what was due: the chat is tomorrow"
    );
    let moved = &resumed.held[0];
    assert_eq!(moved.post_id, post);
    let now = Utc::now();
    let shifted = at(&moved.publish_at);
    assert!(shifted > planned, "{shifted} after {planned}");
    assert!(
        (shifted - planned) >= (now - since) - chrono::Duration::seconds(2),
        "moved by about the pause's length: {} for a pause of {}",
        shifted - planned,
        now - since
    );
    support::published(&admin, &brand_id, &post).await;
    // And the chat's question goes out at its time, now the queue runs.
    dispatcher
        .dispatch_once(at(&chat.questions[0].publish_at) + chrono::Duration::seconds(1))
        .await
        .unwrap();
    let out = support::get(&mut admin, &brand_id, &question).await;
    assert_eq!(out.state(), v1::PostState::Published);
    assert!(brand_row(&mut admin, &brand_id).await.pause.is_none());
}

async fn a_statement_goes_out_while_the_queue_is_paused(mode: Mode) {
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (brand, account) = admin.kopi_kita(v1::Network::X, "kopikita").await;
    pause(&mut admin, &brand.brand_id, "a storm").await.unwrap();
    let crisis = uuid::Uuid::now_v7().to_string();
    let statement = admin
        .post_statement(unary(v1::PostStatementRequest {
            brand_id: brand.brand_id.clone(),
            crisis_id: crisis.clone(),
            account_id: account.account_id.clone(),
            text: "We hear you, and we are on it.".into(),
            media: vec![],
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(statement.statement_of, crisis);
    let out = support::published(&admin, &brand.brand_id, &statement.post_id).await;
    assert_eq!(
        out.publish_attempts, 0,
        "the loopback network takes it in the claim"
    );
    let too_long = admin
        .post_statement(unary(v1::PostStatementRequest {
            brand_id: brand.brand_id.clone(),
            crisis_id: crisis,
            account_id: account.account_id.clone(),
            text: "k".repeat(300),
            media: vec![],
        }))
        .await
        .unwrap_err();
    assert_eq!(too_long.code(), Code::InvalidArgument);
    assert!(too_long.message().starts_with("text: "), "{too_long:?}");
}

both_modes!(held_posts_move_later_by_the_pause_and_a_chat_waits_too);
both_modes!(a_statement_goes_out_while_the_queue_is_paused);
