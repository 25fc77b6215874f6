//! With `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans are exported; a collector that is not
//! there must not stop the process or hang its shutdown.
// figment::Jail fixes the closure's error type to figment::Error; we cannot box it.
#![allow(clippy::result_large_err)]

use std::time::{Duration, Instant};

use figment::Jail;
use tagar_runtime::TelemetryConfig;
use tagar_runtime::telemetry::{self, TelemetryError};

#[test]
fn exporter_turns_on_with_the_endpoint_and_needs_a_runtime() {
    Jail::expect_with(|jail| {
        // Port 9 (discard) on loopback: nothing listens, so export fails fast and locally.
        jail.set_env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9");
        let outside = telemetry::init(&TelemetryConfig::default(), "tagar-test");
        assert!(
            matches!(outside, Err(TelemetryError::NoRuntime)),
            "{outside:?}"
        );

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let guard = telemetry::init(&TelemetryConfig::default(), "tagar-test").unwrap();
            assert!(guard.exporting());
            tracing::info_span!("work").in_scope(|| tracing::info!("exported, or tried"));
            let started = Instant::now();
            tokio::task::spawn_blocking(move || guard.shutdown())
                .await
                .unwrap();
            assert!(started.elapsed() < Duration::from_secs(15));
        });
        Ok(())
    });
}
