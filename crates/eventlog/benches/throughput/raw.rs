//! The raw rdkafka consumer baseline: a `StreamConsumer` with the very settings `KafkaLog`
//! uses (the producer baseline is `tagar_eventlog::bench::raw`, shared with other benchmarks).

use std::time::{Duration, Instant};

use rdkafka::consumer::{Consumer as _, StreamConsumer};
use tagar_eventlog::bench;
use tagar_eventlog::kafka::KafkaConfig;
use tagar_testkit::bench::Progress;

use crate::VALUE_BYTES;

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
