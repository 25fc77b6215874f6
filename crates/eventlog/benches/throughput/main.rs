//! Records per second through the Kafka backend, against what rdkafka alone reaches on the
//! same broker with the same producer settings.
//!
//! Starts its own Tansu broker through `tagar-testkit`, so anyone can rerun it:
//!
//! ```text
//! cargo bench -p tagar-eventlog --bench throughput
//! ```
//!
//! - `TAGAR_BENCH_RECORDS`: records per measurement (default 500,000), each a 400-byte value.
//! - `TAGAR_BENCH_ROUNDS`: rounds of every measurement (default 3); the table shows the best
//!   and the worst, as other work on the machine only ever slows a round down.
//! - `TAGAR_BENCH_STORAGE`: the broker's storage engine, `memory` (default) or `sqlite`; falls
//!   back to `TAGAR_TEST_BROKER_STORAGE`. Reading a topic from its start is unaffected by
//!   the memory engine's mid-batch fetch bug (see the crate README).
//! - `TAGAR_TEST_KAFKA_BROKERS`: measure an already running broker instead.
//! - `TAGAR_BENCH_LINGER_MS`, `TAGAR_BENCH_KAFKA_PROPERTIES` (`key=value,key=value`): try
//!   other settings; they go through `KafkaConfig`, so raw rdkafka and `KafkaLog` get the same.
//!
//! Values are pseudo-random bytes, so lz4 cannot shrink them: the figures are for the bytes
//! as given. Progress goes to stderr, the table to stdout.

mod kafka_log;
mod measure;
mod raw;
mod report;
mod setup;
mod table;

use std::sync::Arc;

use tagar_eventlog::OutgoingRecord;
use tagar_eventlog::kafka::{KafkaConfig, KafkaLog};

use crate::kafka_log::{consume_log, publish_batch};
use crate::measure::Cpu;
use tagar_eventlog::bench::raw::{RawProducer, produce_raw, raw_producer};

use crate::raw::consume_raw;
use crate::report::print_setup;
use crate::setup::{Topics, bench_config, choose_storage, env_count};
use crate::table::{Kind, Table, thousands};

/// Bytes in each record's value.
const VALUE_BYTES: usize = 400;
/// Distinct keys the records are spread over.
const KEYS: usize = 10_000;
/// Partitions of each benchmark topic.
const PARTITIONS: i32 = 6;
/// Distinct values cycled through: enough that lz4's 64 KiB window never sees a repeat.
const DISTINCT_VALUES: usize = 4_096;
/// Concurrent `publish` calls in the pipelined measurement.
const PUBLISHERS_IN_FLIGHT: usize = 4;
/// The short `fetch.wait.max.ms` of the extra raw consumer row.
const SHORT_FETCH_WAIT_MS: u32 = 10;

fn main() {
    let records = env_count("TAGAR_BENCH_RECORDS", 500_000);
    let rounds = env_count("TAGAR_BENCH_ROUNDS", 3).max(1);
    let storage = choose_storage();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(records, rounds, &storage));
}

async fn run(n: usize, rounds: usize, storage: &str) {
    let config = bench_config();
    print_setup(&config, n, rounds, storage);
    let records: Arc<[OutgoingRecord]> =
        tagar_eventlog::bench::records(n, KEYS, DISTINCT_VALUES, VALUE_BYTES).into();
    let log = KafkaLog::connect(config.clone()).expect("kafka log");
    let mut table = Table::new(n);
    let mut first_raw_topic = None;
    let mut raw = None;
    for round in 1..=rounds {
        eprintln!("round {round} of {rounds}: produce");
        let topics = Topics::provision(&log).await;
        if raw.is_none() {
            raw = Some(raw_producer(&config, &topics.warm_up).await);
            // Opens KafkaLog's producer connection, so no measurement pays for it either.
            let warm_up = &records[..records.len().min(1_000)];
            publish_batch(&log, &topics.warm_up, warm_up, 1_000, 1).await;
        }
        let raw = raw.as_ref().expect("raw producer");
        produce_round(raw, &log, &topics, &records, &mut table).await;
        first_raw_topic.get_or_insert(topics.raw);
    }
    // Every consumer reads the first topic the raw producer wrote, so all see the same batches.
    let topic = first_raw_topic.expect("at least one round");
    for round in 1..=rounds {
        eprintln!("round {round} of {rounds}: consume");
        consume_round(&config, &log, &topic, n, &mut table).await;
    }
    table.print();
}

/// One round of every consume measurement, each a fresh group reading `topic` from the start.
async fn consume_round(
    config: &KafkaConfig,
    log: &KafkaLog,
    topic: &str,
    n: usize,
    table: &mut Table,
) {
    let cpu = Cpu::start();
    let (join, read) = consume_raw(config, topic, n, None).await;
    let name = "rdkafka StreamConsumer::recv";
    table.push(Kind::Consume, name, Some(join), read, cpu.used());
    for commit in [false, true] {
        let cpu = Cpu::start();
        let (join, read) = consume_log(log, topic, n, commit).await;
        let name = if commit {
            "KafkaLog poll(1,000) + commit after each batch"
        } else {
            "KafkaLog poll(1,000)"
        };
        table.push(Kind::Consume, name, Some(join), read, cpu.used());
    }
    // Tansu holds every fetch response for about half of the consumer's fetch.wait.max.ms even
    // when it has records (see the README): this row shows the broker without that delay.
    let cpu = Cpu::start();
    let (join, read) = consume_raw(config, topic, n, Some(SHORT_FETCH_WAIT_MS)).await;
    let name = format!("rdkafka StreamConsumer::recv, fetch.wait.max.ms={SHORT_FETCH_WAIT_MS}");
    table.push(Kind::Consume, &name, Some(join), read, cpu.used());
}

/// One round of every produce measurement, each to its own new topic.
async fn produce_round(
    raw: &RawProducer,
    log: &KafkaLog,
    topics: &Topics,
    records: &Arc<[OutgoingRecord]>,
    table: &mut Table,
) {
    let cpu = Cpu::start();
    let took = produce_raw(raw, &topics.raw, records).await;
    let name = "rdkafka ThreadedProducer, send all + flush";
    table.push(Kind::Produce, name, None, took, cpu.used());
    for (topic, batch) in [(&topics.batch_1k, 1_000), (&topics.batch_10k, 10_000)] {
        let cpu = Cpu::start();
        let took = publish_batch(log, topic, records, batch, 1).await;
        let name = format!("KafkaLog::publish, batches of {}", thousands(batch));
        table.push(Kind::Produce, &name, None, took, cpu.used());
    }
    let in_flight = PUBLISHERS_IN_FLIGHT;
    let cpu = Cpu::start();
    let took = publish_batch(log, &topics.pipelined, records, 1_000, in_flight).await;
    let name = format!("KafkaLog::publish, batches of 1,000, {in_flight} in flight");
    table.push(Kind::Produce, &name, None, took, cpu.used());
}
