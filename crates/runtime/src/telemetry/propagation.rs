//! Carrying W3C trace context across process boundaries: gRPC metadata on the way out,
//! HTTP/2 headers on the way in, and string maps for Kafka headers.

use std::collections::HashMap;

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector};
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Writes `span`'s trace context (`traceparent`, `tracestate`) into outgoing gRPC metadata.
pub fn inject_into_metadata(span: &Span, metadata: &mut MetadataMap) {
    let context = span.context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut MetadataInjector(metadata));
    });
}

/// A tonic client interceptor that sends the current span's trace context with every
/// call: `MyClient::with_interceptor(channel, propagate_current_span)`.
pub fn propagate_current_span(
    mut request: tonic::Request<()>,
) -> Result<tonic::Request<()>, tonic::Status> {
    inject_into_metadata(&Span::current(), request.metadata_mut());
    Ok(request)
}

/// Reads the remote trace context from incoming request headers; empty when there is none.
pub fn extract_from_headers(headers: &http::HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    })
}

/// Writes `span`'s trace context into a string map, e.g. to become Kafka message headers.
pub fn inject_into_map(span: &Span, headers: &mut HashMap<String, String>) {
    let context = span.context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, headers);
    });
}

/// Reads a trace context from a string map, e.g. built from Kafka message headers.
pub fn extract_from_map(headers: &HashMap<String, String>) -> Context {
    opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(headers))
}

/// A span for one incoming gRPC call, child of the caller's trace context.
///
/// Use it with `tonic::transport::Server::builder().trace_fn(grpc_server_span)`, so every
/// handler span (and the authentication span) joins the caller's trace.
pub fn grpc_server_span(request: &http::Request<()>) -> Span {
    let full = request.uri().path().trim_start_matches('/');
    let (service, method) = full.split_once('/').unwrap_or((full, ""));
    let span = tracing::info_span!(
        "grpc.server",
        otel.name = %full,
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.service = %service,
        rpc.method = %method,
    );
    // Fails only when no OpenTelemetry layer is installed; the span is then just a log span.
    let _ = span.set_parent(extract_from_headers(request.headers()));
    span
}

struct MetadataInjector<'a>(&'a mut MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        // Propagator keys and values are ASCII; anything else is dropped, not sent garbled.
        if let (Ok(key), Ok(value)) = (
            MetadataKey::from_bytes(key.as_bytes()),
            MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}
