//! End to end: the whole system started as a user starts it (`tagar standalone`, or the four
//! `tagar serve` processes against the test broker and a fresh PostgreSQL database) and
//! driven only through gRPC, as a client would.

mod client;
mod restart;
mod scenario;
mod system;

use system::System;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_end_to_end() {
    let system = System::standalone().await;
    scenario::mentions_moderation_and_publishing(&system).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_end_to_end() {
    let system = System::distributed().await;
    scenario::mentions_moderation_and_publishing(&system).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_restart_mid_replay_loses_and_doubles_nothing() {
    let mut system = System::standalone().await;
    restart::replay_across_a_kill(&mut system, system::Role::Standalone).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_restart_of_analytics_mid_replay_loses_and_doubles_nothing() {
    let mut system = System::distributed().await;
    restart::replay_across_a_kill(&mut system, system::Role::Analytics).await;
}
