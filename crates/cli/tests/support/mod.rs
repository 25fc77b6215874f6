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
