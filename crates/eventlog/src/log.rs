//! The two narrow interfaces every service is written against.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;

use crate::record::{OutgoingRecord, Position, Record};

/// Why the log refused or failed an operation.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The backend could not be reached or failed (broker down, database error).
    #[error("event log backend: {0}")]
    Backend(String),
    /// A record was not acknowledged as written.
    #[error("delivery to {topic} failed: {reason}")]
    Delivery {
        /// The topic.
        topic: String,
        /// The broker's or database's reason.
        reason: String,
    },
    /// The topic does not exist and was not provisioned.
    #[error("unknown topic {0:?}: provision it first")]
    UnknownTopic(String),
    /// The configuration is not usable.
    #[error("event log configuration: {0}")]
    Config(String),
    /// The consumer was closed.
    #[error("consumer closed")]
    Closed,
}

/// What a topic should look like when it is provisioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// The topic's name.
    pub name: String,
    /// How many partitions: the most consumers of one group that can share it.
    pub partitions: i32,
    /// Copies kept by the brokers (ignored by single-node backends).
    pub replication_factor: i16,
    /// How long records are kept; `None` keeps them forever.
    pub retention: Option<Duration>,
}

impl TopicSpec {
    /// A topic with `partitions` partitions, one replica, kept forever.
    pub fn new(name: impl Into<String>, partitions: i32) -> Self {
        Self {
            name: name.into(),
            partitions,
            replication_factor: 1,
            retention: None,
        }
    }
}

/// The acknowledgement of a batch handed to the log by [`EventLog::enqueue`]: resolves once
/// every record of it is durably written, or with the first failure.
#[must_use = "the batch is not known to be written until its acknowledgement resolves"]
pub struct Acked(Pin<Box<dyn Future<Output = Result<(), LogError>> + Send>>);

impl Acked {
    /// An acknowledgement that resolves once `wait` does.
    pub fn new(wait: impl Future<Output = Result<(), LogError>> + Send + 'static) -> Self {
        Self(Box::pin(wait))
    }

    /// An acknowledgement that has already come.
    pub fn written() -> Self {
        Self::new(std::future::ready(Ok(())))
    }
}

impl Future for Acked {
    type Output = Result<(), LogError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl std::fmt::Debug for Acked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Acked")
    }
}

/// An append-only, partitioned log of keyed records.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Creates the topics that do not exist yet; existing topics are left as they are.
    async fn provision(&self, topics: &[TopicSpec]) -> Result<(), LogError>;

    /// Appends a batch of records to `topic` and returns once every one of them is durably
    /// acknowledged. On error some records may have been written: the caller retries the whole
    /// batch, and consumers drop what they have seen (at-least-once, never lost).
    async fn publish(&self, topic: &str, records: &[OutgoingRecord]) -> Result<(), LogError>;

    /// Hands a batch of records for `topic` to the log, behind every batch handed to it
    /// before, and returns its acknowledgement to wait for: a caller keeps several batches in
    /// flight and their records stay in order within each partition. Until it resolves `Ok`,
    /// treat the batch as [`publish`](Self::publish) would a failed one. A log that writes
    /// synchronously (the default) writes here and returns an acknowledgement already come.
    async fn enqueue(&self, topic: &str, records: &[OutgoingRecord]) -> Result<Acked, LogError> {
        self.publish(topic, records).await?;
        Ok(Acked::written())
    }

    /// Joins consumer group `group` on `topics`. Members of one group split the partitions;
    /// a new group starts from the beginning of each partition.
    async fn subscribe(&self, group: &str, topics: &[&str]) -> Result<Box<dyn Consumer>, LogError>;
}

/// One member of a consumer group.
#[async_trait]
pub trait Consumer: Send {
    /// Waits up to `timeout` for records and returns at most `max` of them, in order within each
    /// partition. An empty batch means nothing arrived in time.
    async fn poll(&mut self, max: usize, timeout: Duration) -> Result<Vec<Record>, LogError>;

    /// Records that everything before each position has been durably handled. Call it only
    /// after the consumer's own write: a crash before the commit redelivers, never skips.
    async fn commit(&mut self, positions: &[Position]) -> Result<(), LogError>;

    /// The partitions this member owns now, as `(topic, partition)`.
    async fn assignment(&mut self) -> Result<Vec<(String, i32)>, LogError>;

    /// Leaves the group so its partitions move to the other members at once.
    async fn close(self: Box<Self>) -> Result<(), LogError>;
}
