//! Ingest end to end, in both modes, driven through gRPC as a client would and checked on
//! the log: validation with per-post errors, the duplicate drop, matching per tenant, rules,
//! loopback deliveries.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use support::{ADMIN, App, all, delivery, find, has_all, native_id, post, read_ingested};
use tagar_kernel::{Mode, both_modes};
use tagar_proto::topics;
use tagar_proto::v1::{self, RuleKind};
use tagar_runtime::auth::{BrandScope, Role};
use tonic::Code;
use uuid::Uuid;

async fn push_validates_drops_duplicates_and_publishes_matches(mode: Mode) {
    let app = App::start(mode).await;
    let tenant = Uuid::now_v7();
    let brand = app.brand(tenant).await;
    let mut client = app.client(tenant, ADMIN, all()).await;
    let tag_rule = client
        .add_rule(brand, RuleKind::Hashtag, "#Café")
        .await
        .unwrap();
    let phrase_rule = client
        .add_rule(brand, RuleKind::Keyword, "kopi susu")
        .await
        .unwrap();

    let good = native_id("good");
    let plain = native_id("plain");
    let mut bad = post(&native_id("bad"), "no author handle");
    bad.author.as_mut().unwrap().handle = String::new();
    let stream = vec![
        vec![post(&good, "Un #CAFE\u{301} et une KOPI susu"), bad],
        vec![
            post(&good, "the same post again"),
            post(&plain, "nothing to see"),
        ],
    ];
    let response = client.push(stream.clone()).await.unwrap();
    assert_eq!(
        (response.accepted, response.duplicates, response.rejected),
        (2, 1, 1)
    );
    assert_eq!(response.errors.len(), 1);
    assert_eq!(response.errors[0].index, 1);
    assert_eq!(response.errors[0].field, "post.author.handle");

    let seen = read_ingested(&app.log(), |s| has_all(s, &[&good, &plain])).await;
    let matched = find(&seen, &good);
    assert_eq!(matched.envelope.tenant_id, tenant.to_string());
    assert_eq!(matched.envelope.brand_id, "");
    assert_eq!(matched.event.source, "push");
    assert_eq!(matched.event.hashtags, ["café"]);
    let mut rule_ids = vec![tag_rule.rule_id.clone(), phrase_rule.rule_id.clone()];
    rule_ids.sort();
    assert_eq!(
        matched.matches(),
        BTreeSet::from([(brand.to_string(), rule_ids)])
    );
    assert!(find(&seen, &plain).event.matches.is_empty());

    // The whole stream again: every valid post is a duplicate now.
    let again = client.push(stream).await.unwrap();
    assert_eq!(
        (again.accepted, again.duplicates, again.rejected),
        (0, 3, 1)
    );

    let metrics = app.app.platform().metrics.encode().unwrap();
    assert!(
        metrics.contains(r#"tagar_posts_ingested_total{outcome="duplicate",source="push"}"#),
        "{metrics}"
    );
    app.stop().await;
}
both_modes!(push_validates_drops_duplicates_and_publishes_matches);

/// A stream long enough for batches in flight at once (5,000 posts a batch, up to 4 in
/// flight): every post is taken once, and one conversation's posts reach the log in the
/// order they were sent. (6,000 posts: more in one partition, past about 5 MiB, and the
/// test broker's SQLite engine fetches nothing from its start; see the eventlog README.)
async fn a_long_stream_keeps_each_conversation_in_order(mode: Mode) {
    let app = App::start(mode).await;
    let tenant = Uuid::now_v7();
    let mut client = app.client(tenant, ADMIN, all()).await;
    let thread = native_id("thread");
    // 4,000 posts in four messages. With 6,000 in one partition, a fresh reader of Tansu 0.6
    // (SQLite engine) is never answered on this machine (measured 2026-12-02: 2,000 and 4,000
    // read in 2–4 s, 6,000 not in 60 s; the last landed commit behaves the same): a broker
    // limit noted in the ingest README, not this test's subject.
    let sent: Vec<String> = (0..4_000).map(|i| format!("{thread}-{i:05}")).collect();
    let messages: Vec<Vec<v1::Post>> = sent
        .chunks(1_000)
        .map(|ids| {
            ids.iter()
                .map(|id| v1::Post {
                    conversation_id: thread.clone(),
                    ..post(id, "ngopi dulu")
                })
                .collect()
        })
        .collect();
    let response = client.push(messages).await.unwrap();
    assert_eq!((response.accepted, response.duplicates), (4_000, 0));

    let seen = read_ingested(&app.log(), |s| {
        s.iter()
            .filter(|i| i.native_id().starts_with(&thread))
            .count()
            >= sent.len()
    })
    .await;
    let order: Vec<&str> = seen
        .iter()
        .map(support::Ingested::native_id)
        .filter(|id| id.starts_with(&thread))
        .collect();
    assert_eq!(order.len(), sent.len(), "each post once");
    assert!(
        order.iter().zip(&sent).all(|(a, b)| a == b),
        "in the order sent"
    );
    app.stop().await;
}
both_modes!(a_long_stream_keeps_each_conversation_in_order);

async fn tenants_never_match_each_others_rules(mode: Mode) {
    let app = App::start(mode).await;
    let (tenant_a, tenant_b) = (Uuid::now_v7(), Uuid::now_v7());
    let brand_a = app.brand(tenant_a).await;
    let mut a = app.client(tenant_a, ADMIN, all()).await;
    let mut b = app.client(tenant_b, Role::Service, all()).await;
    let rule = a
        .add_rule(brand_a, RuleKind::Hashtag, "#Rentrée")
        .await
        .unwrap();

    // The same network and native id in both tenants: not a duplicate across tenants.
    let id = native_id("shared");
    let text = "Bonne #RENTRÉE à tous";
    assert_eq!(
        b.push(vec![vec![post(&id, text)]]).await.unwrap().accepted,
        1
    );
    assert_eq!(
        a.push(vec![vec![post(&id, text)]]).await.unwrap().accepted,
        1
    );

    let tenants = |s: &[support::Ingested]| {
        s.iter()
            .filter(|i| i.native_id() == id)
            .map(|i| i.envelope.tenant_id.clone())
            .collect::<BTreeSet<_>>()
    };
    let seen = read_ingested(&app.log(), |s| tenants(s).len() == 2).await;
    for ingested in seen.iter().filter(|i| i.native_id() == id) {
        if ingested.envelope.tenant_id == tenant_a.to_string() {
            assert_eq!(
                ingested.matches(),
                BTreeSet::from([(brand_a.to_string(), vec![rule.rule_id.clone()])])
            );
        } else {
            assert_eq!(ingested.envelope.tenant_id, tenant_b.to_string());
            assert!(ingested.event.matches.is_empty(), "{:?}", ingested.event);
        }
    }
    app.stop().await;
}
both_modes!(tenants_never_match_each_others_rules);

async fn rules_are_validated_scoped_and_removable(mode: Mode) {
    let app = App::start(mode).await;
    let tenant = Uuid::now_v7();
    let brand = app.brand(tenant).await;
    let mut admin = app.client(tenant, ADMIN, all()).await;

    let err = admin
        .add_rule(brand, RuleKind::Hashtag, "#two words")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("pattern: "), "{}", err.message());
    let err = admin
        .add_rule(brand, RuleKind::Unspecified, "kopi")
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::InvalidArgument, "kind: is required")
    );
    let request = tagar_client::unary(v1::AddListeningRuleRequest {
        brand_id: "acme".into(),
        kind: RuleKind::Keyword as i32,
        pattern: "kopi".into(),
    });
    let err = admin.inner.add_listening_rule(request).await.unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::InvalidArgument, "brand_id: is not a UUID")
    );

    let rule = admin
        .add_rule(brand, RuleKind::Competitor, "@Rival")
        .await
        .unwrap();
    assert_eq!(
        (rule.kind, rule.pattern.as_str()),
        (RuleKind::Competitor as i32, "@Rival")
    );
    let err = admin
        .add_rule(brand, RuleKind::Competitor, "@Rival")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::AlreadyExists);

    // Roles and brand scope.
    let mut analyst = app.client(tenant, Role::Analyst, all()).await;
    let err = analyst
        .add_rule(brand, RuleKind::Keyword, "kopi")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = analyst
        .push(vec![vec![post(&native_id("p"), "x")]])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let other_brand = app.brand(tenant).await;
    let mut manager = app
        .client(
            tenant,
            Role::Manager,
            BrandScope::Only([other_brand].into()),
        )
        .await;
    let err = manager.rules(brand).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let kopi = manager
        .add_rule(other_brand, RuleKind::Keyword, "kopi")
        .await
        .unwrap();
    assert_eq!(manager.rules(other_brand).await.unwrap().len(), 1);

    // Another tenant cannot see or remove the rule.
    let mut stranger = app.client(Uuid::now_v7(), ADMIN, all()).await;
    assert!(stranger.rules(brand).await.unwrap().is_empty());
    let err = stranger
        .remove_rule(brand, &rule.rule_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = admin
        .remove_rule(other_brand, &rule.rule_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    assert_eq!(
        admin.rules(brand).await.unwrap(),
        std::slice::from_ref(&rule)
    );
    admin.remove_rule(brand, &rule.rule_id).await.unwrap();
    assert!(admin.rules(brand).await.unwrap().is_empty());
    let err = admin.remove_rule(brand, &rule.rule_id).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // The removed rule no longer matches; a new one does at once, beside the other brand's.
    let tag = admin
        .add_rule(brand, RuleKind::Hashtag, "kopi")
        .await
        .unwrap();
    let id = native_id("after-removal");
    admin
        .push(vec![vec![post(&id, "@rival says #kopi")]])
        .await
        .unwrap();
    let seen = read_ingested(&app.log(), |s| has_all(s, &[&id])).await;
    assert_eq!(
        find(&seen, &id).matches(),
        BTreeSet::from([
            (brand.to_string(), vec![tag.rule_id]),
            (other_brand.to_string(), vec![kopi.rule_id]),
        ])
    );
    app.stop().await;
}
both_modes!(rules_are_validated_scoped_and_removable);

async fn loopback_deliveries_are_ingested_once(mode: Mode) {
    let app = App::start(mode).await;
    let tenant = Uuid::now_v7();
    let brand = app.brand(tenant).await;
    let mut client = app.client(tenant, ADMIN, all()).await;
    let rule = client
        .add_rule(brand, RuleKind::Handle, "@KopiKita")
        .await
        .unwrap();

    // One conversation, so the copies and the marker keep their order on one partition.
    let mut first = post(&native_id("loop"), "Promo hari ini!");
    first.network = v1::Network::Loopback as i32;
    first.author.as_mut().unwrap().handle = "kopikita".into();
    first.conversation_id = native_id("conv");
    let mut marker = first.clone();
    marker.native_id = native_id("marker");
    let records = [
        delivery(tenant, first.clone()),
        delivery(tenant, first.clone()),
        delivery(tenant, marker.clone()),
    ];
    app.log()
        .publish(topics::LOOPBACK_NETWORK, &records[..2])
        .await
        .unwrap();
    // A redelivery in a later batch, then the marker.
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.log()
        .publish(topics::LOOPBACK_NETWORK, &records[1..])
        .await
        .unwrap();

    let seen = read_ingested(&app.log(), |s| has_all(s, &[&marker.native_id])).await;
    let copies: Vec<_> = seen
        .iter()
        .filter(|i| i.native_id() == first.native_id)
        .collect();
    assert_eq!(copies.len(), 1, "delivered three times, ingested once");
    let ingested = copies[0];
    assert_eq!(ingested.event.source, "loopback");
    assert_eq!(ingested.envelope.tenant_id, tenant.to_string());
    assert_eq!(
        ingested.matches(),
        BTreeSet::from([(brand.to_string(), vec![rule.rule_id])])
    );
    app.stop().await;
}
both_modes!(loopback_deliveries_are_ingested_once);

async fn rules_name_brands_of_their_tenant_that_exist(mode: Mode) {
    let app = App::start(mode).await;
    let (tenant, other) = (Uuid::now_v7(), Uuid::now_v7());
    let mut admin = app.client(tenant, ADMIN, all()).await;
    let theirs = app.brand(other).await;
    let nobody = Uuid::now_v7();
    for brand in [theirs, nobody] {
        let err = admin
            .add_rule(brand, RuleKind::Hashtag, "#Kopi")
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound, "{err:?}");
        assert_eq!(err.message(), "brand not found");
    }
    let ours = app.brand(tenant).await;
    assert!(
        admin
            .add_rule(ours, RuleKind::Hashtag, "#Kopi")
            .await
            .is_ok()
    );
    app.stop().await;
}
both_modes!(rules_name_brands_of_their_tenant_that_exist);

