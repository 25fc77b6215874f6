//! The header printed before the table: the settings measured, the machine and the broker.

use tagar_eventlog::kafka::KafkaConfig;
use tagar_testkit::bench::machine;

use crate::table::thousands;
use crate::{KEYS, PARTITIONS, VALUE_BYTES};

pub(crate) fn print_setup(config: &KafkaConfig, n: usize, rounds: usize, storage: &str) {
    let producer = config.producer_config();
    let setting = |k: &str| producer.get(k).unwrap_or("-").to_owned();
    println!("Tagar event log throughput (Kafka backend)");
    println!("machine: {}", machine());
    println!("broker:  {}", broker(storage));
    println!(
        "records: {} per measurement, {VALUE_BYTES}-byte values, {} keys, {PARTITIONS} partitions, best of {rounds} rounds",
        thousands(n),
        thousands(KEYS)
    );
    println!(
        "producer (KafkaConfig::producer_config): acks={} idempotence={} compression={} linger.ms={} batch.size={} partitioner={}",
        setting("acks"),
        setting("enable.idempotence"),
        setting("compression.type"),
        setting("linger.ms"),
        setting("batch.size"),
        setting("partitioner"),
    );
    let extra: Vec<String> = config
        .properties
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!(
        "consumer (KafkaConfig::consumer_config): auto-commit off, poll 1,000; extra properties: {}",
        if extra.is_empty() {
            "none".to_owned()
        } else {
            extra.join(" ")
        }
    );
}

/// Which Tansu the test kit started (a child of this process), its version and storage.
fn broker(storage: &str) -> String {
    if let Ok(external) = std::env::var("TAGAR_TEST_KAFKA_BROKERS") {
        return format!("external broker at {external} (TAGAR_TEST_KAFKA_BROKERS)");
    }
    let Some(argv) = child_broker_argv() else {
        return format!("tansu (not found among child processes), storage {storage}");
    };
    let engine = argv
        .iter()
        .position(|a| a == "--storage-engine")
        .and_then(|i| argv.get(i + 1))
        .map_or(storage, String::as_str);
    let version = std::process::Command::new(&argv[0])
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{version} ({}), storage engine {engine}", argv[0])
}

fn child_broker_argv() -> Option<Vec<String>> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok())
        .find_map(|entry| {
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // The parent pid is the second field after the parenthesised command name.
            let parent = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
            if parent != me {
                return None;
            }
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let argv: Vec<String> = cmdline
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            argv.iter().any(|a| a == "broker").then_some(argv)
        })
}
