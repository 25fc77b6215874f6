//! The consume loop every service uses: poll a batch, handle each record, make the batch
//! durable, then commit.
//!
//! What goes wrong is one of two things, and they are kept apart:
//! - **the record is bad** (it does not decode, the domain refuses it, the handler panics on
//!   it): it goes to the dead-letter topic with the reason, at once, and the consumer goes
//!   on; one record never stops its partition, nor anyone else's;
//! - **something it depends on is down** (the store, the broker): that is not the record's
//!   fault, so it is never dead-lettered. The handler retries with backoff for as long as it
//!   takes, nothing is committed meanwhile, and the [`ConsumerWatch`] (readiness) says the
//!   consumer is stalled, and why, until it moves again.
//!
//! A handler that writes a whole batch at [`RecordHandler::flush`] may find a bad record only
//! then: its flush refuses the batch ([`HandleError::Poison`]), and the batch is handled again
//! one record at a time, each flushed alone, so the record at fault is the one dead-lettered
//! and the others are written.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt as _;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::dead_letter::dead_letter;
use crate::log::{Consumer, EventLog, LogError};
use crate::record::{Record, furthest};

/// Why a record could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The record can never be handled (it does not decode, or breaks a contract, or the
    /// domain refuses it): dead-letter it at once.
    #[error("poison record: {0}")]
    Poison(String),
    /// Handling failed for a reason that is not the record's and will pass (the store or
    /// the broker is down): try again with backoff, for as long as it takes. Never
    /// dead-lettered.
    #[error("retryable failure: {0}")]
    Retry(String),
}

/// What a consumer does with its records.
#[async_trait]
pub trait RecordHandler: Send {
    /// Handles one record. The durable write may wait for [`RecordHandler::flush`].
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError>;

    /// Makes everything handled since the last flush durable. The batch's positions are
    /// committed only after this returns `Ok`. [`HandleError::Poison`] refuses the batch for
    /// a record in it: the handler is [reset](Self::reset) and the batch handled again one
    /// record at a time, each flushed alone, and the record whose flush is refused then is
    /// dead-lettered.
    async fn flush(&mut self) -> Result<(), HandleError> {
        Ok(())
    }

    /// Forgets whatever was handled but not flushed: called before the member joins its group
    /// again after a failure, since those records will be delivered again.
    fn reset(&mut self) {}
}

/// Told when a consumer stalls on a failure that is not its records' fault, and when it moves
/// again: what readiness reports.
#[async_trait]
pub trait ConsumerWatch: Send + Sync {
    /// `group` cannot make progress, because of `why`; it keeps trying.
    async fn stalled(&self, group: &str, why: &str);
    /// `group` made progress again.
    async fn moving(&self, group: &str);
}

/// How the loop batches and retries.
#[derive(Clone)]
pub struct RunnerConfig {
    /// The most records handled between two commits.
    pub batch_size: usize,
    /// How long one poll waits for records.
    pub poll_timeout: Duration,
    /// The wait before the first retry of a failure that will pass; it doubles each time.
    pub retry_backoff: Duration,
    /// The longest wait between two retries.
    pub max_backoff: Duration,
    /// Who is told when the consumer stalls and moves again (readiness), if anyone.
    pub watch: Option<Arc<dyn ConsumerWatch>>,
}

impl std::fmt::Debug for RunnerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerConfig")
            .field("batch_size", &self.batch_size)
            .field("poll_timeout", &self.poll_timeout)
            .field("retry_backoff", &self.retry_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("watched", &self.watch.is_some())
            .finish()
    }
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            poll_timeout: Duration::from_millis(250),
            retry_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(10),
            watch: None,
        }
    }
}

/// The waits between retries: doubling from the configured first wait up to the bound.
struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    fn new(config: &RunnerConfig) -> Self {
        Self {
            next: config.retry_backoff,
            max: config.max_backoff.max(config.retry_backoff),
        }
    }

    /// Sleeps the next wait, unless `cancel` fires first (then `false`).
    async fn wait(&mut self, cancel: &CancellationToken) -> bool {
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        tokio::select! {
            () = cancel.cancelled() => false,
            () = tokio::time::sleep(wait) => true,
        }
    }
}

/// What a panic said, as best it can be read.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with no message".to_owned())
}

/// Runs one consumer-group member until cancelled.
pub struct ConsumerRunner {
    log: Arc<dyn EventLog>,
    group: String,
    consumer: Box<dyn Consumer>,
    config: RunnerConfig,
}

