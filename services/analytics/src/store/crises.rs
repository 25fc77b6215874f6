//! Crises' SQL: the crisis rows (the `crisis` aggregate's projection), the negative posts
//! kept as evidence, the timeline steps folded from scheduling's events, the thresholds, and
//! the detector's queries. Every query is tenant-scoped.

use async_trait::async_trait;
use prost::Message as _;
use sqlx::{AnyConnection, Row as _};
use tagar_kernel::{Change, CommandError, Projection, Refusal};
use tagar_model::{BrandId, TenantId};
use tagar_proto::v1;
use tagar_store::{BulkInsert, Dialect, Store, StoreError};

use crate::domain::MINUTE_US;
use crate::domain::crisis::facts::{CrisisFact, NegativePostFact};
use crate::domain::crisis::{Crisis, CrisisEvent, Thresholds};
use crate::wire::crisis::{CrisisRow, detected, step_at};

/// Writes a crisis's row and its first step; a brand with an open crisis refuses a second.
#[derive(Debug, Clone, Copy, Default)]
pub struct CrisisRows;

#[async_trait]
impl Projection<Crisis> for CrisisRows {
    async fn project(
        &self,
        tx: &mut tagar_store::StoreTx,
        change: &Change<'_, Crisis>,
    ) -> Result<(), CommandError> {
        let tenant = change.after.tenant.to_string();
        let crisis_id = change.after.id.to_string();
        for event in change.events {
            let CrisisEvent::Detected(d) = event;
            let done = sqlx::query(
                "INSERT INTO analytics_crises (tenant_id, crisis_id, brand_id, detected_at_us, detected) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(&tenant)
            .bind(&crisis_id)
            .bind(d.brand.to_string())
            .bind(d.detected_at.timestamp_micros())
            .bind(detected(d).encode_to_vec())
            .execute(tx.conn())
            .await
            .map_err(StoreError::from)?;
            if done.rows_affected() != 1 {
                return Err(CommandError::Refused(Refusal::Duplicate(
                    "the brand has an open crisis already".to_owned(),
                )));
            }
            insert_step(
                tx.conn(),
                &tenant,
                &crisis_id,
                ("detected", ""),
                d.detected_at.timestamp_micros(),
                "analytics",
                &d.reason,
            )
            .await?;
        }
        Ok(())
    }
}

async fn insert_step(
    conn: &mut AnyConnection,
    tenant: &str,
    crisis_id: &str,
    (step, post_id): (&str, &str),
    at_us: i64,
    by: &str,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO analytics_crisis_steps (tenant_id, crisis_id, step, post_id, at_us, by_whom, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(crisis_id)
    .bind(step)
    .bind(post_id)
    .bind(at_us)
    .bind(by)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps a batch's negative posts.
pub async fn write_negative_posts(
    conn: &mut AnyConnection,
    dialect: Dialect,
    posts: &[&NegativePostFact],
) -> Result<(), StoreError> {
    let insert = BulkInsert::new(
        dialect,
        "INSERT INTO analytics_negative_posts (tenant_id, brand_id, network, native_id, author_id, \
         text, abuse_score, at_us)",
        8,
    )
    .tail(&[" ON CONFLICT (tenant_id, brand_id, network, native_id) DO NOTHING"]);
    for chunk in posts.chunks(insert.rows_per_statement()) {
        let sql = insert.sql(chunk.len());
        let mut query = sqlx::query(&sql);
        for p in chunk {
            query = query
                .bind(p.tenant.to_string())
                .bind(p.brand.to_string())
                .bind(p.network.as_str())
                .bind(p.native_id.as_str())
                .bind(p.author_id.as_str())
                .bind(p.text.as_str())
                .bind(f64::from(p.abuse_score))
                .bind(p.at_us);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records a step scheduling took: the pause, the statement (planned, then published: a
/// published post is a statement when one was planned with its id), the resume (which
/// closes the crisis).
pub async fn write_step(conn: &mut AnyConnection, fact: &CrisisFact) -> Result<(), StoreError> {
    match fact {
        CrisisFact::Paused {
            tenant,
            crisis_id,
            at_us,
            by,
            reason,
        } => {
            let t = tenant.to_string();
            insert_step(conn, &t, crisis_id, ("paused", ""), *at_us, by, reason).await
        }
        CrisisFact::Resumed {
            tenant,
            crisis_id,
            at_us,
            by,
            detail,
        } => {
            let t = tenant.to_string();
            insert_step(
                &mut *conn,
                &t,
                crisis_id,
                ("resumed", ""),
                *at_us,
                by,
                detail,
            )
            .await?;
            sqlx::query(
                "UPDATE analytics_crises SET closed_at_us = $3 \
                 WHERE tenant_id = $1 AND crisis_id = $2 AND closed_at_us IS NULL",
            )
            .bind(&t)
            .bind(crisis_id)
            .bind(at_us)
            .execute(conn)
            .await?;
            Ok(())
        }
        CrisisFact::StatementPlanned {
            tenant,
            crisis_id,
            post_id,
            at_us,
        } => {
            let t = tenant.to_string();
            let step = ("statement_planned", post_id.as_str());
            insert_step(conn, &t, crisis_id, step, *at_us, "", "").await
        }
        CrisisFact::Published {
            tenant,
            post_id,
            native_id,
            at_us,
        } => {
            sqlx::query(
                "INSERT INTO analytics_crisis_steps (tenant_id, crisis_id, step, post_id, at_us, by_whom, detail) \
                 SELECT tenant_id, crisis_id, 'statement_published', post_id, $3, '', $4 \
                 FROM analytics_crisis_steps WHERE tenant_id = $1 AND post_id = $2 AND step = 'statement_planned' \
                 ON CONFLICT DO NOTHING",
            )
            .bind(tenant.to_string())
            .bind(post_id)
            .bind(at_us)
            .bind(native_id)
            .execute(conn)
            .await?;
            Ok(())
        }
    }
}

/// A brand's thresholds and who set them (`None`: the defaults).
pub async fn thresholds(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
) -> Result<(Thresholds, Option<(String, i64)>), StoreError> {
    let row = sqlx::query(
        "SELECT window_minutes, min_negatives, negative_factor, min_negative_share, min_mentions, \
         volume_factor, updated_by, updated_at_us FROM analytics_crisis_thresholds \
         WHERE tenant_id = $1 AND brand_id = $2",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .fetch_optional(store.pool())
    .await?;
    let Some(r) = row else {
        return Ok((Thresholds::default(), None));
    };
    let t = Thresholds {
        window_minutes: r.try_get::<i64, _>(0)?.clamp(1, 60) as u32,
        min_negatives: r.try_get::<i64, _>(1)?.max(1) as u64,
        negative_factor: r.try_get(2)?,
        min_negative_share: r.try_get(3)?,
        min_mentions: r.try_get::<i64, _>(4)?.max(1) as u64,
        volume_factor: r.try_get(5)?,
    };
    Ok((t, Some((r.try_get(6)?, r.try_get(7)?))))
}

/// Sets a brand's thresholds.
pub async fn set_thresholds(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    t: &Thresholds,
    by: &str,
    at_us: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO analytics_crisis_thresholds (tenant_id, brand_id, window_minutes, min_negatives, \
         negative_factor, min_negative_share, min_mentions, volume_factor, updated_by, updated_at_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, brand_id) DO UPDATE SET \
         window_minutes = excluded.window_minutes, min_negatives = excluded.min_negatives, \
         negative_factor = excluded.negative_factor, min_negative_share = excluded.min_negative_share, \
         min_mentions = excluded.min_mentions, volume_factor = excluded.volume_factor, \
         updated_by = excluded.updated_by, updated_at_us = excluded.updated_at_us",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(i64::from(t.window_minutes))
    .bind(t.min_negatives as i64)
    .bind(t.negative_factor)
    .bind(t.min_negative_share)
    .bind(t.min_mentions as i64)
    .bind(t.volume_factor)
    .bind(by)
    .bind(at_us)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Crises of the tenant (of `brands`, if given), latest first, each with its timeline.
pub async fn crises(
    store: &Store,
    tenant: TenantId,
    brand: Option<BrandId>,
    open_only: bool,
    limit: u32,
) -> Result<Vec<CrisisRow>, StoreError> {
    let mut sql = String::from(
        "SELECT crisis_id, brand_id, detected_at_us, detected, closed_at_us FROM analytics_crises \
         WHERE tenant_id = $1",
    );
    if brand.is_some() {
        sql.push_str(" AND brand_id = $3");
    }
    if open_only {
        sql.push_str(" AND closed_at_us IS NULL");
    }
    sql.push_str(" ORDER BY detected_at_us DESC LIMIT $2");
    let mut query = sqlx::query(&sql)
        .bind(tenant.to_string())
        .bind(i64::from(limit));
    if let Some(brand) = brand {
        query = query.bind(brand.to_string());
    }
    let rows = query.fetch_all(store.pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let bytes: Vec<u8> = r.try_get(3)?;
        let detected =
            v1::CrisisDetected::decode(bytes.as_slice()).map_err(|e| StoreError::Corrupt {
                field: "analytics_crises.detected",
                reason: e.to_string(),
            })?;
        let crisis_id: String = r.try_get(0)?;
        out.push(CrisisRow {
            steps: steps(store, tenant, &crisis_id).await?,
            crisis_id,
            brand_id: r.try_get(1)?,
            detected,
            detected_at_us: r.try_get(2)?,
            closed_at_us: r.try_get(4)?,
        });
    }
    Ok(out)
}

/// One crisis of the tenant.
pub async fn crisis(
    store: &Store,
    tenant: TenantId,
    crisis_id: &str,
) -> Result<Option<CrisisRow>, StoreError> {
    let brand: Option<String> = sqlx::query_scalar(
        "SELECT brand_id FROM analytics_crises WHERE tenant_id = $1 AND crisis_id = $2",
    )
    .bind(tenant.to_string())
    .bind(crisis_id)
    .fetch_optional(store.pool())
    .await?;
    let Some(brand) = brand.and_then(|b| BrandId::parse(&b).ok()) else {
        return Ok(None);
    };
    Ok(crises(store, tenant, Some(brand), false, 10_000)
        .await?
        .into_iter()
        .find(|c| c.crisis_id == crisis_id))
}

async fn steps(
    store: &Store,
    tenant: TenantId,
    crisis_id: &str,
) -> Result<Vec<v1::CrisisStep>, StoreError> {
    let rows = sqlx::query(
        "SELECT step, at_us, by_whom, detail, post_id FROM analytics_crisis_steps \
         WHERE tenant_id = $1 AND crisis_id = $2 ORDER BY at_us, step",
    )
    .bind(tenant.to_string())
    .bind(crisis_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(v1::CrisisStep {
                step: r.try_get(0)?,
                at: step_at(r.try_get(1)?),
                by: r.try_get(2)?,
                detail: r.try_get(3)?,
                post_id: r.try_get(4)?,
            })
        })
        .collect()
}

/// What the detector needs of one brand's recent minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecentMinutes {
    /// The tenant.
    pub tenant: TenantId,
    /// The brand.
    pub brand: BrandId,
    /// (minute start µs, negatives, mentions), oldest first.
    pub minutes: Vec<(i64, u64, u64)>,
}

/// Every brand with mentions or negative posts since `since_us`, without an open crisis.
pub async fn recent_minutes(
    store: &Store,
    since_us: i64,
) -> Result<Vec<RecentMinutes>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.tenant_id, m.brand_id, m.minute_us, m.negative, m.mentions FROM analytics_brand_minutes m \
         WHERE m.minute_us >= $1 AND (m.negative > 0 OR m.mentions > 0) AND NOT EXISTS \
         (SELECT 1 FROM analytics_crises c WHERE c.tenant_id = m.tenant_id AND c.brand_id = m.brand_id \
          AND c.closed_at_us IS NULL) ORDER BY m.tenant_id, m.brand_id, m.minute_us",
    )
    .bind(since_us)
    .fetch_all(store.pool())
    .await?;
    let mut out: Vec<RecentMinutes> = Vec::new();
    for r in &rows {
        let (tenant, brand): (String, String) = (r.try_get(0)?, r.try_get(1)?);
        let (Ok(tenant), Ok(brand)) = (TenantId::parse(&tenant), BrandId::parse(&brand)) else {
            continue;
        };
        let minute = (
            r.try_get(2)?,
            r.try_get::<i64, _>(3)?.max(0) as u64,
            r.try_get::<i64, _>(4)?.max(0) as u64,
        );
        match out.last_mut() {
            Some(last) if last.tenant == tenant && last.brand == brand => last.minutes.push(minute),
            _ => out.push(RecentMinutes {
                tenant,
                brand,
                minutes: vec![minute],
            }),
        }
    }
    Ok(out)
}

/// The brand's negatives and mentions in `[from_us, to_us)`, and the minutes of history
/// they cover (from its first minute with activity in the range).
pub async fn totals_before(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    (from_us, to_us): (i64, i64),
) -> Result<(u64, u64, u64), StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(negative), 0) AS BIGINT), CAST(COALESCE(SUM(mentions), 0) AS BIGINT), \
         MIN(minute_us) FROM analytics_brand_minutes \
         WHERE tenant_id = $1 AND brand_id = $2 AND minute_us >= $3 AND minute_us < $4",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(from_us)
    .bind(to_us)
    .fetch_one(store.pool())
    .await?;
    let first: Option<i64> = row.try_get(2)?;
    let minutes = first.map_or(0, |f| ((to_us - f) / MINUTE_US).max(0) as u64);
    Ok((
        row.try_get::<i64, _>(0)?.max(0) as u64,
        row.try_get::<i64, _>(1)?.max(0) as u64,
        minutes,
    ))
}

/// Whether one of the brand's hashtag chats is live at `at_us`.
pub async fn chat_live(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    at_us: i64,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM analytics_chats WHERE tenant_id = $1 AND brand_id = $2 \
         AND cancelled = 0 AND starts_at_us <= $3 AND ends_at_us > $3",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(at_us)
    .fetch_one(store.pool())
    .await?;
    Ok(n > 0)
}

/// The brand's negative posts in `[from_us, to_us)`, most abusive (then latest) first, at
/// most `limit`: (network, native id, author, text, abuse score, at µs).
pub async fn negative_posts(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    (from_us, to_us): (i64, i64),
    limit: i64,
) -> Result<Vec<(String, String, String, String, f64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT network, native_id, author_id, text, abuse_score, at_us FROM analytics_negative_posts \
         WHERE tenant_id = $1 AND brand_id = $2 AND at_us >= $3 AND at_us < $4 \
         ORDER BY abuse_score DESC, at_us DESC LIMIT $5",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(from_us)
    .bind(to_us)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
                r.try_get(5)?,
            ))
        })
        .collect()
}

/// When the brand's latest crisis was closed (its queue resumed), µs.
pub async fn last_closed(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
) -> Result<Option<i64>, StoreError> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(closed_at_us) FROM analytics_crises WHERE tenant_id = $1 AND brand_id = $2",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .fetch_one(store.pool())
    .await?;
    Ok(at)
}
