//! One shutdown handle per binary: SIGTERM or ctrl-c cancels every task, and in-flight
//! work gets a bounded time to drain.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Cancellation plus a register of running tasks. Clones share both.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    token: CancellationToken,
    tracker: TaskTracker,
    running: Arc<Mutex<BTreeMap<u64, String>>>,
    next_id: Arc<AtomicU64>,
}

/// How draining ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainOutcome {
    /// Every tracked task finished within the bound.
    Drained,
    /// The bound passed; these tasks (by the names given to [`Shutdown::spawn`]) were
    /// still running and are abandoned when the process exits.
    TimedOut {
        /// Names of the unfinished tasks, in spawn order.
        still_running: Vec<String>,
    },
}

impl Shutdown {
    /// A handle that is not yet cancelled and tracks no tasks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spawns a task that cancels this handle on SIGTERM (Unix) or ctrl-c.
    pub fn listen_for_signals(&self) -> JoinHandle<()> {
        let token = self.token.clone();
        tokio::spawn(async move {
            let signal = tokio::select! {
                () = wait_for_sigterm() => "SIGTERM",
                result = tokio::signal::ctrl_c() => match result {
                    Ok(()) => "ctrl-c",
                    // Without a ctrl-c handler SIGTERM still works; don't shut down now.
                    Err(error) => {
                        tracing::warn!(%error, "cannot listen for ctrl-c");
                        wait_for_sigterm().await;
                        "SIGTERM"
                    }
                },
                () = token.cancelled() => return,
            };
            tracing::info!(signal, "shutdown requested");
            token.cancel();
        })
    }

    /// A token tasks select on to learn that shutdown has begun.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Begins shutdown without a signal (e.g. a fatal error in one task).
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether shutdown has begun.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves once shutdown has begun.
    pub async fn cancelled(&self) {
        self.token.cancelled().await;
    }

    /// Spawns `future` as a tracked task named `name`; [`Shutdown::wait_drained`] waits
    /// for it and names it if it overruns.
    pub fn spawn<F>(&self, name: impl Into<String>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.running).insert(id, name.into());
        // Removed on drop, so a panicking or aborted task does not linger in the register.
        let entry = RunningEntry {
            id,
            running: Arc::clone(&self.running),
        };
        self.tracker.spawn(async move {
            let _entry = entry;
            future.await
        })
    }

    /// Waits up to `bound` for every tracked task to finish, naming those that did not.
    /// Call it after cancellation; tasks spawned meanwhile are waited for too.
    pub async fn wait_drained(&self, bound: Duration) -> DrainOutcome {
        self.tracker.close();
        if tokio::time::timeout(bound, self.tracker.wait())
            .await
            .is_ok()
        {
            tracing::info!("all tasks drained");
            return DrainOutcome::Drained;
        }
        let still_running: Vec<String> = lock(&self.running).values().cloned().collect();
        tracing::warn!(
            ?still_running,
            ?bound,
            "tasks still running after the drain bound"
        );
        DrainOutcome::TimedOut { still_running }
    }
}

struct RunningEntry {
    id: u64,
    running: Arc<Mutex<BTreeMap<u64, String>>>,
}

impl Drop for RunningEntry {
    fn drop(&mut self) {
        lock(&self.running).remove(&self.id);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(unix)]
async fn wait_for_sigterm() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut sigterm) => {
            sigterm.recv().await;
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_sigterm() {
    std::future::pending::<()>().await;
}
