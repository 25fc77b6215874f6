//! Ingest's metrics.

use std::sync::OnceLock;

use prometheus::{IntCounterVec, Opts};
use tagar_runtime::Metrics;

/// `tagar_posts_ingested_total{source, outcome}`: posts taken in, by how they came
/// (`push`, `loopback`) and what became of them (`accepted`, `duplicate`, `rejected`).
///
/// Registered once per process: when several ingest modules start in one process (tests
/// run both modes in one binary) they share the counter of the first registry.
pub fn posts_ingested(metrics: &Metrics) -> IntCounterVec {
    static COUNTER: OnceLock<IntCounterVec> = OnceLock::new();
    COUNTER
        .get_or_init(|| {
            metrics
                .counter_vec(
                    "posts_ingested_total",
                    "Posts taken in by ingest, by source and outcome.",
                    &["source", "outcome"],
                )
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "posts_ingested_total not registered; counting unexported");
                    let opts = Opts::new("posts_ingested_total", "unregistered").namespace("tagar");
                    IntCounterVec::new(opts, &["source", "outcome"])
                        .expect("a valid name and labels")
                })
        })
        .clone()
}
