//! Topic provisioning through the admin API: Tagar never relies on broker auto-creation.

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::log::{LogError, TopicSpec};

pub(crate) async fn provision(config: &ClientConfig, topics: &[TopicSpec]) -> Result<(), LogError> {
    if topics.is_empty() {
        return Ok(());
    }
    let admin: AdminClient<DefaultClientContext> = config
        .create()
        .map_err(|e| LogError::Config(e.to_string()))?;
    let retention: Vec<Option<String>> = topics
        .iter()
        .map(|t| t.retention.map(|r| r.as_millis().to_string()))
        .collect();
    let new_topics: Vec<NewTopic<'_>> = topics
        .iter()
        .zip(&retention)
        .map(|(t, retention)| {
            let topic = NewTopic::new(
                &t.name,
                t.partitions,
                TopicReplication::Fixed(i32::from(t.replication_factor)),
            );
            match retention {
                Some(ms) => topic.set("retention.ms", ms),
                None => topic.set("retention.ms", "-1"),
            }
        })
        .collect();
    let results = admin
        .create_topics(&new_topics, &AdminOptions::new())
        .await
        .map_err(|e| LogError::Backend(format!("create topics: {e}")))?;
    for result in results {
        match result {
            Ok(name) => tracing::info!(topic = %name, "topic created"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => {
                return Err(LogError::Backend(format!("create topic {name}: {code}")));
            }
        }
    }
    Ok(())
}
