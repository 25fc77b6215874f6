//! Retention, in both modes: negative posts (a crisis's evidence) are kept for the
//! baseline's 7 days and a day, then pruned; younger ones stay.

mod support;

use chrono::Utc;
use sqlx::Row as _;
use tagar_kernel::{ServiceModule as _, both_modes};
use tagar_model::{BrandId, TenantId};
use tagar_proto::convert::time_to_wire;
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::envelope::Event;
use tagar_proto::v1::{PostClassified, Sentiment};

use support::{Harness, eventually};

both_modes!(old_negative_posts_are_pruned);

async fn old_negative_posts_are_pruned(mode: tagar_kernel::Mode) {
    let harness = Harness::start(mode).await;
    let (tenant, brand) = (TenantId::new(), BrandId::new());
    let negative = |id: &str, days_ago: i64| {
        let event = Event::PostClassified(PostClassified {
            native_id: id.into(),
            sentiment: Sentiment::Negative as i32,
            excerpt: "the recall is a disgrace".into(),
            posted_at: Some(time_to_wire(Utc::now() - chrono::Duration::days(days_ago))),
            ..PostClassified::default()
        });
        EnvelopeBuilder::new(tenant, event).brand(brand).build()
    };
    harness
        .publish(
            topics::MODERATION_EVENTS,
            &[negative("old", 10), negative("new", 1)],
        )
        .await;
    let store = harness.app.platform().store.clone();
    let ids = || {
        let store = store.clone();
        async move {
            let rows = sqlx::query(
                "SELECT native_id FROM analytics_negative_posts WHERE tenant_id = $1 ORDER BY native_id",
            )
            .bind(tenant.to_string())
            .fetch_all(store.pool())
            .await
            .unwrap();
            rows.iter()
                .map(|r| r.try_get::<String, _>(0).unwrap())
                .collect::<Vec<_>>()
        }
    };
    eventually("both negative posts kept", || async {
        (ids().await.len() == 2).then_some(())
    })
    .await;
    let retention = tagar_store::RetentionConfig::default();
    let prunes = tagar_analytics::Analytics.prunes(&retention);
    let report = store.prune(&retention, &prunes).await.unwrap();
    assert!(
        report.deleted.contains(&("analytics_negative_posts", 1)),
        "{report:?}"
    );
    assert_eq!(ids().await, ["new"]);
    harness.stop().await;
}
