//! The service's Prometheus metrics.

use prometheus::IntCounter;
use tagar_runtime::Metrics;

/// `tagar_analytics_events_total{topic}`: events folded into the read models (redeliveries
/// not counted), for `topic`.
pub fn events_counter(metrics: &Metrics, topic: &str) -> anyhow::Result<IntCounter> {
    let family = metrics.counter_vec(
        "analytics_events_total",
        "Events folded into the analytics read models, by topic",
        &["topic"],
    )?;
    Ok(family.with_label_values(&[topic]))
}
