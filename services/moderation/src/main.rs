//! `tagar-moderation`: the moderation service alone, as it runs in a Kubernetes pod (PostgreSQL and
//! Kafka; settings from `TAGAR_CONFIG` and `TAGAR__…` variables). Same as `tagar serve moderation`.

use std::sync::Arc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tagar_kernel::main_for(Arc::new(tagar_moderation::Moderation)).await
}
