//! The brand and account read models, written by their aggregates' projections.

use async_trait::async_trait;
use tagar_kernel::{Change, CommandError, Projection, Refusal};
use tagar_store::StoreTx;

use crate::domain::{AccountEvent, Brand, BrandEvent, Link, SocialAccount};

/// Writes `scheduling_brands` as brands are created.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrandRows;

#[async_trait]
impl Projection<Brand> for BrandRows {
    async fn project(
        &self,
        tx: &mut StoreTx,
        change: &Change<'_, Brand>,
    ) -> Result<(), CommandError> {
        let (tenant, id) = (change.after.tenant.to_string(), change.after.id.to_string());
        for event in change.events {
            if let BrandEvent::Created { brand, profile } = event {
                sqlx::query(
                    "INSERT INTO scheduling_brands (tenant_id, brand_id, name, time_zone, created_at_us) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&tenant)
                .bind(brand.to_string())
                .bind(profile.name.as_str())
                .bind(profile.time_zone.as_str())
                .bind(tagar_store::now_us())
                .execute(tx.conn())
                .await
                .map_err(tagar_store::StoreError::from)?;
            }
        }
        let pause = change.after.state.pause.as_ref();
        sqlx::query(
            "UPDATE scheduling_brands SET paused_at_us = $3, pause_crisis_id = $4, pause_reason = $5, \
             paused_by = $6, version = $7 WHERE tenant_id = $1 AND brand_id = $2",
        )
        .bind(&tenant)
        .bind(&id)
        .bind(pause.map(|p| p.at.timestamp_micros()))
        .bind(pause.and_then(|p| p.crisis_id.clone()).unwrap_or_default())
        .bind(pause.map(|p| p.reason.clone()).unwrap_or_default())
        .bind(pause.map(|p| p.by.clone()).unwrap_or_default())
        .bind(change.after.version as i64)
        .execute(tx.conn())
        .await
        .map_err(tagar_store::StoreError::from)?;
        Ok(())
    }
}

/// Writes `scheduling_accounts` as accounts are connected. A brand has one account per
/// network and handle (a unique index): a second is refused as a duplicate.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountRows;

#[async_trait]
impl Projection<SocialAccount> for AccountRows {
    async fn project(
        &self,
        tx: &mut StoreTx,
        change: &Change<'_, SocialAccount>,
    ) -> Result<(), CommandError> {
        let tenant = change.after.tenant.to_string();
        let account_id = change.after.id.to_string();
        for event in change.events {
            match event {
                AccountEvent::Connected {
                    account,
                    brand,
                    profile,
                    link,
                } => {
                    let native_id = match link {
                        Link::Loopback => "",
                        Link::Network { native_id } => native_id.as_str(),
                    };
                    let done = sqlx::query(
                        "INSERT INTO scheduling_accounts (tenant_id, account_id, brand_id, network, handle, handle_key, \
                         connected_at_us, native_account_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                    )
                    .bind(&tenant)
                    .bind(account.to_string())
                    .bind(brand.to_string())
                    .bind(profile.network.as_str())
                    .bind(profile.handle.as_str())
                    .bind(profile.handle.canonical())
                    .bind(tagar_store::now_us())
                    .bind(native_id)
                    .execute(tx.conn())
                    .await
                    .map_err(tagar_store::StoreError::from)?;
                    if done.rows_affected() != 1 {
                        return Err(CommandError::Refused(Refusal::Duplicate(format!(
                            "handle: the brand already has {} on {}",
                            profile.handle, profile.network
                        ))));
                    }
                }
                AccountEvent::NeedsReconnect { reason } => {
                    sqlx::query(
                        "UPDATE scheduling_accounts SET needs_reconnect = $3 WHERE tenant_id = $1 AND account_id = $2",
                    )
                    .bind(&tenant)
                    .bind(&account_id)
                    .bind(reason)
                    .execute(tx.conn())
                    .await
                    .map_err(tagar_store::StoreError::from)?;
                }
                AccountEvent::Reconnected { native_id } => {
                    sqlx::query(
                        "UPDATE scheduling_accounts SET needs_reconnect = '', native_account_id = $3 \
                         WHERE tenant_id = $1 AND account_id = $2",
                    )
                    .bind(&tenant)
                    .bind(&account_id)
                    .bind(native_id)
                    .execute(tx.conn())
                    .await
                    .map_err(tagar_store::StoreError::from)?;
                }
            }
        }
        Ok(())
    }
}
