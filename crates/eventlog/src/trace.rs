//! W3C trace context across the log: the producer writes `traceparent` (and `tracestate`) into
//! record headers, the consumer continues the trace from them, so one trace follows a post
//! through every service. Uses the globally installed propagator (the runtime kit installs
//! the W3C one at start); with none installed, nothing is written and nothing breaks.

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::record::Headers;

struct Inject<'a>(&'a mut Vec<(String, String)>);

impl Injector for Inject<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.push((key.to_owned(), value));
    }
}

struct Extract<'a>(&'a Headers);

impl Extractor for Extract<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get_str(key)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k).collect()
    }
}

/// The current span's trace context as header pairs (`traceparent`, `tracestate`). Computed
/// once per batch, then added to each record that has none.
pub fn current_context_headers() -> Vec<(String, String)> {
    let context = tracing::Span::current().context();
    let mut pairs = Vec::with_capacity(2);
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(&context, &mut Inject(&mut pairs))
    });
    pairs
}

/// Adds the current span's trace context to `headers`.
pub fn inject_current(headers: &mut Headers) {
    for (k, v) in current_context_headers() {
        headers.insert(k, v);
    }
}

/// The trace context a record carries, to parent the consumer's span:
/// `span.set_parent(extract(&record.headers))`.
pub fn extract(headers: &Headers) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&Extract(headers)))
}
