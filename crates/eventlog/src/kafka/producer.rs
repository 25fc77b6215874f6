//! A producer that publishes a batch and waits for every acknowledgement of it. One shared
//! counter per batch is the delivery "opaque", so a record costs no future and no channel.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, ProducerContext, ThreadedProducer};
use tokio::sync::Notify;

use crate::log::{Acked, LogError};
use crate::record::OutgoingRecord;
use crate::trace::current_context_headers;

/// Counts a batch's outstanding acknowledgements and keeps the first failure.
pub(crate) struct BatchAck {
    outstanding: AtomicUsize,
    first_error: Mutex<Option<String>>,
    done: Notify,
}

impl BatchAck {
    fn new(n: usize) -> Self {
        Self {
            outstanding: AtomicUsize::new(n),
            first_error: Mutex::new(None),
            done: Notify::new(),
        }
    }

    fn settle(&self, error: Option<String>) {
        if let Some(e) = error {
            let mut first = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
            first.get_or_insert(e);
        }
        if self.outstanding.fetch_sub(1, Ordering::AcqRel) == 1 {
            // notify_one keeps a permit if the publisher is not waiting yet.
            self.done.notify_one();
        }
    }

    fn take_error(&self) -> Option<String> {
        self.first_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

/// Routes librdkafka's delivery reports to their batch.
pub(crate) struct AckContext;

impl ClientContext for AckContext {}

impl ProducerContext for AckContext {
    type DeliveryOpaque = Arc<BatchAck>;

    fn delivery(&self, result: &DeliveryResult<'_>, ack: Arc<BatchAck>) {
        ack.settle(result.as_ref().err().map(|(e, _)| e.to_string()));
    }
}

pub(crate) struct BatchProducer {
    inner: ThreadedProducer<AckContext>,
}

impl BatchProducer {
    pub(crate) fn new(inner: ThreadedProducer<AckContext>) -> Self {
        Self { inner }
    }

    /// Sends `records` to librdkafka's queue, in order, and returns the wait for their
    /// acknowledgements.
    #[tracing::instrument(skip_all, fields(topic = %topic, records = records.len()), err)]
    pub(crate) async fn enqueue(
        &self,
        topic: &str,
        records: &[OutgoingRecord],
    ) -> Result<Acked, LogError> {
        if records.is_empty() {
            return Ok(Acked::written());
        }
        let ack = Arc::new(BatchAck::new(records.len()));
        let trace = current_context_headers();
        for (i, record) in records.iter().enumerate() {
            if let Err(e) = self.send(topic, record, &trace, &ack).await {
                // The unsent records will never be acknowledged: settle them so nobody waits.
                for _ in i..records.len() {
                    ack.settle(None);
                }
                return Err(LogError::Delivery {
                    topic: topic.to_owned(),
                    reason: e.to_string(),
                });
            }
        }
        let topic = topic.to_owned();
        Ok(Acked::new(async move {
            ack.done.notified().await;
            match ack.take_error() {
                None => Ok(()),
                Some(reason) => Err(LogError::Delivery { topic, reason }),
            }
        }))
    }

    async fn send(
        &self,
        topic: &str,
        record: &OutgoingRecord,
        trace: &[(String, String)],
        ack: &Arc<BatchAck>,
    ) -> Result<(), KafkaError> {
        let mut headers = OwnedHeaders::new_with_capacity(record.headers.len() + trace.len());
        for (name, value) in record.headers.iter() {
            headers = headers.insert(Header {
                key: name,
                value: Some(value),
            });
        }
        if record.headers.get("traceparent").is_none() {
            for (name, value) in trace {
                headers = headers.insert(Header {
                    key: name,
                    value: Some(value.as_bytes()),
                });
            }
        }
        let mut base = BaseRecord::with_opaque_to(topic, Arc::clone(ack))
            .payload(&record.value[..])
            .headers(headers);
        if !record.key.is_empty() {
            base = base.key(&record.key[..]);
        }
        loop {
            match self.inner.send(base) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // The local queue is full: let the polling thread drain deliveries.
                    base = back;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Err((e, _)) => return Err(e),
            }
        }
    }
}
