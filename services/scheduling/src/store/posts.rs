//! The post read model, and claiming due posts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use tagar_kernel::{Change, CommandError, Loaded, Projection};
use tagar_model::{AccountId, BrandId, Media, PostMetrics, TenantId};
use tagar_store::{Dialect, Store, StoreError, StoreTx};

use ::uuid::Uuid;

use super::{Due, corrupt, uuid};
use crate::domain::post::{ScheduledPost, Slot, Stage};

/// Writes `scheduling_posts` with every change of a post. The repository runs it before the
/// append, so the row lock comes before the store's append lock in every transaction that
/// touches a post (the dispatcher's too): no lock-order deadlock.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostRows;

#[async_trait]
impl Projection<ScheduledPost> for PostRows {
    async fn project(
        &self,
        tx: &mut StoreTx,
        change: &Change<'_, ScheduledPost>,
    ) -> Result<(), CommandError> {
        save_post(tx, change.after).await?;
        Ok(())
    }
}

/// Writes the post's row at its version.
async fn save_post(tx: &mut StoreTx, view: &Loaded<ScheduledPost>) -> Result<(), StoreError> {
    let post = &view.state;
    let media =
        serde_json::to_string(&post.media).map_err(|e| corrupt("scheduling_posts.media", e))?;
    let slot = post.slot.as_ref();
    let metrics = post.counts.map(|(m, _)| m).unwrap_or_default();
    // Counts are bounded at 10^12 where they come in; a column holds an i64.
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO scheduling_posts (tenant_id, post_id, brand_id, account_id, text, media, state, publish_at_us, \
         local_time, time_zone, native_id, reason, version, updated_at_us, due_at_us, attempts, \
         count_at_us, counted_at_us, likes, reposts, replies, quotes, views, statement_of, reply_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) \
         ON CONFLICT (tenant_id, post_id) DO UPDATE SET state = excluded.state, publish_at_us = excluded.publish_at_us, \
         due_at_us = excluded.due_at_us, attempts = excluded.attempts, \
         count_at_us = excluded.count_at_us, counted_at_us = excluded.counted_at_us, likes = excluded.likes, \
         reposts = excluded.reposts, replies = excluded.replies, quotes = excluded.quotes, views = excluded.views, \
         local_time = excluded.local_time, time_zone = excluded.time_zone, native_id = excluded.native_id, \
         reason = excluded.reason, version = excluded.version, updated_at_us = excluded.updated_at_us, \
         statement_of = excluded.statement_of",
    )
    .bind(view.tenant.to_string())
    .bind(view.id.to_string())
    .bind(post.brand.map(|b| b.to_string()).unwrap_or_default())
    .bind(post.account.map(|a| a.to_string()).unwrap_or_default())
    .bind(&post.text)
    .bind(media)
    .bind(post.stage.as_str())
    .bind(slot.map(|s| s.publish_at.timestamp_micros()))
    .bind(slot.map(|s| s.local_time.clone()).unwrap_or_default())
    .bind(slot.map(|s| s.time_zone.clone()).unwrap_or_default())
    .bind(&post.native_id)
    .bind(&post.reason)
    .bind(view.version as i64)
    .bind(tagar_store::now_us())
    .bind(post.due_at.map(|at| at.timestamp_micros()))
    .bind(i64::from(post.attempts))
    .bind(post.count_at.map(|at| at.timestamp_micros()))
    .bind(post.counts.map(|(_, at)| at.timestamp_micros()))
    .bind(count(metrics.likes))
    .bind(count(metrics.reposts))
    .bind(count(metrics.replies))
    .bind(count(metrics.quotes))
    .bind(count(metrics.views))
    .bind(post.statement_of.as_deref().unwrap_or_default())
    .bind(post.reply_to.as_ref().map_or("", |(id, _)| id.as_str()))
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn time(us: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| corrupt("scheduling_posts.publish_at_us", us))
}

