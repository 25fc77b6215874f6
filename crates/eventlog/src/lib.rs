//! The event log: publish batches of keyed records with headers to a topic, and consume a set
//! of topics as a consumer group, committing a position only after the consumer's own durable
//! write.
//!
//! Two backends implement [`EventLog`]: [`kafka::KafkaLog`] (any Kafka-protocol broker, through
//! rdkafka) for the distributed mode, and the store's append-only log table (in `tagar-store`)
//! for the standalone mode. Both pass the same [`contract`] suite, so a service cannot tell
//! them apart.

mod dead_letter;
mod log;
mod partition;
mod record;
mod runner;

#[cfg(feature = "contract")]
pub mod bench;
#[cfg(feature = "contract")]
pub mod contract;
pub mod kafka;
pub mod trace;

pub use dead_letter::{
    DLQ_GROUP, DLQ_REASON, DLQ_SOURCE_OFFSET, DLQ_SOURCE_PARTITION, DLQ_SOURCE_TOPIC, dead_letter,
    dead_letter_topic,
};
pub use log::{Acked, Consumer, EventLog, LogError, TopicSpec};
pub use partition::partition_for_key;
pub use record::{Headers, OutgoingRecord, Position, Record, furthest};
pub use runner::{
    ConsumerRunner, ConsumerWatch, HandleError, RecordHandler, RunnerConfig, supervise,
};
