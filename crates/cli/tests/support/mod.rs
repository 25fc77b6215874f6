//! Shared by the `tagar` crate's tests and benchmarks (the crate is a binary, so they cannot
//! reach its own list).

use std::sync::Arc;

use tagar_kernel::ServiceModule;

/// The four services in one process, as `tagar standalone` runs them.
pub fn all_services() -> Vec<Arc<dyn ServiceModule>> {
    vec![
        Arc::new(tagar_ingest::Ingest),
        Arc::new(tagar_moderation::Moderation),
        Arc::new(tagar_scheduling::Scheduling),
        Arc::new(tagar_analytics::Analytics),
    ]
}

/// The brand's mentions in the hour around now, as analytics counts them; `None` while it
/// cannot answer.
#[allow(dead_code)]
pub async fn mentions(analytics: &tagar_client::AnalyticsClient, brand: &str) -> Option<u64> {
    let now = chrono::Utc::now();
    let mut analytics = analytics.clone();
    analytics
        .get_brand_activity(tagar_proto::v1::GetBrandActivityRequest {
            brand_id: brand.to_owned(),
            from: Some(tagar_proto::convert::time_to_wire(
                now - chrono::Duration::hours(1),
            )),
            to: Some(tagar_proto::convert::time_to_wire(
                now + chrono::Duration::hours(1),
            )),
        })
        .await
        .ok()?
        .into_inner()
        .total
        .map(|t| t.mentions)
}
