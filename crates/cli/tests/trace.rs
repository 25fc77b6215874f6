//! One trace follows a post through the services: the client's trace context goes in with a
//! pushed post, ingest publishes the post in it, moderation classifies it in it (and its
//! fact, written to the outbox and relayed later, carries it on), and analytics folds it in
//! it. Spans are caught in memory; this binary installs the one subscriber it needs.

mod support;

use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tagar_kernel::Mode;
use tagar_kernel::testing::{TestApp, eventually};
use tagar_model::TenantId;
use tagar_proto::topics;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tracing_subscriber::layer::SubscriberExt as _;

/// The spans of the whole test process.
fn spans() -> &'static InMemorySpanExporter {
    static EXPORTER: OnceLock<InMemorySpanExporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("tagar-test");
        tagar_runtime::telemetry::install_propagator();
        let subscriber =
            tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
        tracing::subscriber::set_global_default(subscriber).expect("the one subscriber");
        exporter
    })
}

fn trace_id_of(traceparent: &str) -> &str {
    traceparent.split('-').nth(1).unwrap_or_default()
}

async fn one_trace(mode: Mode) {
    let exporter = spans();
    let app = TestApp::start(mode, support::all_services()).await;
    let session = app
        .session(TenantId::new(), Role::Admin, BrandScope::All)
        .await;
    tagar_kernel::testing::brand_listening(
        &mut session.scheduling(),
        &mut session.ingest(),
        ("Kopi Kita", "Asia/Jakarta"),
        "KopiKita",
    )
    .await;

    // The client's trace: a fresh trace id, sent as W3C traceparent.
    let trace_id = format!("{:032x}", uuid::Uuid::new_v4().as_u128());
    let traceparent = format!("00-{trace_id}-00f067aa0ba902b7-01");
    let native_id = format!("traced-{}", uuid::Uuid::now_v7().simple());
    let post =
        tagar_kernel::testing::x_post(&native_id, "dewi", "Sore ini #KopiKita, dasar bodoh anjing");
    let mut request = tonic::Request::new(tokio_stream::iter([v1::PushPostsRequest {
        posts: vec![post],
    }]));
    request
        .metadata_mut()
        .insert("traceparent", traceparent.parse().unwrap());
    session.ingest().push_posts(request).await.unwrap();

    // Ingest published the post in the client's trace.
    let mut ingested = app.reader(topics::POSTS_INGESTED).await;
    let header = ingested
        .find_record(Duration::from_secs(60), "the ingested post", |r| {
            r.headers.get_str("traceparent").filter(|_| {
                prost::Message::decode(&r.value[..])
                    .ok()
                    .is_some_and(|e: v1::Envelope| matches!(&e.event, Some(v1::envelope::Event::PostIngested(p)) if p.post.as_ref().is_some_and(|p| p.native_id == native_id)))
            })
            .map(str::to_owned)
        })
        .await;
    assert_eq!(trace_id_of(&header), trace_id, "{header}");

    // Moderation's fact, relayed from the outbox, goes on in it.
    let mut facts = app.reader(topics::MODERATION_EVENTS).await;
    let header = facts
        .find_record(Duration::from_secs(60), "the classification", |r| {
            let envelope: v1::Envelope = prost::Message::decode(&r.value[..]).ok()?;
            match &envelope.event {
                Some(v1::envelope::Event::PostClassified(c)) if c.native_id == native_id => {
                    r.headers.get_str("traceparent").map(str::to_owned)
                }
                _ => None,
            }
        })
        .await;
    assert_eq!(trace_id_of(&header), trace_id, "{header}");

    // Analytics folded it in a span of the same trace.
    eventually(
        Duration::from_secs(60),
        "analytics' span in the trace",
        || async {
            let found = exporter
                .get_finished_spans()
                .unwrap_or_default()
                .into_iter()
                .any(|span| {
                    span.span_context.trace_id().to_string() == trace_id
                        && span.name == "consume"
                        && span.attributes.iter().any(|kv| {
                            kv.key.as_str() == "group"
                                && kv.value.as_str() == "tagar-analytics-posts"
                        })
                });
            found.then_some(())
        },
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_follows_a_post_in_both_modes() {
    one_trace(Mode::Distributed).await;
    one_trace(Mode::Standalone).await;
}
