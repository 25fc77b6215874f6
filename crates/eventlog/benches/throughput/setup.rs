//! Setup of a benchmark run: the environment variables, the Kafka settings, the topics and
//! the records sent.

use tagar_eventlog::kafka::{KafkaConfig, KafkaLog};
use tagar_eventlog::{EventLog, TopicSpec};

use crate::PARTITIONS;

pub(crate) use tagar_testkit::bench::env_count;

/// Picks the broker's storage engine and tells the test kit, which reads
/// `TAGAR_TEST_BROKER_STORAGE` when it starts the broker.
#[allow(unsafe_code)]
pub(crate) fn choose_storage() -> String {
    let storage = std::env::var("TAGAR_BENCH_STORAGE")
        .or_else(|_| std::env::var("TAGAR_TEST_BROKER_STORAGE"))
        .unwrap_or_else(|_| "memory".to_owned());
    if storage != "memory" && storage != "sqlite" {
        panic!("TAGAR_BENCH_STORAGE={storage:?}: expected memory or sqlite");
    }
    // SAFETY: called first thing in `main`, before the runtime or any other thread exists,
    // so nothing can read the environment concurrently.
    unsafe { std::env::set_var("TAGAR_TEST_BROKER_STORAGE", &storage) };
    storage
}

/// Tagar's default Kafka settings with the test kit's short group timeouts, and any
/// `TAGAR_BENCH_LINGER_MS` or `TAGAR_BENCH_KAFKA_PROPERTIES` to try other settings.
pub(crate) fn bench_config() -> KafkaConfig {
    let mut config = KafkaConfig {
        brokers: tagar_testkit::kafka_brokers(),
        session_timeout_ms: tagar_testkit::SESSION_TIMEOUT_MS,
        max_poll_interval_ms: tagar_testkit::MAX_POLL_INTERVAL_MS,
        ..KafkaConfig::default()
    };
    if let Ok(linger) = std::env::var("TAGAR_BENCH_LINGER_MS") {
        config.linger_ms = linger
            .parse()
            .expect("TAGAR_BENCH_LINGER_MS in milliseconds");
    }
    let properties = std::env::var("TAGAR_BENCH_KAFKA_PROPERTIES").unwrap_or_default();
    for pair in properties.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .expect("TAGAR_BENCH_KAFKA_PROPERTIES: key=value,key=value");
        config.properties.insert(key.to_owned(), value.to_owned());
    }
    config
}

/// The benchmark's topics, each new for this run.
pub(crate) struct Topics {
    pub(crate) warm_up: String,
    pub(crate) raw: String,
    pub(crate) batch_1k: String,
    pub(crate) batch_10k: String,
    pub(crate) pipelined: String,
}

impl Topics {
    pub(crate) async fn provision(log: &KafkaLog) -> Self {
        let name = |what: &str| tagar_testkit::unique(&format!("bench-{what}"));
        let topics = Self {
            warm_up: name("warm-up"),
            raw: name("raw"),
            batch_1k: name("batch-1k"),
            batch_10k: name("batch-10k"),
            pipelined: name("pipelined"),
        };
        let specs: Vec<TopicSpec> = [
            &topics.warm_up,
            &topics.raw,
            &topics.batch_1k,
            &topics.batch_10k,
            &topics.pipelined,
        ]
        .into_iter()
        .map(|t| TopicSpec::new(t, PARTITIONS))
        .collect();
        log.provision(&specs).await.expect("provision topics");
        topics
    }
}
