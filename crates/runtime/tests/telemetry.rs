//! One subscriber per process: these tests share it, so they live in their own binary.

use std::collections::HashMap;
use std::sync::OnceLock;

use opentelemetry::trace::TraceContextExt;
use tagar_runtime::TelemetryConfig;
use tagar_runtime::telemetry::{self, TelemetryError, TelemetryGuard};
use tracing_opentelemetry::OpenTelemetrySpanExt;

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn init_once() {
    static GUARD: OnceLock<TelemetryGuard> = OnceLock::new();
    GUARD.get_or_init(|| {
        let guard = telemetry::init(&TelemetryConfig::default(), "tagar-test").expect("first init");
        assert!(!guard.exporting(), "no OTLP endpoint is set in tests");
        guard
    });
}

#[test]
fn second_init_is_an_error_not_a_panic() {
    init_once();
    let again = telemetry::init(&TelemetryConfig::default(), "tagar-test");
    assert!(
        matches!(again, Err(TelemetryError::AlreadyInitialized(_))),
        "{again:?}"
    );
}

#[test]
fn invalid_filter_is_reported() {
    let config = TelemetryConfig {
        filter: "[[[".into(),
        ..TelemetryConfig::default()
    };
    if std::env::var_os("RUST_LOG").is_none() {
        assert!(matches!(
            telemetry::init(&config, "x"),
            Err(TelemetryError::InvalidFilter { .. })
        ));
    }
}

#[test]
fn incoming_context_becomes_the_parent_and_is_passed_on() {
    init_once();
    let request = http::Request::builder()
        .uri("http://localhost/tagar.scheduling.v1.Scheduling/SchedulePost")
        .header("traceparent", TRACEPARENT)
        .body(())
        .unwrap();
    let span = telemetry::grpc_server_span(&request);
    let trace_id = span.context().span().span_context().trace_id().to_string();
    assert_eq!(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");

    // Out again through gRPC metadata: same trace, this span as the new parent.
    let mut metadata = tonic::metadata::MetadataMap::new();
    telemetry::inject_into_metadata(&span, &mut metadata);
    let sent = metadata
        .get("traceparent")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(sent.contains(&trace_id), "{sent}");
    assert_ne!(
        sent, TRACEPARENT,
        "the outgoing parent is our span, not the caller's"
    );

    // And through Kafka-style string headers.
    let mut headers = HashMap::new();
    telemetry::inject_into_map(&span, &mut headers);
    let received = telemetry::extract_from_map(&headers);
    assert_eq!(
        received.span().span_context().trace_id().to_string(),
        trace_id
    );

    // And through the client interceptor, from whatever span is current.
    let request = span
        .in_scope(|| telemetry::propagate_current_span(tonic::Request::new(())))
        .unwrap();
    let sent = request
        .metadata()
        .get("traceparent")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(sent.contains(&trace_id), "{sent}");

    let extracted = telemetry::extract_from_headers(&metadata.into_headers());
    assert!(extracted.span().span_context().is_remote());
}
