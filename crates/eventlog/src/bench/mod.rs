//! What the event-log benchmarks of every backend share (feature `contract`, with the
//! contract suite): the records they send and the loop that reads them back.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tagar_testkit::bench::Progress;

use crate::{Consumer, OutgoingRecord, Record, furthest};

pub mod raw;

/// How long a reading consumer may see nothing before the benchmark gives up.
pub const STALL: Duration = Duration::from_secs(60);

/// `n` records over `keys` keys (`conversation-<k>`), cycling through `distinct` values of
/// `value_bytes` pseudo-random bytes each: the same bytes on every run, and they do not
/// compress, so compression flatters no backend.
pub fn records(n: usize, keys: usize, distinct: usize, value_bytes: usize) -> Vec<OutgoingRecord> {
    let keys: Vec<Bytes> = (0..keys)
        .map(|k| Bytes::from(format!("conversation-{k}")))
        .collect();
    let mut state: u64 = 0x7A6A_5EED;
    let values: Vec<Bytes> = (0..distinct)
        .map(|_| {
            let value: Vec<u8> = (0..value_bytes)
                .map(|_| {
                    // xorshift64
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 24) as u8
                })
                .collect();
            Bytes::from(value)
        })
        .collect();
    (0..n)
        .map(|i| OutgoingRecord::new(keys[i % keys.len()].clone(), values[i % distinct].clone()))
        .collect()
}

/// Reads `total` records through `consumer` in polls of `poll_max`, committing after each batch
/// when `commit` (as `ConsumerRunner` does), reporting progress under `label`. Returns when the
/// first batch arrived, so a caller can time the read with or without the group join.
///
/// # Panics
///
/// When nothing arrives for [`STALL`], or the backend fails.
pub async fn read_all(
    consumer: &mut dyn Consumer,
    total: usize,
    poll_max: usize,
    commit: bool,
    label: String,
) -> Instant {
    let mut progress = Progress::new(label, total);
    let mut first = None;
    let mut last_batch = Instant::now();
    while progress.done() < total {
        let batch: Vec<Record> = consumer
            .poll(poll_max, Duration::from_secs(1))
            .await
            .expect("poll");
        if batch.is_empty() {
            assert!(
                last_batch.elapsed() < STALL,
                "stalled after {} of {total} records",
                progress.done()
            );
            continue;
        }
        last_batch = Instant::now();
        first.get_or_insert(last_batch);
        if commit {
            let positions = furthest(batch.iter().map(Record::next_position));
            consumer.commit(&positions).await.expect("commit");
        }
        progress.add(batch.len());
    }
    first.unwrap_or_else(Instant::now)
}
