//! A consumer-group member on Kafka: auto-commit off, positions committed explicitly.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::FutureExt;
use rdkafka::consumer::{CommitMode, Consumer as _, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers as _, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::client_error;
use crate::log::{Consumer, LogError};
use crate::record::{Position, Record};

/// One member of a Kafka consumer group.
pub struct KafkaConsumer {
    inner: Arc<StreamConsumer>,
    // Topic names are interned so a record costs no String for its topic.
    topics: HashMap<String, Arc<str>>,
}

impl KafkaConsumer {
    pub(crate) fn subscribe(config: &ClientConfig, topics: &[&str]) -> Result<Self, LogError> {
        let inner: StreamConsumer = config
            .create()
            .map_err(|e| LogError::Config(e.to_string()))?;
        inner.subscribe(topics).map_err(client_error)?;
        let topics = topics
            .iter()
            .map(|t| ((*t).to_owned(), Arc::from(*t)))
            .collect();
        Ok(Self {
            inner: Arc::new(inner),
            topics,
        })
    }

    fn record_of(&mut self, m: &BorrowedMessage<'_>) -> Record {
        let topic = match self.topics.get(m.topic()) {
            Some(t) => Arc::clone(t),
            None => {
                let t: Arc<str> = Arc::from(m.topic());
                self.topics.insert(m.topic().to_owned(), Arc::clone(&t));
                t
            }
        };
        let headers = m
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| {
                        (
                            h.key.to_owned(),
                            Bytes::copy_from_slice(h.value.unwrap_or_default()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Record {
            topic,
            partition: m.partition(),
            offset: m.offset(),
            key: m.key().map(Bytes::copy_from_slice).unwrap_or_default(),
            value: m.payload().map(Bytes::copy_from_slice).unwrap_or_default(),
            headers,
            timestamp_ms: m.timestamp().to_millis(),
        }
    }
}

#[async_trait]
impl Consumer for KafkaConsumer {
    async fn poll(&mut self, max: usize, timeout: Duration) -> Result<Vec<Record>, LogError> {
        let consumer = Arc::clone(&self.inner);
        let first = match tokio::time::timeout(timeout, consumer.recv()).await {
            Err(_) => return Ok(Vec::new()),
            Ok(Err(e)) => return Err(client_error(e)),
            Ok(Ok(m)) => self.record_of(&m),
        };
        let mut batch = Vec::with_capacity(max.min(1024));
        batch.push(first);
        // Drain what is already fetched without waiting again.
        while batch.len() < max {
            match consumer.recv().now_or_never() {
                Some(Ok(m)) => {
                    let record = self.record_of(&m);
                    batch.push(record);
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "consumer error while draining a batch");
                    break;
                }
                None => break,
            }
        }
        Ok(batch)
    }

    async fn commit(&mut self, positions: &[Position]) -> Result<(), LogError> {
        if positions.is_empty() {
            return Ok(());
        }
        let mut list = TopicPartitionList::with_capacity(positions.len());
        for p in positions {
            list.add_partition_offset(&p.topic, p.partition, Offset::Offset(p.offset))
                .map_err(client_error)?;
        }
        let consumer = Arc::clone(&self.inner);
        // A synchronous commit blocks on the broker's answer: keep it off the async threads.
        tokio::task::spawn_blocking(move || consumer.commit(&list, CommitMode::Sync))
            .await
            .map_err(|e| LogError::Backend(e.to_string()))?
            .map_err(client_error)
    }

    async fn assignment(&mut self) -> Result<Vec<(String, i32)>, LogError> {
        let list = self.inner.assignment().map_err(client_error)?;
        Ok(list
            .elements()
            .iter()
            .map(|e| (e.topic().to_owned(), e.partition()))
            .collect())
    }

    async fn close(self: Box<Self>) -> Result<(), LogError> {
        self.inner.unsubscribe();
        Ok(())
    }
}
