//! `WatchTrends` streams are shared and bounded: a tenant's streams asking the same question
//! read one feed (one poller of the store), and a tenant holds at most its quota of streams
//! open; another tenant is not held back by it. One test, both modes in turn: the gauges it
//! reads are the process's.

mod support;

use std::sync::Arc;
use std::time::Duration;

use tagar_analytics::Analytics;
use tagar_kernel::testing::{TestApp, eventually};
use tagar_kernel::{Mode, ServiceModule};
use tagar_model::TenantId;
use tagar_proto::v1::GetTrendsRequest;
use tagar_runtime::auth::{BrandScope, Role};
use tonic::Code;

fn gauge(app: &TestApp, name: &str) -> i64 {
    let text = app.platform().metrics.encode().unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("tagar_{name} ")))
        .map_or(0, |v| v.trim().parse().unwrap())
}

async fn shared_and_bounded(mode: Mode) {
    let modules: Vec<Arc<dyn ServiceModule>> =
        vec![Arc::new(support::Writers), Arc::new(Analytics)];
    let app = TestApp::start_with(mode, modules, |s| s.limits.streams_per_tenant = 2).await;
    let ask = || GetTrendsRequest {
        limit: 5,
        ..GetTrendsRequest::default()
    };
    let mut a = app
        .session(TenantId::new(), Role::Analyst, BrandScope::All)
        .await
        .analytics();
    let mut first = a.watch_trends(ask()).await.unwrap().into_inner();
    let mut second = a.watch_trends(ask()).await.unwrap().into_inner();
    for stream in [&mut first, &mut second] {
        tokio::time::timeout(Duration::from_secs(10), stream.message())
            .await
            .expect("a first answer")
            .unwrap()
            .expect("open");
    }
    assert_eq!(gauge(&app, "analytics_trend_streams"), 2);
    assert_eq!(
        gauge(&app, "analytics_trend_feeds"),
        1,
        "one poller for both"
    );
    let refused = a.watch_trends(ask()).await.unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");

    let mut b = app
        .session(TenantId::new(), Role::Analyst, BrandScope::All)
        .await
        .analytics();
    let _theirs = b.watch_trends(ask()).await.expect("another tenant's quota");
    drop((first, second));
    eventually(
        Duration::from_secs(10),
        "the closed streams given back",
        || async {
            (gauge(&app, "analytics_trend_streams") == 1
                && gauge(&app, "analytics_trend_feeds") == 1)
                .then_some(())
        },
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_shared_and_bounded_in_both_modes() {
    shared_and_bounded(Mode::Standalone).await;
    shared_and_bounded(Mode::Distributed).await;
}
