//! Cancellation reaches tracked tasks, and tasks that ignore it are named after the bound.

use std::time::Duration;

use tagar_runtime::{DrainOutcome, Shutdown};

#[tokio::test]
async fn cancelled_tasks_drain() {
    let shutdown = Shutdown::new();
    for name in ["consumer", "relay"] {
        let token = shutdown.token();
        shutdown.spawn(name, async move { token.cancelled().await });
    }
    shutdown.cancel();
    assert_eq!(
        shutdown.wait_drained(Duration::from_secs(5)).await,
        DrainOutcome::Drained
    );
}

#[tokio::test]
async fn tasks_ignoring_cancellation_are_reported() {
    let shutdown = Shutdown::new();
    let token = shutdown.token();
    shutdown.spawn("polite", async move { token.cancelled().await });
    shutdown.spawn("stubborn", std::future::pending::<()>());
    shutdown.cancel();
    let outcome = shutdown.wait_drained(Duration::from_millis(100)).await;
    assert_eq!(
        outcome,
        DrainOutcome::TimedOut {
            still_running: vec!["stubborn".to_owned()]
        }
    );
}

#[tokio::test]
async fn finished_and_panicked_tasks_leave_the_register() {
    let shutdown = Shutdown::new();
    let done = shutdown.spawn("quick", async { 42 });
    assert_eq!(done.await.unwrap(), 42);
    let panicked = shutdown.spawn("faulty", async { panic!("boom") });
    assert!(panicked.await.is_err());
    assert_eq!(
        shutdown.wait_drained(Duration::from_millis(100)).await,
        DrainOutcome::Drained
    );
}

#[tokio::test]
async fn clones_share_cancellation() {
    let shutdown = Shutdown::new();
    let clone = shutdown.clone();
    let signals = shutdown.listen_for_signals();
    clone.cancel();
    shutdown.cancelled().await;
    assert!(shutdown.is_cancelled());
    // The signal listener stops once shutdown began another way.
    tokio::time::timeout(Duration::from_secs(5), signals)
        .await
        .unwrap()
        .unwrap();
}
