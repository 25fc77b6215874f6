//! The chat sessions' read model: which chats a brand has and when, so a list needs no
//! replay and the dispatcher finds the chat a post falls in.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use tagar_kernel::{Change, CommandError, Projection};
use tagar_model::{BrandId, Network, TenantId};
use tagar_store::{Store, StoreError, StoreTx};
use uuid::Uuid;

use super::{corrupt, uuid};
use crate::domain::chat::{ChatSession, ChatStage};
use crate::domain::post::Stage;

/// Writes `scheduling_chats` with every change of a chat.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChatRows;

#[async_trait]
impl Projection<ChatSession> for ChatRows {
    async fn project(
        &self,
        tx: &mut StoreTx,
        change: &Change<'_, ChatSession>,
    ) -> Result<(), CommandError> {
        let view = change.after;
        let chat = &view.state;
        let (Some(brand), Some(setup), Some(when)) = (chat.brand, &chat.setup, &chat.when) else {
            return Ok(());
        };
        let ends_at = match &chat.cancelled {
            Some((_, at)) => (*at).min(when.ends_at()),
            None => when.ends_at(),
        };
        sqlx::query(
            "INSERT INTO scheduling_chats (tenant_id, chat_id, brand_id, account_id, network, hashtag, \
             starts_at_us, ends_at_us, cancelled, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (tenant_id, chat_id) DO UPDATE SET starts_at_us = excluded.starts_at_us, \
             ends_at_us = excluded.ends_at_us, cancelled = excluded.cancelled, version = excluded.version",
        )
        .bind(view.tenant.to_string())
        .bind(view.id.to_string())
        .bind(brand.to_string())
        .bind(setup.account.to_string())
        .bind(setup.network.as_str())
        .bind(&setup.hashtag)
        .bind(when.starts_at.timestamp_micros())
        .bind(ends_at.timestamp_micros())
        .bind(i64::from(chat.stage == ChatStage::Cancelled))
        .bind(view.version as i64)
        .execute(tx.conn())
        .await
        .map_err(StoreError::from)?;
        Ok(())
    }
}

/// The ids of `brand`'s chats, soonest start first.
pub async fn list_chats(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = sqlx::query(
        "SELECT chat_id FROM scheduling_chats WHERE tenant_id = $1 AND brand_id = $2 \
         ORDER BY starts_at_us, chat_id LIMIT 500",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|row| uuid(row, "chat_id")).collect()
}

/// The hashtag of the brand's chat on `network` that `at` falls in (started, not ended or
/// cancelled), if any; the earliest-started when chats overlap.
pub async fn chat_tag_at<'c, E>(
    executor: E,
    tenant: TenantId,
    brand: BrandId,
    network: Network,
    at: DateTime<Utc>,
) -> Result<Option<String>, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT hashtag FROM scheduling_chats WHERE tenant_id = $1 AND brand_id = $2 AND network = $3 \
         AND starts_at_us <= $4 AND ends_at_us > $4 ORDER BY starts_at_us LIMIT 1",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(network.as_str())
    .bind(at.timestamp_micros())
    .fetch_optional(executor)
    .await?;
    row.map(|r| r.try_get("hashtag").map_err(StoreError::from))
        .transpose()
}

/// The state and network id of each of `ids` (the posts a chat planned) the read model has.
pub async fn post_states(
    store: &Store,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (Stage, String)>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT post_id, state, native_id FROM scheduling_posts WHERE tenant_id = $1 AND post_id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(tenant.to_string());
        for id in chunk {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(store.pool()).await? {
            let id = uuid(&row, "post_id")?;
            let state: String = row.try_get("state")?;
            let stage =
                Stage::parse(&state).ok_or_else(|| corrupt("scheduling_posts.state", &state))?;
            out.insert(id, (stage, row.try_get("native_id")?));
        }
    }
    Ok(out)
}
