//! Per-tenant limits, in both modes: one tenant's flood of calls is slowed with
//! RESOURCE_EXHAUSTED saying when to retry while another tenant goes on; a tenant holds at
//! most its quota of listening rules; a call that is not a stream ends at its deadline.

mod support;

use std::sync::Arc;

use tagar_kernel::testing::TestApp;
use tagar_kernel::{Mode, both_modes};
use tagar_proto::v1::RuleKind;
use tonic::Code;
use uuid::Uuid;

use support::{ADMIN, App, all};

async fn limited(mode: Mode) -> App {
    App {
        app: TestApp::start_with(mode, vec![Arc::new(tagar_ingest::Ingest)], |s| {
            s.limits.requests_per_second = 0.5;
            s.limits.request_burst = 4.0;
            s.limits.rules_per_tenant = 2;
            s.limits.request_timeout_seconds = 1;
        })
        .await,
    }
}

async fn a_flooding_tenant_is_told_to_wait_and_others_go_on(mode: Mode) {
    let app = limited(mode).await;
    let (flooder, other) = (Uuid::now_v7(), Uuid::now_v7());
    let mut flood = app.client(flooder, ADMIN, all()).await;
    let brand = app.brand(flooder).await;
    let mut refused = None;
    for _ in 0..6 {
        if let Err(status) = flood.rules(brand).await {
            refused = Some(status);
            break;
        }
    }
    let refused = refused.expect("the burst of 4 runs out");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(refused.metadata().get("retry-after").is_some());
    assert!(refused.metadata().get("grpc-retry-pushback-ms").is_some());
    let mut calm = app.client(other, ADMIN, all()).await;
    let theirs = app.brand(other).await;
    assert!(
        calm.rules(theirs).await.is_ok(),
        "another tenant has its own bucket"
    );
    app.stop().await;
}
both_modes!(a_flooding_tenant_is_told_to_wait_and_others_go_on);

async fn a_tenant_holds_at_most_its_quota_of_rules(mode: Mode) {
    let app = limited(mode).await;
    let tenant = Uuid::now_v7();
    let mut admin = app.client(tenant, ADMIN, all()).await;
    let brand = app.brand(tenant).await;
    admin
        .add_rule(brand, RuleKind::Hashtag, "#satu")
        .await
        .unwrap();
    admin
        .add_rule(brand, RuleKind::Hashtag, "#dua")
        .await
        .unwrap();
    let err = admin
        .add_rule(brand, RuleKind::Hashtag, "#tiga")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert!(
        err.message().contains("2 listening rules"),
        "{}",
        err.message()
    );
    app.stop().await;
}
both_modes!(a_tenant_holds_at_most_its_quota_of_rules);

async fn a_call_ends_at_its_deadline(mode: Mode) {
    let app = limited(mode).await;
    let tenant = Uuid::now_v7();
    let mut admin = app.client(tenant, ADMIN, all()).await;
    // A brand nobody created: the call waits for it to arrive from scheduling, past the
    // one-second deadline.
    let err = admin
        .add_rule(Uuid::now_v7(), RuleKind::Hashtag, "#kopi")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err:?}");
    app.stop().await;
}
both_modes!(a_call_ends_at_its_deadline);
