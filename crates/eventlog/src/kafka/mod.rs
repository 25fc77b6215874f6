//! The Kafka backend, through rdkafka: works with any Kafka-protocol broker (Apache Kafka,
//! Redpanda, Tansu).

mod admin;
mod config;
mod consumer;
mod producer;

use std::time::Duration;

use async_trait::async_trait;
use rdkafka::ClientConfig;
use rdkafka::config::FromClientConfigAndContext;

pub use config::KafkaConfig;
pub use consumer::KafkaConsumer;

use crate::log::{Acked, Consumer, EventLog, LogError, TopicSpec};
use crate::record::OutgoingRecord;
use producer::{AckContext, BatchProducer};

/// The event log on Kafka.
pub struct KafkaLog {
    config: KafkaConfig,
    producer: BatchProducer,
}

impl KafkaLog {
    /// Connects a producer to the brokers in `config`. Connection is lazy: a broker that is
    /// down shows up as a delivery error on the first publish.
    pub fn connect(config: KafkaConfig) -> Result<Self, LogError> {
        let client = config.producer_config();
        let producer =
            rdkafka::producer::ThreadedProducer::from_config_and_context(&client, AckContext)
                .map_err(|e| LogError::Config(e.to_string()))?;
        Ok(Self {
            config,
            producer: BatchProducer::new(producer),
        })
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &KafkaConfig {
        &self.config
    }

    /// A topic spec with the configured defaults.
    pub fn topic(&self, name: &str) -> TopicSpec {
        TopicSpec {
            name: name.to_owned(),
            partitions: self.config.partitions,
            replication_factor: self.config.replication_factor,
            retention: self
                .config
                .retention_hours
                .map(|h| Duration::from_secs(h * 3600)),
        }
    }
}

fn client_error(e: rdkafka::error::KafkaError) -> LogError {
    LogError::Backend(e.to_string())
}

#[async_trait]
impl EventLog for KafkaLog {
    async fn provision(&self, topics: &[TopicSpec]) -> Result<(), LogError> {
        admin::provision(&self.config.admin_config(), topics).await
    }

    async fn publish(&self, topic: &str, records: &[OutgoingRecord]) -> Result<(), LogError> {
        self.producer.enqueue(topic, records).await?.await
    }

    async fn enqueue(&self, topic: &str, records: &[OutgoingRecord]) -> Result<Acked, LogError> {
        self.producer.enqueue(topic, records).await
    }

    async fn subscribe(&self, group: &str, topics: &[&str]) -> Result<Box<dyn Consumer>, LogError> {
        let client: ClientConfig = self.config.consumer_config(group);
        Ok(Box::new(KafkaConsumer::subscribe(&client, topics)?))
    }
}
