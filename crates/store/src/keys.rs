//! API keys in the store: only the SHA-256 of each secret is kept; the runtime kit's
//! authenticator finds keys here by their public id.

use async_trait::async_trait;
use chrono::DateTime;
use sqlx::Row;
use sqlx::any::AnyRow;
use tagar_model::TenantId;
use tagar_runtime::auth::{BrandScope, DirectoryError, KeyDirectory, Role, StoredKey};
use uuid::Uuid;

use crate::db::Store;
use crate::error::StoreError;

fn brands_to_text(scope: &BrandScope) -> Option<String> {
    match scope {
        BrandScope::All => None,
        BrandScope::Only(ids) => Some(
            ids.iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
    }
}

fn brands_from_text(text: Option<String>) -> Result<BrandScope, StoreError> {
    let Some(text) = text else {
        return Ok(BrandScope::All);
    };
    let ids = text
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            Uuid::parse_str(s).map_err(|e| StoreError::Corrupt {
                field: "api_keys.brands",
                reason: e.to_string(),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(BrandScope::Only(ids))
}

fn stored_key(row: &AnyRow) -> Result<StoredKey, StoreError> {
    let corrupt = |field, reason: String| StoreError::Corrupt { field, reason };
    let tenant: String = row.try_get("tenant_id")?;
    let role: String = row.try_get("role")?;
    let created_at_us: i64 = row.try_get("created_at_us")?;
    let revoked_at_us: Option<i64> = row.try_get("revoked_at_us")?;
    Ok(StoredKey {
        key_id: row.try_get("key_id")?,
        tenant: TenantId::parse(&tenant)
            .map_err(|e| corrupt("api_keys.tenant_id", e.to_string()))?,
        role: Role::parse(&role).map_err(|e| corrupt("api_keys.role", e.to_string()))?,
        brands: brands_from_text(row.try_get("brands")?)?,
        secret_hash: row.try_get("secret_hash")?,
        created_at: DateTime::from_timestamp_micros(created_at_us)
            .ok_or_else(|| corrupt("api_keys.created_at_us", "out of range".into()))?,
        revoked: revoked_at_us.is_some(),
    })
}

/// A key as listed to its tenant: never the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyListing {
    /// The public id.
    pub key_id: String,
    /// The role it grants.
    pub role: Role,
    /// The brands it may touch.
    pub brands: BrandScope,
    /// What the key is for, as its creator wrote.
    pub label: String,
    /// Whether it was revoked.
    pub revoked: bool,
}

impl Store {
    /// Saves a generated key (its hash, never its secret).
    pub async fn save_key(&self, key: &StoredKey, label: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_keys (key_id, tenant_id, role, brands, secret_hash, label, created_at_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&key.key_id)
        .bind(key.tenant.to_string())
        .bind(key.role.as_str())
        .bind(brands_to_text(&key.brands))
        .bind(&key.secret_hash)
        .bind(label)
        .bind(key.created_at.timestamp_micros())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Whether any key exists at all (a fresh standalone install has none).
    pub async fn has_any_key(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
            .fetch_one(self.pool())
            .await?;
        Ok(n > 0)
    }

    /// Revokes one of the tenant's keys; `false` when the tenant has no such key.
    pub async fn revoke_key(&self, tenant: TenantId, key_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at_us = $1 WHERE tenant_id = $2 AND key_id = $3 AND revoked_at_us IS NULL",
        )
        .bind(crate::now_us())
        .bind(tenant.to_string())
        .bind(key_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The tenant's keys, oldest first.
    pub async fn list_keys(&self, tenant: TenantId) -> Result<Vec<KeyListing>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at_us")
                .bind(tenant.to_string())
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|row| {
                let key = stored_key(row)?;
                Ok(KeyListing {
                    key_id: key.key_id,
                    role: key.role,
                    brands: key.brands,
                    label: row.try_get("label")?,
                    revoked: key.revoked,
                })
            })
            .collect()
    }
}

#[async_trait]
impl KeyDirectory for Store {
    async fn find_key(&self, key_id: &str) -> Result<Option<StoredKey>, DirectoryError> {
        let row = sqlx::query("SELECT * FROM api_keys WHERE key_id = $1")
            .bind(key_id)
            .fetch_optional(self.pool())
            .await
            .map_err(DirectoryError::unavailable)?;
        row.as_ref()
            .map(stored_key)
            .transpose()
            .map_err(DirectoryError::unavailable)
    }
}
