//! The consume loop every service uses: poll a batch, handle each record, make the batch
//! durable, then commit. A record that cannot be handled goes to the dead-letter topic, so it
//! never blocks its partition; anything else that fails stops the loop *before* the commit,
//! so the batch is delivered again.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::dead_letter::dead_letter;
use crate::log::{Consumer, EventLog, LogError};
use crate::record::{Record, furthest};

/// Why a record could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The record can never be handled (it does not decode, or breaks a contract):
    /// dead-letter it at once.
    #[error("poison record: {0}")]
    Poison(String),
    /// Handling failed in a way that may pass (a database hiccup): try again, and
    /// dead-letter it after the configured number of attempts.
    #[error("retryable failure: {0}")]
    Retry(String),
}

/// What a consumer does with its records.
#[async_trait]
pub trait RecordHandler: Send {
    /// Handles one record. The durable write may wait for [`RecordHandler::flush`].
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError>;

    /// Makes everything handled since the last flush durable. The batch's positions are
    /// committed only after this returns `Ok`.
    async fn flush(&mut self) -> Result<(), HandleError> {
        Ok(())
    }

    /// Forgets whatever was handled but not flushed: called before the member joins its group
    /// again after a failure, since those records will be delivered again.
    fn reset(&mut self) {}
}

/// How the loop batches and retries.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The most records handled between two commits.
    pub batch_size: usize,
    /// How long one poll waits for records.
    pub poll_timeout: Duration,
    /// Attempts at a record (or a flush) before giving up on it.
    pub max_attempts: u32,
    /// The wait before the second attempt; it grows linearly after that.
    pub retry_backoff: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            poll_timeout: Duration::from_millis(250),
            max_attempts: 5,
            retry_backoff: Duration::from_millis(100),
        }
    }
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
            for record in &records {
                self.handle_one(handler, record).await?;
            }
            self.flush(handler).await?;
            self.consumer
                .commit(&furthest(records.iter().map(Record::next_position)))
                .await?;
        }
    }

    async fn handle_one<H: RecordHandler>(
        &mut self,
        handler: &mut H,
        record: &Record,
    ) -> Result<(), LogError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match handler.handle(record).await {
                Ok(()) => return Ok(()),
                Err(HandleError::Poison(reason)) => {
                    return dead_letter(&*self.log, &self.group, record, &reason).await;
                }
                Err(HandleError::Retry(reason)) if attempt >= self.config.max_attempts => {
                    let reason = format!("gave up after {attempt} attempts: {reason}");
                    return dead_letter(&*self.log, &self.group, record, &reason).await;
                }
                Err(HandleError::Retry(reason)) => {
                    tracing::warn!(group = %self.group, attempt, %reason, "record failed; retrying");
                    tokio::time::sleep(self.config.retry_backoff * attempt).await;
                }
            }
        }
    }

    async fn flush<H: RecordHandler>(&mut self, handler: &mut H) -> Result<(), LogError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match handler.flush().await {
                Ok(()) => return Ok(()),
                Err(e) if attempt >= self.config.max_attempts => {
                    return Err(LogError::Backend(format!(
                        "{}: flush failed {attempt} times: {e}",
                        self.group
                    )));
                }
                Err(e) => {
                    tracing::warn!(group = %self.group, attempt, error = %e, "flush failed; retrying");
                    tokio::time::sleep(self.config.retry_backoff * attempt).await;
                }
            }
        }
    }
}

/// Runs one member of `group` on `topics` until `cancel` fires, joining again after any
/// failure (a broker outage, a topic not provisioned yet by the service that writes it): the
/// group resumes at its last commit, so nothing is lost. Waits between attempts grow from
/// half a second to ten.
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