impl ConsumerRunner {
    /// A runner for a member of `group`; `log` receives dead letters.
    pub fn new(
        log: Arc<dyn EventLog>,
        group: impl Into<String>,
        consumer: Box<dyn Consumer>,
        config: RunnerConfig,
    ) -> Self {
        Self {
            log,
            group: group.into(),
            consumer,
            config,
        }
    }

    /// Polls, handles, flushes and commits until `cancel` fires, then leaves the group. The
    /// batch in hand when cancelled is finished first. Returns the error that stopped it
    /// otherwise; nothing after the last commit is lost, it is delivered again.
    pub async fn run<H: RecordHandler>(
        mut self,
        handler: &mut H,
        cancel: CancellationToken,
    ) -> Result<(), LogError> {
        let outcome = self.run_until_cancelled(handler, &cancel).await;
        let closed = self.consumer.close().await;
        outcome.and(closed)
    }

    async fn run_until_cancelled<H: RecordHandler>(
        &mut self,
        handler: &mut H,
        cancel: &CancellationToken,
    ) -> Result<(), LogError> {
        loop {
            let records = tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                polled = self.consumer.poll(self.config.batch_size, self.config.poll_timeout) => polled?,
            };
            if records.is_empty() {
                continue;
            }
            let mut dead = Vec::new();
            for (i, record) in records.iter().enumerate() {
                match self.handle_one(handler, record, cancel).await? {
                    Handled::Yes => {}
                    Handled::DeadLettered => dead.push(i),
                    // Cancelled while retrying: nothing after the last commit is lost.
                    Handled::Cancelled => return Ok(()),
                }
            }
            match self.flush(handler, cancel).await? {
                Flushed::Yes => {}
                Flushed::Cancelled => return Ok(()),
                Flushed::Refused(reason) => {
                    tracing::warn!(group = %self.group, %reason, records = records.len(), "a record of the batch was refused at flush; handling them one at a time");
                    handler.reset();
                    if !self.one_by_one(handler, &records, &dead, cancel).await? {
                        return Ok(());
                    }
                }
            }
            self.consumer
                .commit(&furthest(records.iter().map(Record::next_position)))
                .await?;
        }
    }

    /// Handles and flushes `records` one at a time, but those already dead-lettered
    /// (`dead`, by index); a record whose flush is refused is dead-lettered. `false` when
    /// cancelled.
    async fn one_by_one<H: RecordHandler>(
        &mut self,
        handler: &mut H,
        records: &[Record],
        dead: &[usize],
        cancel: &CancellationToken,
    ) -> Result<bool, LogError> {
        for (i, record) in records.iter().enumerate() {
            if dead.contains(&i) {
                continue;
            }
            match self.handle_one(handler, record, cancel).await? {
                Handled::Yes => {}
                Handled::DeadLettered => continue,
                Handled::Cancelled => return Ok(false),
            }
            match self.flush(handler, cancel).await? {
                Flushed::Yes => {}
                Flushed::Cancelled => return Ok(false),
                Flushed::Refused(reason) => {
                    handler.reset();
                    dead_letter(&*self.log, &self.group, record, &reason).await?;
                }
            }
        }
        Ok(true)
    }

    /// Handles one record: dead-letters it if it is bad (or the handler panics on it), and
    /// retries for as long as it takes when something it depends on is down.
    async fn handle_one<H: RecordHandler>(
        &mut self,
        handler: &mut H,
        record: &Record,
        cancel: &CancellationToken,
    ) -> Result<Handled, LogError> {
        let mut backoff = Backoff::new(&self.config);
        let mut stalled = false;
        // The record's span continues the trace its headers carry: what the handler writes
        // (outbox records, log records) goes on in the same trace.
        let span = tracing::info_span!(
            "consume",
            group = %self.group,
            topic = %record.topic,
            partition = record.partition,
            offset = record.offset
        );
        // Without an OpenTelemetry layer there is no trace to continue; nothing is lost.
        let _ = span.set_parent(crate::trace::extract(&record.headers));
        loop {
            let outcome = AssertUnwindSafe(handler.handle(record).instrument(span.clone()))
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| {
                    Err(HandleError::Poison(format!(
                        "the handler panicked: {}",
                        panic_message(&*panic)
                    )))
                });
            match outcome {
                Ok(()) => {
                    moving(&self.config, &self.group, stalled).await;
                    return Ok(Handled::Yes);
                }
                Err(HandleError::Poison(reason)) => {
                    moving(&self.config, &self.group, stalled).await;
                    dead_letter(&*self.log, &self.group, record, &reason).await?;
                    return Ok(Handled::DeadLettered);
                }
                Err(HandleError::Retry(reason)) => {
                    tracing::warn!(group = %self.group, topic = %record.topic, offset = record.offset, %reason, "record failed for a reason that will pass; retrying");
                    stall(&self.config, &self.group, &mut stalled, &reason).await;
                    if !backoff.wait(cancel).await {
                        return Ok(Handled::Cancelled);
                    }
                }
            }
        }
    }

    /// Makes the batch durable, retrying for as long as it takes, unless a record of it is
    /// refused.
    async fn flush<H: RecordHandler>(
        &mut self,
        handler: &mut H,
        cancel: &CancellationToken,
    ) -> Result<Flushed, LogError> {
        let mut backoff = Backoff::new(&self.config);
        let mut stalled = false;
        loop {
            let outcome = AssertUnwindSafe(handler.flush())
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| {
                    Err(HandleError::Retry(format!(
                        "the flush panicked: {}",
                        panic_message(&*panic)
                    )))
                });
            match outcome {
                Ok(()) => {
                    moving(&self.config, &self.group, stalled).await;
                    return Ok(Flushed::Yes);
                }
                Err(HandleError::Poison(reason)) => {
                    moving(&self.config, &self.group, stalled).await;
                    return Ok(Flushed::Refused(reason));
                }
                Err(e) => {
                    tracing::warn!(group = %self.group, error = %e, "flush failed; retrying");
                    stall(&self.config, &self.group, &mut stalled, &e.to_string()).await;
                    if !backoff.wait(cancel).await {
                        return Ok(Flushed::Cancelled);
                    }
                }
            }
        }
    }
}

