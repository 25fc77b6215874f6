//! End to end: the whole system started as a user starts it (`tagar standalone`, or the four
//! `tagar serve` processes against a broker of their own and a fresh PostgreSQL database) on
//! the shared harness, and driven only through gRPC, as a client would.

mod chats;
mod client;
mod crises;
mod faults;
mod inbox;
mod networks;
mod reflection;
mod restart;
mod scenario;

use tagar_kernel::Mode;
use tagar_kernel::testing::{Launch, TestApp};
use tagar_model::TenantId;
use tagar_runtime::auth::{BrandScope, Role};

/// The `tagar` binary under test.
const TAGAR: &str = env!("CARGO_BIN_EXE_tagar");

/// The system in `mode`, and an admin key of a new tenant.
async fn system(mode: Mode) -> (TestApp, String) {
    let app = TestApp::binary(mode, TAGAR).await;
    let key = app.key(TenantId::new(), Role::Admin, BrandScope::All).await;
    (app, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_end_to_end() {
    let (app, key) = system(Mode::Standalone).await;
    scenario::mentions_moderation_and_publishing(&app, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_end_to_end() {
    let (app, key) = system(Mode::Distributed).await;
    scenario::mentions_moderation_and_publishing(&app, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_live_chat() {
    let (app, key) = system(Mode::Standalone).await;
    chats::a_live_chat_is_heard_watched_caught_up_and_reported(&app, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_live_chat() {
    let (app, key) = system(Mode::Distributed).await;
    chats::a_live_chat_is_heard_watched_caught_up_and_reported(&app, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_crisis() {
    let (app, key) = system(Mode::Standalone).await;
    crises::a_negative_surge_pauses_the_queue_until_a_person_resumes_it(&app, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_crisis() {
    let (app, key) = system(Mode::Distributed).await;
    crises::a_negative_surge_pauses_the_queue_until_a_person_resumes_it(&app, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_inbox() {
    let (app, key) = system(Mode::Standalone).await;
    inbox::a_question_is_answered_through_the_network_and_an_abuser_is_not(&app, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_inbox() {
    let (app, key) = system(Mode::Distributed).await;
    inbox::a_question_is_answered_through_the_network_and_an_abuser_is_not(&app, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_restart_mid_replay_loses_and_doubles_nothing() {
    let (mut app, key) = system(Mode::Standalone).await;
    restart::replay_across_a_kill(&mut app, &key, "standalone").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_restart_of_analytics_mid_replay_loses_and_doubles_nothing() {
    let (mut app, key) = system(Mode::Distributed).await;
    restart::replay_across_a_kill(&mut app, &key, "analytics").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcurl_lists_the_services_and_calls_one_through_reflection() {
    let (app, key) = system(Mode::Standalone).await;
    reflection::grpcurl_lists_and_calls(&app, &key).await;
}

/// The system in `mode` with a short publishing lease, so that a restarted process tries
/// again within seconds.
async fn short_lease(mode: Mode) -> (TestApp, String) {
    let app = TestApp::launch_with(mode, Launch::Binary(TAGAR.into()), |s| {
        s.networks.publish_lease_seconds = 4;
    })
    .await;
    let key = app.key(TenantId::new(), Role::Admin, BrandScope::All).await;
    (app, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_killed_between_a_network_call_and_its_commit_publishes_once() {
    let (mut app, key) = short_lease(Mode::Standalone).await;
    networks::a_kill_between_the_call_and_the_commit_leaves_one_post(&mut app, &key, "standalone")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_scheduling_killed_between_a_network_call_and_its_commit_publishes_once() {
    let (mut app, key) = short_lease(Mode::Distributed).await;
    networks::a_kill_between_the_call_and_the_commit_leaves_one_post(&mut app, &key, "scheduling")
        .await;
}
