//! The inbox's read model: one row per item, written by the item's projection; the desk's
//! queries (what is due first, first), and the facts an item is opened with (the author's
//! earlier cases). Every query filters on the tenant.

use async_trait::async_trait;
use prost::Message as _;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tagar_kernel::{Change, CommandError, Projection};
use tagar_model::{BrandId, TenantId};
use tagar_proto::v1::{InboxItemOpened, InboxState};
use tagar_store::{StoreError, StoreTx};

use crate::domain::inbox::{InboxEvent, InboxItem, ItemStatus};

/// An inbox item as the desk shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxRow {
    /// The item's brand.
    pub brand_id: String,
    /// What it was opened with.
    pub opened: InboxItemOpened,
    /// Its state (wire `InboxState`).
    pub state: InboxState,
    /// Who has it (empty: nobody).
    pub assignee: String,
    /// When it was opened, µs.
    pub opened_at_us: i64,
    /// When its first response is due, µs.
    pub due_at_us: i64,
    /// The aggregate's version.
    pub version: u64,
    /// The reply on its way (empty: none).
    pub reply_post_id: String,
    /// The first response: when (µs), by whom, how many seconds after the item came in.
    pub answered: Option<(i64, String, u64)>,
    /// Why the last reply did not go out (empty: it did, or none was asked).
    pub reply_failure: String,
    /// What was done to the author from the item, in order.
    pub author_actions: Vec<tagar_proto::v1::AuthorAction>,
    /// The item's brand is in a crisis: it comes first.
    pub in_crisis: bool,
}

fn state_of(status: ItemStatus) -> InboxState {
    match status {
        ItemStatus::New => InboxState::Unspecified,
        ItemStatus::Open => InboxState::New,
        ItemStatus::Assigned => InboxState::Assigned,
        ItemStatus::Answered => InboxState::Answered,
        ItemStatus::Closed => InboxState::Closed,
    }
}

/// Writes `moderation_inbox` with every change of an item.
#[derive(Debug, Clone, Copy, Default)]
pub struct InboxRows;

#[async_trait]
impl Projection<InboxItem> for InboxRows {
    async fn project(
        &self,
        tx: &mut StoreTx,
        change: &Change<'_, InboxItem>,
    ) -> Result<(), CommandError> {
        let view = change.after;
        let (Some(brand), Some(opened)) = (view.state.brand, &view.state.opened) else {
            return Ok(());
        };
        let due_us = opened
            .due_by
            .as_ref()
            .map_or(0, |t| t.seconds * 1_000_000 + i64::from(t.nanos / 1_000));
        let now = tagar_store::now_us();
        let item = &view.state;
        let answered = item.answered.as_ref();
        sqlx::query(
            "INSERT INTO moderation_inbox (item_id, tenant_id, brand_id, network, native_id, author_id, \
             state, assignee, opened_at_us, due_at_us, opened, version, updated_at_us, reply_post_id, \
             answered_at_us, answered_by, first_response_s, reply_failure, author_actions) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
             ON CONFLICT (item_id) DO UPDATE SET state = excluded.state, assignee = excluded.assignee, \
             version = excluded.version, updated_at_us = excluded.updated_at_us, \
             reply_post_id = excluded.reply_post_id, answered_at_us = excluded.answered_at_us, \
             answered_by = excluded.answered_by, first_response_s = excluded.first_response_s, \
             reply_failure = excluded.reply_failure, author_actions = excluded.author_actions",
        )
        .bind(view.id.to_string())
        .bind(view.tenant.to_string())
        .bind(brand.to_string())
        .bind(i64::from(opened.network))
        .bind(&opened.native_id)
        .bind(&opened.author_id)
        .bind(state_of(view.state.status) as i64)
        .bind(view.state.assignee.clone().unwrap_or_default())
        .bind(now)
        .bind(due_us)
        .bind(opened.encode_to_vec())
        .bind(view.version as i64)
        .bind(now)
        .bind(
            item.pending_reply
                .as_ref()
                .map(|p| p.reply_post_id.clone())
                .unwrap_or_default(),
        )
        .bind(answered.and_then(|a| a.answered_at.as_ref()).map(|t| {
            t.seconds * 1_000_000 + i64::from(t.nanos / 1_000)
        }))
        .bind(answered.map(|a| a.by.clone()).unwrap_or_default())
        .bind(answered.map_or(0, |a| a.first_response_seconds as i64))
        .bind(item.reply_failure.clone().unwrap_or_default())
        .bind(
            item.author_actions
                .iter()
                .map(|a| (*a as i32).to_string())
                .collect::<Vec<_>>()
                .join(","),
        )
        .execute(tx.conn())
        .await
        .map_err(StoreError::from)?;
        // A block from the desk hides the author's next posts, as a moderator's does.
        for event in change.events {
            if let InboxEvent::AuthorActioned(e) = event
                && e.action() == tagar_proto::v1::AuthorAction::Block
            {
                let brand = brand.to_string();
                let item_id = view.id.to_string();
                super::block_author(
                    tx.conn(),
                    view.tenant,
                    &brand,
                    e.network,
                    &e.author_id,
                    &item_id,
                )
                .await?;
            }
        }
        Ok(())
    }
}

