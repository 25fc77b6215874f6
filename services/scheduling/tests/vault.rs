//! Credentials at rest: sealed per tenant and account, and a master-key rotation that
//! re-wraps every tenant's data key so the old master key can go.

mod support;

use secrecy::{ExposeSecret as _, SecretString};
use tagar_kernel::{Mode, both_modes};
use tagar_model::{AccountId, TenantId};
use tagar_networks::Credentials;
use tagar_runtime::vault::{Vault, generate_master_key};
use tagar_scheduling::store::credentials;

fn bluesky(password: &str) -> Credentials {
    Credentials::bluesky(
        "https://pds.example",
        "kopi.example",
        SecretString::from(password),
    )
    .unwrap()
}

fn password(credentials: &Credentials) -> String {
    match credentials {
        Credentials::Bluesky { app_password, .. } => app_password.expose_secret().to_owned(),
        other => panic!("{other:?}"),
    }
}

async fn a_rotation_rewraps_every_tenant_key_and_the_old_master_key_can_go(mode: Mode) {
    let system = support::start(mode, 1).await;
    let store = system.platform().store.clone();
    let (k1, k2) = (generate_master_key("k1"), generate_master_key("k2"));
    let old = Vault::from_config(std::slice::from_ref(&k1)).unwrap();
    let tenants: Vec<(TenantId, AccountId)> = (0..3)
        .map(|_| (TenantId::new(), AccountId::new()))
        .collect();
    for (i, (tenant, account)) in tenants.iter().enumerate() {
        let mut tx = store.begin().await.unwrap();
        credentials::save(
            &mut tx,
            &old,
            *tenant,
            *account,
            &bluesky(&format!("pw-{i}")),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // Sealed for its tenant and account: another account of the tenant has nothing.
    let mut tx = store.begin().await.unwrap();
    let (tenant, _) = tenants[0];
    assert!(
        credentials::load(&mut tx, &old, tenant, AccountId::new())
            .await
            .unwrap()
            .is_none()
    );
    tx.rollback().await.unwrap();

    let both = Vault::from_config(&[k2.clone(), k1]).unwrap();
    let mut batches = 0;
    let done = credentials::rotate(&store, &both, |_| batches += 1)
        .await
        .unwrap();
    assert_eq!((done.rewrapped, done.current, batches), (3, 0, 1));
    assert_eq!(
        credentials::keys_in_use(&store).await.unwrap(),
        [("k2".to_owned(), 3)]
    );
    let again = credentials::rotate(&store, &both, |_| {}).await.unwrap();
    assert_eq!((again.rewrapped, again.current), (0, 3));

    let new_only = Vault::from_config(&[k2]).unwrap();
    for (i, (tenant, account)) in tenants.iter().enumerate() {
        let mut tx = store.begin().await.unwrap();
        let opened = credentials::load(&mut tx, &new_only, *tenant, *account)
            .await
            .unwrap()
            .expect("credentials");
        assert_eq!(password(&opened), format!("pw-{i}"));
        let err = credentials::load(&mut tx, &old, *tenant, *account)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("k2"), "{err}");
        tx.rollback().await.unwrap();
    }
    system.stop().await;
}

both_modes!(a_rotation_rewraps_every_tenant_key_and_the_old_master_key_can_go);
