//! API keys stored hashed, found by the runtime kit's authenticator.

use std::sync::Arc;

use tagar_model::TenantId;
use tagar_runtime::auth::{ApiKey, Authenticator, BrandScope, Role};
use uuid::Uuid;

use crate::Db;

fn headers(key: &str) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert("x-api-key", key.parse().unwrap());
    h
}

pub async fn api_keys_authenticate_until_revoked(db: &Db) {
    let store = db.store().await;
    let tenant = TenantId::new();
    let brand = Uuid::now_v7();
    let (plain, stored) =
        ApiKey::generate(tenant, Role::Moderator, BrandScope::Only([brand].into()));
    store.save_key(&stored, "review desk").await.unwrap();

    // Only the hash is kept.
    let secret = plain.expose().rsplit('_').next().unwrap().to_owned();
    let kept: Vec<String> = sqlx::query_scalar("SELECT secret_hash FROM api_keys")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(kept.iter().all(|h| !h.contains(&secret)));

    let auth = Authenticator::new(Arc::new(store.clone()), None);
    let principal = auth.authenticate(&headers(plain.expose())).await.unwrap();
    assert_eq!(principal.tenant, tenant);
    assert_eq!(principal.role, Role::Moderator);
    assert!(principal.brands.allows(brand) && !principal.brands.allows(Uuid::now_v7()));

    let wrong = format!("{}x", &plain.expose()[..plain.expose().len() - 1]);
    assert!(
        auth.authenticate(&headers(&wrong)).await.is_err(),
        "a wrong secret is refused"
    );

    // Another tenant can neither list nor revoke it.
    let other = TenantId::new();
    assert!(store.list_keys(other).await.unwrap().is_empty());
    assert!(!store.revoke_key(other, &stored.key_id).await.unwrap());
    assert!(auth.authenticate(&headers(plain.expose())).await.is_ok());

    let listed = store.list_keys(tenant).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].label, "review desk");
    assert!(store.revoke_key(tenant, &stored.key_id).await.unwrap());
    assert!(
        auth.authenticate(&headers(plain.expose())).await.is_err(),
        "a revoked key is refused"
    );
    assert!(store.list_keys(tenant).await.unwrap()[0].revoked);
}
