//! Ingest's metrics: posts by outcome, and the time each batch spends in each stage.

use std::time::Duration;

use prometheus::{HistogramVec, IntCounterVec};
use tagar_runtime::Metrics;

/// The stages of the ingest path, timed per batch in `tagar_ingest_stage_seconds{stage}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Wire posts to the post model, every bound checked (`Post::try_from`).
    Decode,
    /// Dropping the posts seen before.
    Dedup,
    /// Matching the tenant's listening rules.
    Match,
    /// Building and encoding the `PostIngested` envelopes.
    Encode,
    /// Publishing to the log, until every record is acknowledged.
    Publish,
    /// Recording the published posts as seen.
    Mark,
}

impl Stage {
    /// Every stage, in the order a batch goes through them.
    pub const ALL: [Stage; 6] = [
        Stage::Decode,
        Stage::Dedup,
        Stage::Match,
        Stage::Encode,
        Stage::Publish,
        Stage::Mark,
    ];

    /// The `stage` label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Decode => "decode",
            Stage::Dedup => "dedup",
            Stage::Match => "match",
            Stage::Encode => "encode",
            Stage::Publish => "publish",
            Stage::Mark => "mark",
        }
    }
}

/// Ingest's counters and timers.
#[derive(Clone)]
pub struct IngestMetrics {
    posts: IntCounterVec,
    stages: HistogramVec,
}

impl IngestMetrics {
    /// `tagar_posts_ingested_total{source, outcome}`: posts taken in, by how they came
    /// (`push`, `loopback`, `bluesky`) and what became of them (`accepted`, `duplicate`, `rejected`);
    /// `tagar_ingest_stage_seconds{stage}`: the time one batch spent in each [`Stage`].
    pub fn new(metrics: &Metrics) -> anyhow::Result<Self> {
        Ok(Self {
            posts: metrics.counter_vec(
                "posts_ingested_total",
                "Posts taken in by ingest, by source and outcome.",
                &["source", "outcome"],
            )?,
            stages: metrics.histogram_vec(
                "ingest_stage_seconds",
                "Time one batch of posts spent in each stage of the ingest path.",
                &["stage"],
                Some(prometheus::exponential_buckets(0.000_1, 4.0, 9)?),
            )?,
        })
    }

    /// Counts `n` posts of `source` with `outcome`.
    pub fn count(&self, source: &str, outcome: &str, n: u64) {
        if n > 0 {
            self.posts.with_label_values(&[source, outcome]).inc_by(n);
        }
    }

    /// Records that a batch spent `took` in `stage`.
    pub fn stage(&self, stage: Stage, took: Duration) {
        self.stages
            .with_label_values(&[stage.as_str()])
            .observe(took.as_secs_f64());
    }
}
