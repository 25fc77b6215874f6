//! The duplicate drop's claims on both databases: new posts are claimed once, a released
//! claim is claimed again, a published post never is, and a stale unpublished claim (a crash
//! mid-publish) is taken over.

use tagar_ingest::store::{MIGRATIONS, SeenKey, claim_seen, mark_published, release};
use tagar_model::TenantId;
use tagar_store::{DatabaseConfig, Store};

fn keys(ids: &[&str]) -> Vec<SeenKey> {
    ids.iter()
        .map(|id| ("mastodon", (*id).to_owned()))
        .collect()
}

async fn claims_release_publish_and_take_over(store: Store) {
    store.apply(&MIGRATIONS).await.unwrap();
    let tenant = TenantId::new();
    let t0 = 1_000_000;
    let got = claim_seen(&store, tenant, &keys(&["a", "b"]), t0, 0)
        .await
        .unwrap();
    assert_eq!(got.claimed.len(), 2);
    // Claimed, not yet published nor stale: pending for everyone else, never a duplicate;
    // "c" is new.
    let got = claim_seen(&store, tenant, &keys(&["c", "b", "a"]), t0 + 1, 0)
        .await
        .unwrap();
    assert_eq!(got.claimed, keys(&["c"]).into_iter().collect());
    assert_eq!(got.pending, keys(&["a", "b"]).into_iter().collect());
    // Another tenant has its own posts.
    let other = claim_seen(&store, TenantId::new(), &keys(&["a"]), t0, 0)
        .await
        .unwrap();
    assert_eq!(other.claimed.len(), 1);

    // "a" is published; "b" failed and is released; "c" stays claimed (a crash).
    mark_published(&store, tenant, &keys(&["a"]), t0 + 2)
        .await
        .unwrap();
    release(&store, tenant, &keys(&["b"]), t0).await.unwrap();
    let got = claim_seen(&store, tenant, &keys(&["a", "b", "c"]), t0 + 3, 0)
        .await
        .unwrap();
    assert_eq!(got.claimed, keys(&["b"]).into_iter().collect());
    assert_eq!(
        got.pending,
        keys(&["c"]).into_iter().collect(),
        "a is published: a duplicate"
    );

    // Once "c"'s claim is stale it is taken over; "a", published, never is.
    let got = claim_seen(&store, tenant, &keys(&["a", "c"]), t0 + 10, t0 + 5)
        .await
        .unwrap();
    assert_eq!(got.claimed, keys(&["c"]).into_iter().collect());
    assert!(got.pending.is_empty());

    // Many posts in one call (several statements).
    let many: Vec<String> = (0..2500).map(|i| format!("m{i}")).collect();
    let many: Vec<SeenKey> = many.into_iter().map(|id| ("x", id)).collect();
    assert_eq!(
        claim_seen(&store, tenant, &many, t0, 0)
            .await
            .unwrap()
            .claimed
            .len(),
        2500
    );
    let again = claim_seen(&store, tenant, &many, t0, 0).await.unwrap();
    assert!(again.claimed.is_empty());
    assert_eq!(again.pending.len(), 2500);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    let file = tagar_testkit::fresh_sqlite();
    let store = Store::connect(&DatabaseConfig::new(file.url()))
        .await
        .unwrap();
    claims_release_publish_and_take_over(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    let url = tagar_testkit::fresh_postgres().await;
    let store = Store::connect(&DatabaseConfig::new(url)).await.unwrap();
    claims_release_publish_and_take_over(store).await;
}
