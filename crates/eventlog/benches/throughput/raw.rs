//! The raw rdkafka baseline: a `ThreadedProducer` and a `StreamConsumer` with the very
//! settings `KafkaLog` uses.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::consumer::{Consumer as _, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::util::Timeout;
use tagar_eventlog::OutgoingRecord;
use tagar_eventlog::bench;
use tagar_eventlog::kafka::KafkaConfig;
use tagar_testkit::bench::Progress;

use crate::VALUE_BYTES;
use crate::table::thousands;

/// Counts delivery reports, as any producer that checks them must.
#[derive(Default)]
pub(crate) struct Delivered {
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
pub(crate) type RawProducer = Arc<ThreadedProducer<Delivered>>;

/// A raw producer whose connection and producer id are ready: one record went through.
pub(crate) async fn raw_producer(config: &KafkaConfig, warm_up_topic: &str) -> RawProducer {
    let producer: RawProducer = Arc::new(
        ThreadedProducer::from_config_and_context(&config.producer_config(), Delivered::default())
            .expect("raw producer"),
    );
    let one = [OutgoingRecord::new("warm-up", vec![0u8; VALUE_BYTES])];
    let (warming, topic) = (Arc::clone(&producer), warm_up_topic.to_owned());
    tokio::task::spawn_blocking(move || produce_all(&warming, &topic, &one))
        .await
        .expect("warm-up thread");
    producer
}

/// Every record sent from one thread, then `flush` until all are acknowledged.
pub(crate) async fn produce_raw(
    producer: &RawProducer,
    topic: &str,
    records: &Arc<[OutgoingRecord]>,
) -> Duration {
    let (producer, topic, records) = (Arc::clone(producer), topic.to_owned(), Arc::clone(records));
    eprintln!("produce: rdkafka, {} records", thousands(records.len()));
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

/// A fresh group reading `n` records with rdkafka's own `StreamConsumer`, touching each
/// payload; `fetch_wait_ms` overrides librdkafka's `fetch.wait.max.ms`. Returns (subscribe to
/// first record, first record to last).
pub(crate) async fn consume_raw(
    config: &KafkaConfig,
    topic: &str,
    n: usize,
    fetch_wait_ms: Option<u32>,
) -> (Duration, Duration) {
    let group = tagar_testkit::unique("bench-raw");
    let mut client = config.consumer_config(&group);
    if let Some(ms) = fetch_wait_ms {
        client.set("fetch.wait.max.ms", ms.to_string());
    }
    let consumer: StreamConsumer = client.create().expect("raw consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let mut progress = Progress::new("consume: rdkafka StreamConsumer".into(), n);
    let subscribed = Instant::now();
    let mut start = None;
    let mut bytes = 0usize;
    while progress.done() < n {
        let message = tokio::time::timeout(bench::STALL, consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("stalled after {} of {n} records", progress.done()))
            .expect("recv");
        start.get_or_insert_with(Instant::now);
        bytes += message.payload_len();
        progress.add(1);
    }
    let start = start.expect("records");
    assert_eq!(bytes, n * VALUE_BYTES);
    (start.duration_since(subscribed), start.elapsed())
}
