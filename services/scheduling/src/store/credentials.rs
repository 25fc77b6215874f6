//! Network credentials at rest: sealed under the tenant's data key, which is stored wrapped
//! under the vault's current master key (`tagar_runtime::vault`). The tables hold only
//! ciphertext; what opens it (the master key) is in configuration, never in the database.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret;
use sqlx::Row;
use tagar_model::{AccountId, TenantId};
use tagar_networks::Credentials;
use tagar_runtime::vault::{DataKey, Vault, WrappedKey};
use tagar_store::{Store, StoreError, StoreTx};

use super::corrupt;

/// What the sealed credentials are bound to: a row copied to another account or tenant does
/// not open.
fn context(tenant: TenantId, account: AccountId) -> Vec<u8> {
    format!("tagar/credentials/v1/tenant={tenant}/account={account}").into_bytes()
}

fn wrapped_of(master_key_id: String, text: &str) -> Result<WrappedKey, StoreError> {
    Ok(WrappedKey {
        master_key_id,
        sealed: STANDARD
            .decode(text)
            .map_err(|e| corrupt("scheduling_tenant_keys.wrapped", e))?,
    })
}

fn vault_error(field: &'static str, e: impl ToString) -> StoreError {
    corrupt(field, e)
}

/// The tenant's data key, made (and stored wrapped) on first use.
async fn data_key(
    tx: &mut StoreTx,
    vault: &Vault,
    tenant: TenantId,
) -> Result<DataKey, StoreError> {
    if let Some(key) = stored_data_key(tx, vault, tenant).await? {
        return Ok(key);
    }
    let (_, wrapped) = vault.new_data_key(tenant);
    sqlx::query(
        "INSERT INTO scheduling_tenant_keys (tenant_id, master_key_id, wrapped, created_at_us) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(&wrapped.master_key_id)
    .bind(STANDARD.encode(&wrapped.sealed))
    .bind(tagar_store::now_us())
    .execute(tx.conn())
    .await?;
    // Another transaction may have made one first: use whichever was stored.
    stored_data_key(tx, vault, tenant)
        .await?
        .ok_or_else(|| corrupt("scheduling_tenant_keys", "the tenant's key was not stored"))
}

async fn stored_data_key(
    tx: &mut StoreTx,
    vault: &Vault,
    tenant: TenantId,
) -> Result<Option<DataKey>, StoreError> {
    let row = sqlx::query(
        "SELECT master_key_id, wrapped FROM scheduling_tenant_keys WHERE tenant_id = $1",
    )
    .bind(tenant.to_string())
    .fetch_optional(tx.conn())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let wrapped = wrapped_of(
        row.try_get("master_key_id")?,
        &row.try_get::<String, _>("wrapped")?,
    )?;
    vault
        .unwrap(tenant, &wrapped)
        .map(Some)
        .map_err(|e| vault_error("scheduling_tenant_keys.wrapped", e))
}

/// Stores (or replaces) the account's credentials, sealed, in `tx`.
pub async fn save(
    tx: &mut StoreTx,
    vault: &Vault,
    tenant: TenantId,
    account: AccountId,
    credentials: &Credentials,
) -> Result<(), StoreError> {
    let key = data_key(tx, vault, tenant).await?;
    let sealed = key
        .seal(&context(tenant, account), &credentials.to_sealable())
        .map_err(|e| vault_error("credentials", e))?;
    sqlx::query(
        "INSERT INTO scheduling_credentials (tenant_id, account_id, sealed, updated_at_us) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, account_id) DO UPDATE SET sealed = excluded.sealed, updated_at_us = excluded.updated_at_us",
    )
    .bind(tenant.to_string())
    .bind(account.to_string())
    .bind(STANDARD.encode(sealed))
    .bind(tagar_store::now_us())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The account's credentials, opened; `None` when it has none stored.
pub async fn load(
    tx: &mut StoreTx,
    vault: &Vault,
    tenant: TenantId,
    account: AccountId,
) -> Result<Option<Credentials>, StoreError> {
    let row = sqlx::query(
        "SELECT sealed FROM scheduling_credentials WHERE tenant_id = $1 AND account_id = $2",
    )
    .bind(tenant.to_string())
    .bind(account.to_string())
    .fetch_optional(tx.conn())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let sealed = STANDARD
        .decode(row.try_get::<String, _>("sealed")?)
        .map_err(|e| corrupt("scheduling_credentials.sealed", e))?;
    let key = stored_data_key(tx, vault, tenant).await?.ok_or_else(|| {
        corrupt(
            "scheduling_tenant_keys",
            "credentials exist without a tenant key",
        )
    })?;
    let opened = key
        .open(&context(tenant, account), &sealed)
        .map_err(|e| vault_error("scheduling_credentials.sealed", e))?;
    Credentials::from_sealed(opened.expose_secret())
        .map(Some)
        .map_err(|e| corrupt("scheduling_credentials.sealed", e))
}

/// What a rotation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Data keys re-wrapped under the current master key.
    pub rewrapped: u64,
    /// Data keys already under it.
    pub current: u64,
}

/// Re-wraps every tenant's data key that is not under the vault's current master key, in
/// batches of one transaction each; credentials themselves are not touched. Afterwards the
/// older master keys can be removed from configuration. `progress` is called after each
/// batch with the totals so far.
pub async fn rotate(
    store: &Store,
    vault: &Vault,
    mut progress: impl FnMut(Rotation),
) -> Result<Rotation, StoreError> {
    const BATCH: i64 = 500;
    let current = vault.current_key_id().to_owned();
    let mut done = Rotation {
        current: sqlx::query(
            "SELECT COUNT(*) AS n FROM scheduling_tenant_keys WHERE master_key_id = $1",
        )
        .bind(&current)
        .fetch_one(store.pool())
        .await?
        .try_get::<i64, _>("n")? as u64,
        ..Rotation::default()
    };
    loop {
        let mut tx = store.begin().await?;
        let rows = sqlx::query(
            "SELECT tenant_id, master_key_id, wrapped FROM scheduling_tenant_keys \
             WHERE master_key_id <> $1 ORDER BY tenant_id LIMIT $2",
        )
        .bind(&current)
        .bind(BATCH)
        .fetch_all(tx.conn())
        .await?;
        if rows.is_empty() {
            tx.rollback().await?;
            return Ok(done);
        }
        for row in &rows {
            let tenant_text: String = row.try_get("tenant_id")?;
            let tenant = TenantId::parse(&tenant_text)
                .map_err(|e| corrupt("scheduling_tenant_keys.tenant_id", e))?;
            let wrapped = wrapped_of(
                row.try_get("master_key_id")?,
                &row.try_get::<String, _>("wrapped")?,
            )?;
            let again = vault
                .rewrap(tenant, &wrapped)
                .map_err(|e| vault_error("scheduling_tenant_keys.wrapped", e))?;
            sqlx::query(
                "UPDATE scheduling_tenant_keys SET master_key_id = $2, wrapped = $3, rewrapped_at_us = $4 \
                 WHERE tenant_id = $1",
            )
            .bind(&tenant_text)
            .bind(&again.master_key_id)
            .bind(STANDARD.encode(&again.sealed))
            .bind(tagar_store::now_us())
            .execute(tx.conn())
            .await?;
        }
        tx.commit().await?;
        done.rewrapped += rows.len() as u64;
        progress(done);
    }
}

/// How many tenants' data keys each master key wraps, by key id.
pub async fn keys_in_use(store: &Store) -> Result<Vec<(String, u64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT master_key_id, COUNT(*) AS n FROM scheduling_tenant_keys GROUP BY master_key_id ORDER BY master_key_id",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("master_key_id")?,
                row.try_get::<i64, _>("n")? as u64,
            ))
        })
        .collect()
}