fn post_row(tenant: TenantId, row: &AnyRow) -> Result<Loaded<ScheduledPost>, StoreError> {
    let state: String = row.try_get("state")?;
    let media: String = row.try_get("media")?;
    let media: Vec<Media> =
        serde_json::from_str(&media).map_err(|e| corrupt("scheduling_posts.media", e))?;
    let publish_at: Option<i64> = row.try_get("publish_at_us")?;
    let slot = match publish_at {
        Some(us) => Some(Slot {
            publish_at: time(us)?,
            local_time: row.try_get("local_time")?,
            time_zone: row.try_get("time_zone")?,
        }),
        None => None,
    };
    let post = ScheduledPost {
        stage: Stage::parse(&state).ok_or_else(|| corrupt("scheduling_posts.state", &state))?,
        brand: Some(BrandId::from_uuid(uuid(row, "brand_id")?)),
        account: Some(AccountId::from_uuid(uuid(row, "account_id")?)),
        text: row.try_get("text")?,
        media,
        slot,
        native_id: row.try_get("native_id")?,
        reason: row.try_get("reason")?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        counts: counts_row(row)?,
        statement_of: Some(row.try_get::<String, _>("statement_of")?).filter(|s| !s.is_empty()),
        ..ScheduledPost::default()
    };
    Ok(Loaded {
        tenant,
        id: uuid(row, "post_id")?,
        state: post,
        version: row.try_get::<i64, _>("version")? as u64,
    })
}

/// The counts a row holds, if they were read.
fn counts_row(row: &AnyRow) -> Result<Option<(PostMetrics, DateTime<Utc>)>, StoreError> {
    let Some(at) = row.try_get::<Option<i64>, _>("counted_at_us")? else {
        return Ok(None);
    };
    let count = |column: &str| -> Result<u64, StoreError> {
        Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0))
    };
    let metrics = PostMetrics {
        likes: count("likes")?,
        reposts: count("reposts")?,
        replies: count("replies")?,
        quotes: count("quotes")?,
        views: count("views")?,
    };
    let at = DateTime::from_timestamp_micros(at)
        .ok_or_else(|| corrupt("scheduling_posts.counted_at_us", at))?;
    Ok(Some((metrics, at)))
}

/// `(tenant_id, post_id, version)` rows as due posts.
fn due_rows(rows: &[AnyRow]) -> Result<Vec<Due>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok(Due {
                tenant: TenantId::from_uuid(uuid(row, "tenant_id")?),
                post_id: uuid(row, "post_id")?,
                version: row.try_get::<i64, _>("version")? as u64,
            })
        })
        .collect()
}

