//! The event-log contract on a real Kafka-protocol broker (Tansu, started by the test kit).

use std::sync::Arc;

use async_trait::async_trait;
use tagar_eventlog::contract::Harness;
use tagar_eventlog::kafka::{KafkaConfig, KafkaLog};
use tagar_eventlog::{EventLog, contract_suite};

struct Kafka;

#[async_trait]
impl Harness for Kafka {
    async fn log(&self) -> Arc<dyn EventLog> {
        let config = KafkaConfig {
            brokers: tagar_testkit::kafka_brokers(),
            session_timeout_ms: tagar_testkit::SESSION_TIMEOUT_MS,
            max_poll_interval_ms: tagar_testkit::MAX_POLL_INTERVAL_MS,
            message_timeout_ms: 20_000,
            ..KafkaConfig::default()
        };
        Arc::new(KafkaLog::connect(config).expect("kafka log"))
    }
}

contract_suite!(async { Kafka });
