//! Two ingest replicas on one database and one Kafka: a rule added through one is matched by
//! the other (which had compiled the tenant's matcher before), and a post pushed to both is
//! the same event twice, which consumers drop by its id.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use support::{ADMIN, App, all, find, has_all, native_id, post, read_ingested};
use tagar_kernel::Mode;
use tagar_proto::v1::RuleKind;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_rules_and_publish_a_post_as_one_event() {
    let mut app = App::start(Mode::Distributed).await;
    let replica = app.app.replica().await;
    let tenant = Uuid::now_v7();
    let brand = app.brand(tenant).await;
    let mut one = app.client(tenant, ADMIN, all()).await;
    let mut two = app.client_on(replica, tenant, ADMIN, all()).await;

    // Replica two compiles the tenant's (empty) matcher first.
    let before = native_id("before");
    assert_eq!(
        two.push(vec![vec![post(&before, "#Kopi")]])
            .await
            .unwrap()
            .accepted,
        1
    );
    let rule = one
        .add_rule(brand, RuleKind::Hashtag, "#kopi")
        .await
        .unwrap();
    tokio::time::sleep(tagar_ingest::RULES_REFRESH + Duration::from_millis(100)).await;

    let after = native_id("after");
    assert_eq!(
        two.push(vec![vec![post(&after, "#KOPI")]])
            .await
            .unwrap()
            .accepted,
        1
    );
    // The same post again through the same replica is a copy it drops.
    let again = two.push(vec![vec![post(&after, "#KOPI")]]).await.unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 1));
    // Through the other replica, which never published it, it goes out again: as the same
    // event, which every consumer drops by its id.
    let elsewhere = one.push(vec![vec![post(&after, "#KOPI")]]).await.unwrap();
    assert_eq!((elsewhere.accepted, elsewhere.duplicates), (1, 0));

    let seen = read_ingested(&app.log(), |s| {
        has_all(s, &[&before]) && s.iter().filter(|i| i.native_id() == after).count() == 2
    })
    .await;
    assert!(find(&seen, &before).event.matches.is_empty());
    let copies: Vec<_> = seen.iter().filter(|i| i.native_id() == after).collect();
    assert_eq!(
        copies[0].envelope.event_id, copies[1].envelope.event_id,
        "one event, published twice"
    );
    for copy in copies {
        assert_eq!(
            copy.matches(),
            BTreeSet::from([(brand.to_string(), vec![rule.rule_id.clone()])])
        );
    }

    app.stop().await;
}
