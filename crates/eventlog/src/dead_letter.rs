//! The dead-letter topic: where a record goes when it cannot be decoded or keeps failing, so
//! one bad record never stops a partition. The original key, value and headers are kept, and
//! headers say where it came from and why.

use crate::log::{EventLog, LogError};
use crate::record::{OutgoingRecord, Record};

/// Header: why the record was dead-lettered.
pub const DLQ_REASON: &str = "tagar-dlq-reason";
/// Header: the topic it was read from.
pub const DLQ_SOURCE_TOPIC: &str = "tagar-dlq-source-topic";
/// Header: the partition it was read from.
pub const DLQ_SOURCE_PARTITION: &str = "tagar-dlq-source-partition";
/// Header: its offset there.
pub const DLQ_SOURCE_OFFSET: &str = "tagar-dlq-source-offset";
/// Header: the consumer group that gave up on it.
pub const DLQ_GROUP: &str = "tagar-dlq-group";

/// The dead-letter topic of `topic`.
pub fn dead_letter_topic(topic: &str) -> String {
    format!("{topic}.dlq")
}

/// Publishes `record` to its topic's dead-letter topic with `reason`.
pub async fn dead_letter(
    log: &dyn EventLog,
    group: &str,
    record: &Record,
    reason: &str,
) -> Result<(), LogError> {
    let mut headers = record.headers.clone();
    headers
        .insert(DLQ_REASON, reason.to_owned())
        .insert(DLQ_SOURCE_TOPIC, record.topic.to_string())
        .insert(DLQ_SOURCE_PARTITION, record.partition.to_string())
        .insert(DLQ_SOURCE_OFFSET, record.offset.to_string())
        .insert(DLQ_GROUP, group.to_owned());
    let out = OutgoingRecord {
        key: record.key.clone(),
        value: record.value.clone(),
        headers,
    };
    tracing::warn!(topic = %record.topic, partition = record.partition, offset = record.offset, group, reason, "record dead-lettered");
    log.publish(
        &dead_letter_topic(&record.topic),
        std::slice::from_ref(&out),
    )
    .await
}
