//! The service's Prometheus metrics.

use std::sync::OnceLock;

use prometheus::{IntCounter, IntCounterVec};
use tagar_runtime::Metrics;

/// `tagar_analytics_events_total{topic}`: events folded into the read models (redeliveries
/// not counted), for `topic`. Registered once per process, however many times the service
/// starts in it (tests start several).
pub fn events_counter(metrics: &Metrics, topic: &str) -> IntCounter {
    static EVENTS: OnceLock<IntCounterVec> = OnceLock::new();
    let family = EVENTS.get_or_init(|| {
        let name = "analytics_events_total";
        let help = "Events folded into the analytics read models, by topic";
        metrics
            .counter_vec(name, help, &["topic"])
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "analytics metrics not registered");
                IntCounterVec::new(prometheus::Opts::new(name, help), &["topic"])
                    .expect("valid metric options")
            })
    });
    family.with_label_values(&[topic])
}
