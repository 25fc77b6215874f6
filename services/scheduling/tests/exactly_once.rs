//! The dispatcher's transaction is all or nothing: a dispatcher that dies before its commit
//! publishes nothing, and dispatchers racing for one due post publish it once.

mod support;

use tagar_client::unary;
use tagar_kernel::both_modes;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use tagar_kernel::Mode;
use tagar_proto::topics;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tagar_scheduling::dispatcher::{Dispatcher, DispatcherConfig};
use tagar_scheduling::network::{Delivered, Loopback, Outgoing, PublishError, Publisher};
use tagar_store::{StoreError, StoreTx};

/// The loopback network, and then the process dies before the dispatcher commits.
struct DiesAfterDelivering;

#[async_trait]
impl Publisher for DiesAfterDelivering {
    async fn publish(
        &self,
        tx: &mut StoreTx,
        post: &Outgoing<'_>,
    ) -> Result<Delivered, PublishError> {
        Loopback.publish(tx, post).await?;
        Err(PublishError::Store(StoreError::Config(
            "the process died".into(),
        )))
    }
}

async fn a_due_post_goes_out_once_whatever_happens(mode: Mode) {
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let (brand, account) = admin
        .kopi_kita(v1::Network::Mastodon, "kopikita@mastodon.social")
        .await;
    let draft = admin
        .create_draft(unary(v1::CreateDraftRequest {
            brand_id: brand.brand_id.clone(),
            account_id: account.account_id.clone(),
            text: "Besok pagi #KopiKita".into(),
            media: vec![],
        }))
        .await
        .unwrap()
        .into_inner();
    let post_id = draft.post_id.clone();
    admin
        .approve_post(unary(v1::ApprovePostRequest {
            brand_id: brand.brand_id.clone(),
            post_id: post_id.clone(),
            expected_version: 0,
        }))
        .await
        .unwrap();
    // Tomorrow: the process's own dispatcher leaves it alone; these ones are told it is due.
    let tomorrow =
        (Utc::now() + chrono::Duration::days(1)).with_timezone(&chrono_tz::Asia::Jakarta);
    admin
        .schedule_post(unary(v1::SchedulePostRequest {
            brand_id: brand.brand_id.clone(),
            post_id: post_id.clone(),
            local_time: tomorrow.format("%Y-%m-%dT%H:%M").to_string(),
            expected_version: 0,
        }))
        .await
        .unwrap();
    let then = Utc::now() + chrono::Duration::days(2);
    let platform = system.platform();
    let dispatcher = |publisher: Arc<dyn Publisher>| {
        Dispatcher::new(
            platform.store.clone(),
            publisher,
            &platform.metrics,
            DispatcherConfig::default(),
        )
        .expect("a dispatcher")
    };
    let get = || {
        unary(v1::GetScheduledPostRequest {
            brand_id: brand.brand_id.clone(),
            post_id: post_id.clone(),
        })
    };

    let crashed = dispatcher(Arc::new(DiesAfterDelivering))
        .dispatch_once(then)
        .await;
    assert!(crashed.is_err());
    let post = admin.get_scheduled_post(get()).await.unwrap().into_inner();
    assert_eq!((post.state(), post.version), (v1::PostState::Scheduled, 3));

    let racers: Vec<_> = (0..4)
        .map(|_| {
            let racer = dispatcher(Arc::new(Loopback));
            tokio::spawn(async move { racer.dispatch_once(then).await })
        })
        .collect();
    for racer in racers {
        let outcome = racer.await.unwrap();
        assert!(outcome.is_ok(), "{outcome:?}");
    }
    let post = admin.get_scheduled_post(get()).await.unwrap().into_inner();
    assert_eq!((post.state(), post.version), (v1::PostState::Published, 4));
    assert!(post.published_native_id.starts_with("loopback-"));

    let deliveries = support::caused_by(
        &system,
        topics::LOOPBACK_NETWORK,
        &post_id,
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let Some(v1::envelope::Event::NetworkPostDelivered(delivered)) = &deliveries[0].event else {
        panic!("{deliveries:?}");
    };
    let delivered_post = delivered.post.as_ref().unwrap();
    assert_eq!(delivered_post.native_id, post.published_native_id);
    assert_eq!(delivered_post.network(), v1::Network::Mastodon);
    system.stop().await;
}

both_modes!(a_due_post_goes_out_once_whatever_happens);
