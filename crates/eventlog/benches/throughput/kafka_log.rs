//! The measurements through `KafkaLog`: `publish` in batches, and its consumer's `poll`.

use std::time::{Duration, Instant};

use futures::StreamExt;
use tagar_eventlog::kafka::KafkaLog;
use tagar_eventlog::{EventLog, OutgoingRecord, bench};
use tagar_testkit::bench::Progress;

use crate::table::thousands;

/// `KafkaLog::publish` over `records` in batches of `batch`, `in_flight` calls at a time.
pub(crate) async fn publish_batch(
    log: &KafkaLog,
    topic: &str,
    records: &[OutgoingRecord],
    batch: usize,
    in_flight: usize,
) -> Duration {
    let mut progress = Progress::new(
        format!(
            "publish: KafkaLog, batches of {}, {in_flight} in flight",
            thousands(batch)
        ),
        records.len(),
    );
    let start = Instant::now();
    let mut publishes = futures::stream::iter(records.chunks(batch))
        .map(|chunk| async move { log.publish(topic, chunk).await.map(|()| chunk.len()) })
        .buffer_unordered(in_flight);
    while let Some(published) = publishes.next().await {
        progress.add(published.expect("publish"));
    }
    start.elapsed()
}

/// A fresh group reading `n` records through `KafkaLog`'s consumer, committing after each
/// batch when `commit` (as `ConsumerRunner` does). Returns (subscribe to first batch, first
/// batch to last).
pub(crate) async fn consume_log(
    log: &KafkaLog,
    topic: &str,
    n: usize,
    commit: bool,
) -> (Duration, Duration) {
    let group = tagar_testkit::unique("bench-log");
    let label = format!("consume: KafkaLog poll, commit={commit}");
    let subscribed = Instant::now();
    let mut consumer = log.subscribe(&group, &[topic]).await.expect("subscribe");
    // The first batch is timed with the join: it arrives no sooner than a fetch.
    let start = bench::read_all(&mut *consumer, n, 1_000, commit, label).await;
    let read = start.elapsed();
    consumer.close().await.expect("close");
    (start.duration_since(subscribed), read)
}
