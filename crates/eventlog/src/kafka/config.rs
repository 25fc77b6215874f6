//! Kafka settings, as they appear in Tagar's configuration under `[kafka]`.

use std::collections::BTreeMap;
use std::fmt;

use rdkafka::ClientConfig;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Kafka settings (`TAGAR__KAFKA__…`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct KafkaConfig {
    /// Bootstrap brokers, comma separated.
    pub brokers: String,
    /// The client id brokers see (the service name is a good one).
    pub client_id: String,
    /// Partitions of each topic Tagar provisions: the most replicas of one consumer that can
    /// share the load. Plan for the peak (see the ingest sizing notes in the README).
    pub partitions: i32,
    /// Replicas of each provisioned topic (3 in production; 1 on a single broker).
    pub replication_factor: i16,
    /// Retention of provisioned topics in hours; absent keeps records forever.
    pub retention_hours: Option<u64>,
    /// Producer compression: none, gzip, snappy, lz4 or zstd.
    pub compression: String,
    /// How long the producer waits to fill a batch, in milliseconds.
    pub linger_ms: u32,
    /// The largest producer batch, in bytes.
    pub batch_bytes: u32,
    /// How long a record may wait for acknowledgement before `publish` fails, in milliseconds.
    pub message_timeout_ms: u32,
    /// A consumer that sends no heartbeat for this long is out of its group (ms).
    pub session_timeout_ms: u32,
    /// A consumer that does not poll for this long is out of its group (ms).
    pub max_poll_interval_ms: u32,
    /// Further librdkafka properties, passed as they are (`security.protocol`, `sasl.mechanism`,
    /// `sasl.username`, …). Put the SASL password in `sasl_password`, not here.
    pub properties: BTreeMap<String, String>,
    /// The SASL password, if the brokers want one. Never printed.
    #[serde(skip_serializing)]
    pub sasl_password: Option<SecretString>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            brokers: "127.0.0.1:9092".into(),
            client_id: "tagar".into(),
            partitions: 12,
            replication_factor: 1,
            retention_hours: Some(7 * 24),
            compression: "lz4".into(),
            linger_ms: 1,
            batch_bytes: 1_000_000,
            message_timeout_ms: 60_000,
            session_timeout_ms: 45_000,
            max_poll_interval_ms: 300_000,
            properties: BTreeMap::new(),
            sasl_password: None,
        }
    }
}

impl fmt::Debug for KafkaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Extra properties can hold credentials a user put there anyway: show only their names.
        f.debug_struct("KafkaConfig")
            .field("brokers", &self.brokers)
            .field("client_id", &self.client_id)
            .field("partitions", &self.partitions)
            .field("replication_factor", &self.replication_factor)
            .field("retention_hours", &self.retention_hours)
            .field("compression", &self.compression)
            .field("linger_ms", &self.linger_ms)
            .field("batch_bytes", &self.batch_bytes)
            .field("message_timeout_ms", &self.message_timeout_ms)
            .field("session_timeout_ms", &self.session_timeout_ms)
            .field("max_poll_interval_ms", &self.max_poll_interval_ms)
            .field("properties", &self.properties.keys().collect::<Vec<_>>())
            .field(
                "sasl_password",
                &self.sasl_password.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl KafkaConfig {
    fn common(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers)
            .set("client.id", &self.client_id);
        c
    }

    /// The user's own properties come last, so they can override any of Tagar's defaults.
    fn with_user_properties(&self, mut c: ClientConfig) -> ClientConfig {
        for (k, v) in &self.properties {
            c.set(k, v);
        }
        if let Some(password) = &self.sasl_password {
            c.set("sasl.password", password.expose_secret());
        }
        c
    }

    /// The producer's librdkafka settings: idempotent, every replica acknowledges, batched and
    /// compressed for throughput, Kafka's murmur2 partitioner (as the Java client uses).
    pub fn producer_config(&self) -> ClientConfig {
        let mut c = self.common();
        c.set("enable.idempotence", "true")
            .set("acks", "all")
            .set("compression.type", &self.compression)
            .set("linger.ms", self.linger_ms.to_string())
            .set("batch.size", self.batch_bytes.to_string())
            .set("batch.num.messages", "100000")
            .set("queue.buffering.max.messages", "1000000")
            .set("queue.buffering.max.kbytes", "1048576")
            .set("message.timeout.ms", self.message_timeout_ms.to_string())
            .set("partitioner", "murmur2_random");
        self.with_user_properties(c)
    }

    /// A consumer's settings for `group`: auto-commit off (Tagar commits after its own durable
    /// write), a new group starts at the earliest record.
    pub fn consumer_config(&self, group: &str) -> ClientConfig {
        let mut c = self.common();
        c.set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", "false")
            .set("session.timeout.ms", self.session_timeout_ms.to_string())
            .set(
                "max.poll.interval.ms",
                self.max_poll_interval_ms.to_string(),
            )
            .set(
                "heartbeat.interval.ms",
                (self.session_timeout_ms / 4).max(100).to_string(),
            );
        self.with_user_properties(c)
    }

    /// The admin client's settings.
    pub fn admin_config(&self) -> ClientConfig {
        self.with_user_properties(self.common())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password_or_property_values() {
        let mut config = KafkaConfig {
            sasl_password: Some(SecretString::from("hunter2")),
            ..Default::default()
        };
        config
            .properties
            .insert("sasl.username".into(), "agency-user".into());
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("agency-user"), "{shown}");
        assert!(shown.contains("sasl.username"));
    }

    #[test]
    fn consumers_and_admin_get_the_users_properties_and_password() {
        let mut config = KafkaConfig {
            sasl_password: Some(SecretString::from("hunter2")),
            ..Default::default()
        };
        config
            .properties
            .insert("security.protocol".into(), "SASL_SSL".into());
        config
            .properties
            .insert("fetch.wait.max.ms".into(), "10".into());
        for client in [config.consumer_config("g"), config.admin_config()] {
            assert_eq!(client.get("security.protocol"), Some("SASL_SSL"));
            assert_eq!(client.get("sasl.password"), Some("hunter2"));
        }
        assert_eq!(
            config.consumer_config("g").get("fetch.wait.max.ms"),
            Some("10")
        );
    }

    #[test]
    fn user_properties_override_the_defaults() {
        let mut config = KafkaConfig::default();
        config
            .properties
            .insert("queue.buffering.max.kbytes".into(), "65536".into());
        assert_eq!(
            config.producer_config().get("queue.buffering.max.kbytes"),
            Some("65536")
        );
        assert_eq!(config.producer_config().get("acks"), Some("all"));
    }

    #[test]
    fn the_password_reaches_librdkafka() {
        let config = KafkaConfig {
            sasl_password: Some(SecretString::from("hunter2")),
            ..Default::default()
        };
        assert_eq!(
            config.producer_config().get("sasl.password"),
            Some("hunter2")
        );
        assert_eq!(
            config.consumer_config("g").get("enable.auto.commit"),
            Some("false")
        );
    }
}