async fn a_brand_scoped_key_pushes_posts_for_its_brands_only(mode: Mode) {
    let app = App::start(mode).await;
    let tenant = Uuid::now_v7();
    let (mine, other) = (app.brand(tenant).await, app.brand(tenant).await);
    let mut admin = app.client(tenant, ADMIN, all()).await;
    for brand in [mine, other] {
        admin
            .add_rule(brand, RuleKind::Hashtag, "#Kopi")
            .await
            .unwrap();
    }
    let mut scoped = app
        .client(tenant, Role::Service, BrandScope::Only([mine].into()))
        .await;
    let id = native_id("scoped");
    scoped
        .push(vec![vec![post(&id, "Pagi #Kopi")]])
        .await
        .unwrap();
    let seen = read_ingested(&app.log(), |s| has_all(s, &[&id])).await;
    let brands: BTreeSet<String> = find(&seen, &id)
        .matches()
        .into_iter()
        .map(|(brand, _)| brand)
        .collect();
    assert_eq!(brands, BTreeSet::from([mine.to_string()]));
    app.stop().await;
}
both_modes!(a_brand_scoped_key_pushes_posts_for_its_brands_only);

async fn a_message_too_large_is_refused_saying_what_was_taken(mode: Mode) {
    let app = App::start(mode).await;
    let tenant = Uuid::now_v7();
    let mut client = app.client(tenant, ADMIN, all()).await;
    let small = post(&native_id("first"), "taken before the large message");
    // Twenty posts of 256 KiB each: one message of 5 MiB, over the 4 MiB a message may be.
    let large: Vec<v1::Post> = (0..20)
        .map(|i| post(&native_id(&format!("big{i}")), &"x".repeat(256 * 1024)))
        .collect();
    let err = client.push(vec![vec![small], large]).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(err.message().starts_with("posts: "), "{}", err.message());
    assert!(err.message().contains("at most 4 MiB"), "{}", err.message());
    assert!(err.message().contains("1 accepted"), "{}", err.message());
    app.stop().await;
}
both_modes!(a_message_too_large_is_refused_saying_what_was_taken);