const COLUMNS: &str = "brand_id, state, assignee, opened_at_us, due_at_us, opened, version, \
                       reply_post_id, answered_at_us, answered_by, first_response_s, reply_failure, \
                       author_actions, EXISTS (SELECT 1 FROM moderation_crises c \
                       WHERE c.tenant_id = moderation_inbox.tenant_id AND c.brand_id = moderation_inbox.brand_id) \
                       AS in_crisis";

fn inbox_row(r: &AnyRow) -> Result<InboxRow, StoreError> {
    let bytes: Vec<u8> = r.try_get("opened")?;
    let opened = InboxItemOpened::decode(bytes.as_slice()).map_err(|e| StoreError::Corrupt {
        field: "moderation_inbox.opened",
        reason: e.to_string(),
    })?;
    Ok(InboxRow {
        brand_id: r.try_get("brand_id")?,
        opened,
        state: InboxState::try_from(r.try_get::<i64, _>("state")? as i32)
            .unwrap_or(InboxState::Unspecified),
        assignee: r.try_get("assignee")?,
        opened_at_us: r.try_get("opened_at_us")?,
        due_at_us: r.try_get("due_at_us")?,
        version: r.try_get::<i64, _>("version")? as u64,
        reply_post_id: r.try_get("reply_post_id")?,
        answered: match r.try_get::<Option<i64>, _>("answered_at_us")? {
            None => None,
            Some(at) => Some((
                at,
                r.try_get("answered_by")?,
                r.try_get::<i64, _>("first_response_s")?.max(0) as u64,
            )),
        },
        reply_failure: r.try_get("reply_failure")?,
        author_actions: r
            .try_get::<String, _>("author_actions")?
            .split(',')
            .filter_map(|a| a.parse::<i32>().ok())
            .filter_map(|a| tagar_proto::v1::AuthorAction::try_from(a).ok())
            .collect(),
        in_crisis: r
            .try_get::<bool, _>("in_crisis")
            .or_else(|_| r.try_get::<i64, _>("in_crisis").map(|n| n != 0))?,
    })
}

/// The tenant's item whose reply is the scheduled post `reply_post_id`: (item id, brand).
pub async fn item_of_reply(
    conn: &mut AnyConnection,
    tenant: TenantId,
    reply_post_id: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT item_id, brand_id FROM moderation_inbox WHERE tenant_id = $1 AND reply_post_id = $2",
    )
    .bind(tenant.to_string())
    .bind(reply_post_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// What the desk lists.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    /// One brand, or every brand (the caller filters by scope).
    pub brand: Option<BrandId>,
    /// The states listed.
    pub states: Vec<InboxState>,
    /// Only this person's.
    pub assignee: Option<String>,
    /// Items opened after this time (µs), for a watch, oldest first; 0: every item, what is
    /// due first first.
    pub opened_after_us: i64,
    /// At most this many.
    pub limit: u32,
}

