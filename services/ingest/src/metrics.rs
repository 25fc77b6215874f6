//! Ingest's metrics.

use prometheus::IntCounterVec;
use tagar_runtime::Metrics;

/// `tagar_posts_ingested_total{source, outcome}`: posts taken in, by how they came
/// (`push`, `loopback`) and what became of them (`accepted`, `duplicate`, `rejected`).
pub fn posts_ingested(metrics: &Metrics) -> anyhow::Result<IntCounterVec> {
    Ok(metrics.counter_vec(
        "posts_ingested_total",
        "Posts taken in by ingest, by source and outcome.",
        &["source", "outcome"],
    )?)
}
