//! The read side between the gRPC handlers and the store: checks a request against the
//! caller's rights and reads the read models (`crate::wire` shapes the answer).

use chrono::{DateTime, Utc};
use tagar_kernel::{ApiError, ApiResult, Caller};
use tagar_model::{BrandId, TenantId};
use tagar_proto::convert::time_from_wire;
use tagar_proto::v1::{GetBrandActivityRequest, GetTrendsRequest};
use tagar_runtime::auth::Role;
use tagar_store::Store;

use crate::domain::fold::{Counts, Scope};
use crate::domain::trends::{Trend, TrendParams, Windows, rank};
use crate::domain::{MINUTE_US, minute_of};
use crate::store;

/// Who may read analytics.
pub const READERS: [Role; 3] = [Role::Admin, Role::Manager, Role::Analyst];
/// The longest range one activity query may span.
pub const MAX_RANGE_US: i64 = 31 * 24 * 60 * MINUTE_US;
/// The default range when a request names no `from`: the hour before `to`.
pub const DEFAULT_RANGE_US: i64 = 60 * MINUTE_US;
/// Trends listed when a request names no limit, and the most it may ask for.
pub const DEFAULT_TREND_LIMIT: u32 = 10;
/// See [`DEFAULT_TREND_LIMIT`].
pub const MAX_TREND_LIMIT: u32 = 100;

/// A checked activity query.
#[derive(Debug, Clone, Copy)]
pub struct ActivityQuery {
    tenant: TenantId,
    brand: BrandId,
    from_us: i64,
    to_us: i64,
}

impl ActivityQuery {
    /// Checks the caller's brand, and the range (`from` inclusive, `to` exclusive).
    pub fn parse(caller: &Caller, req: &GetBrandActivityRequest) -> ApiResult<Self> {
        if req.brand_id.trim().is_empty() {
            return Err(ApiError::invalid("brand_id", "is required"));
        }
        let brand = caller.brand(&req.brand_id)?;
        let to_us = match &req.to {
            Some(t) => micros(t, "to")?,
            None => tagar_store::now_us(),
        };
        let from_us = match &req.from {
            Some(t) => micros(t, "from")?,
            None => to_us - DEFAULT_RANGE_US,
        };
        if from_us >= to_us {
            return Err(ApiError::invalid("from", "must be before `to`"));
        }
        if to_us - from_us > MAX_RANGE_US {
            return Err(ApiError::invalid("to", "a range may span at most 31 days"));
        }
        Ok(Self {
            tenant: caller.tenant(),
            brand,
            from_us,
            to_us,
        })
    }

    /// The brand.
    pub fn brand(&self) -> BrandId {
        self.brand
    }

    /// The range, `[from, to)` in µs.
    pub fn range(&self) -> (i64, i64) {
        (self.from_us, self.to_us)
    }

    /// The minutes with activity in the range, oldest first.
    pub async fn minutes(&self, store: &Store) -> ApiResult<Vec<(i64, Counts)>> {
        Ok(store::brand_minutes(store, self.tenant, self.brand, self.from_us, self.to_us).await?)
    }
}

/// What makes two trends queries the same question: streams asking it share one feed.
pub type FeedKey = (TenantId, Scope, u32, usize);

/// A checked trends query.
#[derive(Debug, Clone, Copy)]
pub struct TrendsQuery {
    tenant: TenantId,
    scope: Scope,
    params: TrendParams,
    limit: usize,
}

impl TrendsQuery {
    /// Checks the caller's role and brand (the tenant-wide view, an empty `brand_id`, needs a
    /// credential for all brands), the limit and the window.
    pub fn parse(caller: &Caller, req: &GetTrendsRequest) -> ApiResult<Self> {
        let scope = if !req.brand_id.trim().is_empty() {
            Scope::Brand(caller.brand(&req.brand_id)?)
        } else if caller.has_every_brand() {
            Scope::Tenant
        } else {
            return Err(ApiError::PermissionDenied(
                "the tenant-wide view (no brand_id) needs a credential for all brands".into(),
            ));
        };
        let limit = tagar_kernel::request::limit(req.limit, DEFAULT_TREND_LIMIT, MAX_TREND_LIMIT);
        let window = match req.window_minutes {
            0 => TrendParams::DEFAULT_WINDOW_MINUTES,
            n if n > TrendParams::MAX_WINDOW_MINUTES => {
                return Err(ApiError::invalid(
                    "window_minutes",
                    "may be at most 1440 (a day)",
                ));
            }
            n => n,
        };
        Ok(Self {
            tenant: caller.tenant(),
            scope,
            params: TrendParams::with_window(window),
            limit: limit as usize,
        })
    }

    /// The tenant asking.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The question it asks, for sharing one feed between streams.
    pub fn feed_key(&self) -> FeedKey {
        (
            self.tenant,
            self.scope,
            self.params.window_minutes,
            self.limit,
        )
    }

    /// The trends as of the latest minute with hashtag mentions (never later than now, so a
    /// replayed event still shows its trends), and that minute.
    pub async fn trends(&self, store: &Store) -> ApiResult<(Vec<Trend>, i64)> {
        let now_minute = minute_of(tagar_store::now_us());
        let as_of = store::latest_hashtag_minute(store, self.tenant, self.scope, now_minute)
            .await?
            .unwrap_or(now_minute);
        let windows = Windows::ending_at(as_of, &self.params);
        let counts = store::hashtag_counts(
            store,
            self.tenant,
            self.scope,
            &windows,
            self.params.min_count,
        )
        .await?;
        Ok((rank(counts, &self.params, self.limit), as_of))
    }
}

fn micros(t: &prost_types::Timestamp, field: &str) -> ApiResult<i64> {
    let at: DateTime<Utc> = time_from_wire(t, field)?;
    tagar_model::bounds::query_time(at).map_err(|why| ApiError::invalid(field, why))?;
    Ok(at.timestamp_micros())
}