/// The tenant's items by `filter`.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    filter: &InboxFilter,
) -> Result<Vec<InboxRow>, StoreError> {
    let mut sql = format!(
        "SELECT {COLUMNS} FROM moderation_inbox WHERE tenant_id = $1 AND opened_at_us > $2"
    );
    let mut n = 2;
    let mut next = || {
        n += 1;
        n
    };
    if filter.brand.is_some() {
        sql.push_str(&format!(" AND brand_id = ${}", next()));
    }
    if filter.assignee.is_some() {
        sql.push_str(&format!(" AND assignee = ${}", next()));
    }
    let states: Vec<String> = filter
        .states
        .iter()
        .map(|s| (*s as i32).to_string())
        .collect();
    if !states.is_empty() {
        // Integers of an enum, not the caller's text: safe to inline.
        sql.push_str(&format!(" AND state IN ({})", states.join(", ")));
    }
    // A watch streams in arrival order; a listing puts the brands in a crisis first, then
    // what is due first.
    let order = if filter.opened_after_us > 0 {
        "opened_at_us, item_id"
    } else {
        "in_crisis DESC, due_at_us, item_id"
    };
    sql.push_str(&format!(" ORDER BY {order} LIMIT ${}", next()));
    let mut query = sqlx::query(&sql)
        .bind(tenant.to_string())
        .bind(filter.opened_after_us);
    if let Some(brand) = filter.brand {
        query = query.bind(brand.to_string());
    }
    if let Some(assignee) = &filter.assignee {
        query = query.bind(assignee.clone());
    }
    let rows = query.bind(i64::from(filter.limit)).fetch_all(conn).await?;
    rows.iter().map(inbox_row).collect()
}

/// Whether the brand's inbox has an item for this post already.
pub async fn has_item_for_post(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    (network, native_id): (i32, &str),
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM moderation_inbox WHERE tenant_id = $1 AND brand_id = $2 \
         AND network = $3 AND native_id = $4",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(i64::from(network))
    .bind(native_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// How many review cases the author had with the brand before.
pub async fn earlier_cases(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    (network, author_id): (i32, &str),
) -> Result<u32, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM moderation_cases WHERE tenant_id = $1 AND brand_id = $2 \
         AND network = $3 AND author_id = $4",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(i64::from(network))
    .bind(author_id)
    .fetch_one(conn)
    .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Remembers a brand's account as scheduling connected it.
pub async fn remember_account(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    (account_id, network, handle): (&str, i32, &str),
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO moderation_accounts (tenant_id, account_id, brand_id, network, handle) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, account_id) DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(account_id)
    .bind(brand.to_string())
    .bind(i64::from(network))
    .bind(handle)
    .execute(conn)
    .await?;
    Ok(())
}

/// The network of `brand`'s account `account_id`, if the brand has it.
pub async fn account_network(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    account_id: &str,
) -> Result<Option<i32>, StoreError> {
    let network: Option<i64> = sqlx::query_scalar(
        "SELECT network FROM moderation_accounts WHERE tenant_id = $1 AND brand_id = $2 AND account_id = $3",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(account_id)
    .fetch_optional(conn)
    .await?;
    Ok(network.map(|n| n as i32))
}

/// The brand is in crisis `crisis_id` (kept once; a later crisis replaces an ended one).
pub async fn crisis_began(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    crisis_id: &str,
    since_us: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO moderation_crises (tenant_id, brand_id, crisis_id, since_us) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, brand_id) DO UPDATE SET crisis_id = excluded.crisis_id, since_us = excluded.since_us",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(crisis_id)
    .bind(since_us)
    .execute(conn)
    .await?;
    Ok(())
}

/// The brand's crisis `crisis_id` ended (its queue was resumed).
pub async fn crisis_ended(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    crisis_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM moderation_crises WHERE tenant_id = $1 AND brand_id = $2 AND crisis_id = $3",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(crisis_id)
    .execute(conn)
    .await?;
    Ok(())
}
