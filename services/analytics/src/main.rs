//! `tagar-analytics`: the analytics service alone, as it runs in a Kubernetes pod (PostgreSQL and
//! Kafka; settings from `TAGAR_CONFIG` and `TAGAR__…` variables). Same as `tagar serve analytics`.

use std::sync::Arc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tagar_kernel::main_for(Arc::new(tagar_analytics::Analytics)).await
}
