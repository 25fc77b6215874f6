//! The raw rdkafka baseline of the benchmarks: a `ThreadedProducer` with the very settings
//! `KafkaLog` uses, so only the code around librdkafka differs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::util::Timeout;

use crate::OutgoingRecord;
use crate::kafka::KafkaConfig;

/// Counts delivery reports, as any producer that checks them must.
#[derive(Default)]
pub struct Delivered {
    ok: AtomicU64,
    failed: AtomicU64,
}

impl ClientContext for Delivered {}

impl ProducerContext for Delivered {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        let counter = if result.is_ok() {
            &self.ok
        } else {
            &self.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// rdkafka alone, with the very settings KafkaLog uses, so only the code around librdkafka
/// differs. Made once and kept across rounds, like KafkaLog's producer.
pub type RawProducer = Arc<ThreadedProducer<Delivered>>;

/// A raw producer whose connection and producer id are ready: one record went through.
pub async fn raw_producer(config: &KafkaConfig, warm_up_topic: &str) -> RawProducer {
    let producer: RawProducer = Arc::new(
        ThreadedProducer::from_config_and_context(&config.producer_config(), Delivered::default())
            .expect("raw producer"),
    );
    let one = [OutgoingRecord::new("warm-up", vec![0u8; 400])];
    let (warming, topic) = (Arc::clone(&producer), warm_up_topic.to_owned());
    tokio::task::spawn_blocking(move || produce_all(&warming, &topic, &one))
        .await
        .expect("warm-up thread");
    producer
}

/// Every record sent from one thread, then `flush` until all are acknowledged.
pub async fn produce_raw(
    producer: &RawProducer,
    topic: &str,
    records: &Arc<[OutgoingRecord]>,
) -> Duration {
    let (producer, topic, records) = (Arc::clone(producer), topic.to_owned(), Arc::clone(records));
    eprintln!(
        "produce: rdkafka, {} records",
        tagar_testkit::bench::thousands(records.len())
    );
    tokio::task::spawn_blocking(move || {
        let context = producer.context();
        let ok_before = context.ok.load(Ordering::Relaxed);
        let start = Instant::now();
        produce_all(&producer, &topic, &records);
        let took = start.elapsed();
        let ok = context.ok.load(Ordering::Relaxed) - ok_before;
        let failed = context.failed.load(Ordering::Relaxed);
        assert_eq!((ok, failed), (records.len() as u64, 0), "raw deliveries");
        took
    })
    .await
    .expect("producer thread")
}

fn produce_all(producer: &ThreadedProducer<Delivered>, topic: &str, records: &[OutgoingRecord]) {
    for record in records {
        let mut base = BaseRecord::to(topic)
            .key(&record.key[..])
            .payload(&record.value[..]);
        loop {
            match producer.send(base) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // The same back-off KafkaLog uses when librdkafka's queue is full.
                    base = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err((e, _)) => panic!("produce: {e}"),
            }
        }
    }
    producer.flush(Timeout::Never).expect("flush");
}
