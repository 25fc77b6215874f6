//! The read-model queries behind the gRPC API; every one filters on the tenant.

use sqlx::Row as _;
use tagar_model::{BrandId, TenantId};
use tagar_store::{Store, StoreError};

use crate::domain::fold::{Counts, Scope};
use crate::domain::trends::{TagCounts, Windows};

/// A brand's minutes with activity in `[from_us, to_us)`, oldest first.
pub async fn brand_minutes(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<(i64, Counts)>, StoreError> {
    let rows = sqlx::query(
        "SELECT minute_us, mentions, flagged, hidden, published, likes, reposts, replies, negative \
         FROM analytics_brand_minutes \
         WHERE tenant_id = $1 AND brand_id = $2 AND minute_us >= $3 AND minute_us < $4 \
         ORDER BY minute_us",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(from_us)
    .bind(to_us)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let counts = Counts {
                mentions: r.try_get(1)?,
                flagged: r.try_get(2)?,
                hidden: r.try_get(3)?,
                published: r.try_get(4)?,
                likes: r.try_get(5)?,
                reposts: r.try_get(6)?,
                replies: r.try_get(7)?,
                negative: r.try_get(8)?,
            };
            Ok((r.try_get(0)?, counts))
        })
        .collect()
}

/// The latest minute, not after `not_after_us`, in which `scope` has hashtag mentions.
pub async fn latest_hashtag_minute(
    store: &Store,
    tenant: TenantId,
    scope: Scope,
    not_after_us: i64,
) -> Result<Option<i64>, StoreError> {
    let latest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(minute_us) FROM analytics_hashtag_minutes \
         WHERE tenant_id = $1 AND scope = $2 AND minute_us <= $3",
    )
    .bind(tenant.to_string())
    .bind(scope.column())
    .bind(not_after_us)
    .fetch_one(store.pool())
    .await?;
    Ok(latest)
}

/// Each tag's mentions in the current window and in the baseline, for tags with at least
/// `min_count` in the current window.
pub async fn hashtag_counts(
    store: &Store,
    tenant: TenantId,
    scope: Scope,
    windows: &Windows,
    min_count: u64,
) -> Result<Vec<TagCounts>, StoreError> {
    let rows = sqlx::query(
        "SELECT hashtag, \
           CAST(SUM(CASE WHEN minute_us >= $4 THEN n ELSE 0 END) AS BIGINT), \
           CAST(SUM(CASE WHEN minute_us < $4 THEN n ELSE 0 END) AS BIGINT) \
         FROM analytics_hashtag_minutes \
         WHERE tenant_id = $1 AND scope = $2 AND minute_us >= $3 AND minute_us < $5 \
         GROUP BY hashtag \
         HAVING SUM(CASE WHEN minute_us >= $4 THEN n ELSE 0 END) >= $6",
    )
    .bind(tenant.to_string())
    .bind(scope.column())
    .bind(windows.baseline_from_us)
    .bind(windows.current_from_us)
    .bind(windows.to_us)
    .bind(i64::try_from(min_count).unwrap_or(i64::MAX))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let current: i64 = r.try_get(1)?;
            let baseline: i64 = r.try_get(2)?;
            Ok(TagCounts {
                hashtag: r.try_get(0)?,
                current: u64::try_from(current).unwrap_or(0),
                baseline_total: u64::try_from(baseline).unwrap_or(0),
            })
        })
        .collect()
}