/// What became of one record given to the handler.
enum Handled {
    Yes,
    DeadLettered,
    Cancelled,
}

/// What became of a flush.
enum Flushed {
    Yes,
    /// A record of the batch is at fault, for this reason.
    Refused(String),
    Cancelled,
}

/// Tells the watch `group` stalled, once per stall.
async fn stall(config: &RunnerConfig, group: &str, stalled: &mut bool, why: &str) {
    if !*stalled {
        *stalled = true;
        if let Some(watch) = &config.watch {
            watch.stalled(group, why).await;
        }
    }
}

/// Tells the watch `group` moves again, if it had stalled.
async fn moving(config: &RunnerConfig, group: &str, stalled: bool) {
    if stalled && let Some(watch) = &config.watch {
        watch.moving(group).await;
    }
}

/// Runs one member of `group` on `topics` until `cancel` fires, joining again after any
/// failure (a broker outage, a topic not provisioned yet by the service that writes it): the
/// group resumes at its last commit, so nothing is lost. Waits between attempts grow from
/// half a second to ten; the watch hears of each stall, and of the join that ends it.
pub async fn supervise<H: RecordHandler>(
    log: Arc<dyn EventLog>,
    group: &str,
    topics: &[&str],
    config: RunnerConfig,
    handler: &mut H,
    cancel: CancellationToken,
) {
    let mut pause = Duration::from_millis(500);
    while !cancel.is_cancelled() {
        let outcome = match log.subscribe(group, topics).await {
            Ok(consumer) => {
                if let Some(watch) = &config.watch {
                    watch.moving(group).await;
                }
                let runner = ConsumerRunner::new(Arc::clone(&log), group, consumer, config.clone());
                runner.run(handler, cancel.clone()).await
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => return,
            Err(e) => {
                handler.reset();
                tracing::warn!(group, ?topics, error = %e, ?pause, "consumer stopped; joining again");
                if let Some(watch) = &config.watch {
                    watch.stalled(group, &e.to_string()).await;
                }
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(Duration::from_secs(10));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The loop is spawned on a multi-threaded runtime: its future must be `Send`.
    #[allow(dead_code)]
    fn runs_in_a_spawned_task(
        runner: ConsumerRunner,
        mut handler: impl RecordHandler + 'static,
        cancel: CancellationToken,
    ) {
        tokio::spawn(async move { runner.run(&mut handler, cancel).await });
    }
}