/// Up to `limit` published posts whose counts are due at `now`, the longest due first.
pub async fn counts_due(
    store: &Store,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Due>, StoreError> {
    let rows = sqlx::query(
        "SELECT tenant_id, post_id, version FROM scheduling_posts WHERE count_at_us <= $1 \
         ORDER BY count_at_us LIMIT $2",
    )
    .bind(now.timestamp_micros())
    .bind(i64::from(limit))
    .fetch_all(store.pool())
    .await?;
    due_rows(&rows)
}

/// A brand's posts, optionally only those in `stage`, by time then creation.
pub async fn list_posts(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    stage: Option<Stage>,
) -> Result<Vec<Loaded<ScheduledPost>>, StoreError> {
    let mut sql = String::from(
        "SELECT post_id, brand_id, account_id, text, media, state, publish_at_us, local_time, time_zone, native_id, \
         reason, version, attempts, counted_at_us, likes, reposts, replies, quotes, views, statement_of \
         FROM scheduling_posts WHERE tenant_id = $1 AND brand_id = $2",
    );
    if stage.is_some() {
        sql.push_str(" AND state = $3");
    }
    sql.push_str(" ORDER BY post_id");
    let mut query = sqlx::query(&sql)
        .bind(tenant.to_string())
        .bind(brand.to_string());
    if let Some(stage) = stage {
        query = query.bind(stage.as_str());
    }
    let rows = query.fetch_all(store.pool()).await?;
    rows.iter().map(|row| post_row(tenant, row)).collect()
}

/// Whether any scheduled post is due at `now`: a cheap read outside any transaction, so an
/// idle dispatcher never takes SQLite's write lock.
pub async fn any_due(store: &Store, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT post_id FROM scheduling_posts WHERE state IN ($1, $2) AND due_at_us <= $3 AND {NOT_HELD} LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(Stage::Scheduled.as_str())
        .bind(Stage::Publishing.as_str())
        .bind(now.timestamp_micros())
        .fetch_optional(store.pool())
        .await?;
    Ok(row.is_some())
}

/// Posts are held while their brand's queue is paused, except crisis statements and
/// replies (people are answered during a crisis).
const NOT_HELD: &str = "(statement_of <> '' OR reply_to <> '' OR NOT EXISTS (SELECT 1 FROM scheduling_brands b \
    WHERE b.tenant_id = scheduling_posts.tenant_id AND b.brand_id = scheduling_posts.brand_id \
    AND b.paused_at_us IS NOT NULL))";

/// Claims up to `limit` scheduled posts due at `now` (not held by a paused queue), for the
/// rest of `tx`.
///
/// PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent dispatchers (other replicas) take
/// disjoint rows and never wait on each other. SQLite: the transaction first writes the
/// dispatch lock row, which makes it the database's one writer until it ends, so dispatchers
/// take turns.
pub async fn claim_due(
    tx: &mut StoreTx,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Due>, StoreError> {
    let lock = match tx.dialect() {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => {
            sqlx::query("UPDATE scheduling_dispatch_lock SET rounds = rounds + 1 WHERE id = 1")
                .execute(tx.conn())
                .await?;
            ""
        }
    };
    let sql = format!(
        "SELECT tenant_id, post_id, version FROM scheduling_posts WHERE state IN ($1, $2) AND due_at_us <= $3 \
         AND {NOT_HELD} ORDER BY due_at_us LIMIT $4{lock}"
    );
    let rows = sqlx::query(&sql)
        .bind(Stage::Scheduled.as_str())
        .bind(Stage::Publishing.as_str())
        .bind(now.timestamp_micros())
        .bind(i64::from(limit))
        .fetch_all(tx.conn())
        .await?;
    due_rows(&rows)
}

/// How many of `account`'s posts (other than `except`) are scheduled, being published or
/// published with a time in `(after, until]`: what a network's per-account limit counts.
pub async fn posts_of_account_between(
    store: &Store,
    tenant: TenantId,
    account: AccountId,
    except: Uuid,
    (after, until): (DateTime<Utc>, DateTime<Utc>),
) -> Result<u64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM scheduling_posts WHERE tenant_id = $1 AND account_id = $2 AND post_id <> $3 \
         AND state IN ($4, $5, $6) AND publish_at_us > $7 AND publish_at_us <= $8",
    )
    .bind(tenant.to_string())
    .bind(account.to_string())
    .bind(except.to_string())
    .bind(Stage::Scheduled.as_str())
    .bind(Stage::Publishing.as_str())
    .bind(Stage::Published.as_str())
    .bind(after.timestamp_micros())
    .bind(until.timestamp_micros())
    .fetch_one(store.pool())
    .await?;
    Ok(row.try_get::<i64, _>("n")? as u64)
}

/// The posts of `brand` its paused queue holds at `now` (due, not a statement), oldest due
/// first.
pub async fn held_posts(
    conn: &mut sqlx::AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = sqlx::query(
        "SELECT post_id FROM scheduling_posts WHERE tenant_id = $1 AND brand_id = $2 \
         AND state IN ($3, $4) AND due_at_us <= $5 AND statement_of = '' AND reply_to = '' \
         ORDER BY due_at_us, post_id",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(Stage::Scheduled.as_str())
    .bind(Stage::Publishing.as_str())
    .bind(now.timestamp_micros())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| uuid(r, "post_id")).collect()
}
