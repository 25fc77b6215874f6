//! The read side between the gRPC handlers and the store: checks a request against the
//! caller's rights, reads the read models, and shapes the answer.

use chrono::{DateTime, Utc};
use tagar_model::{BrandId, TenantId};
use tagar_proto::convert::{time_from_wire, time_to_wire};
use tagar_proto::v1::{
    GetBrandActivityRequest, GetBrandActivityResponse, GetTrendsRequest, GetTrendsResponse,
    MinuteActivity, Trend as WireTrend,
};
use tagar_runtime::auth::{BrandScope, Principal, Role};
use tagar_store::{Store, StoreError};
use tonic::Status;

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
    /// Checks the caller's role and brand, and the range (`from` inclusive, `to` exclusive).
    pub fn parse(principal: &Principal, req: &GetBrandActivityRequest) -> Result<Self, Status> {
        principal.require_role(&READERS)?;
        let brand = parse_brand(&req.brand_id)?
            .ok_or_else(|| Status::invalid_argument("brand_id: is required"))?;
        principal.require_brand(*brand.as_uuid())?;
        let to_us = match &req.to {
            Some(t) => micros(t, "to")?,
            None => tagar_store::now_us(),
        };
        let from_us = match &req.from {
            Some(t) => micros(t, "from")?,
            None => to_us - DEFAULT_RANGE_US,
        };
        if from_us >= to_us {
            return Err(Status::invalid_argument("from: must be before `to`"));
        }
        if to_us - from_us > MAX_RANGE_US {
            return Err(Status::invalid_argument(
                "to: a range may span at most 31 days",
            ));
        }
        Ok(Self {
            tenant: TenantId::from_uuid(principal.tenant),
            brand,
            from_us,
            to_us,
        })
    }

    /// The minutes with activity in the range, oldest first.
    pub async fn minutes(&self, store: &Store) -> Result<Vec<(i64, Counts)>, Status> {
        store::brand_minutes(store, self.tenant, self.brand, self.from_us, self.to_us)
            .await
            .map_err(internal)
    }
}

/// The activity answer: every minute with activity, the totals and the flagged share.
pub fn activity_response(minutes: &[(i64, Counts)]) -> GetBrandActivityResponse {
    let mut total = Counts::default();
    for (_, c) in minutes {
        total += *c;
    }
    let flagged_share = if total.mentions > 0 {
        total.flagged as f64 / total.mentions as f64
    } else {
        0.0
    };
    GetBrandActivityResponse {
        minutes: minutes
            .iter()
            .map(|(minute_us, c)| minute_activity(Some(*minute_us), c))
            .collect(),
        total: Some(minute_activity(None, &total)),
        flagged_share,
    }
}

fn minute_activity(minute_us: Option<i64>, c: &Counts) -> MinuteActivity {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    MinuteActivity {
        minute: minute_us
            .and_then(DateTime::from_timestamp_micros)
            .map(time_to_wire),
        mentions: n(c.mentions),
        flagged: n(c.flagged),
        hidden: n(c.hidden),
        published: n(c.published),
        likes: n(c.likes),
        reposts: n(c.reposts),
        replies: n(c.replies),
    }
}

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
    pub fn parse(principal: &Principal, req: &GetTrendsRequest) -> Result<Self, Status> {
        principal.require_role(&READERS)?;
        let scope = match parse_brand(&req.brand_id)? {
            Some(brand) => {
                principal.require_brand(*brand.as_uuid())?;
                Scope::Brand(brand)
            }
            None if principal.brands == BrandScope::All => Scope::Tenant,
            None => {
                return Err(Status::permission_denied(
                    "the tenant-wide view (no brand_id) needs a credential for all brands",
                ));
            }
        };
        let limit = match req.limit {
            0 => DEFAULT_TREND_LIMIT,
            n => n.min(MAX_TREND_LIMIT),
        };
        let window = match req.window_minutes {
            0 => TrendParams::DEFAULT_WINDOW_MINUTES,
            n if n > TrendParams::MAX_WINDOW_MINUTES => {
                return Err(Status::invalid_argument(
                    "window_minutes: may be at most 1440 (a day)",
                ));
            }
            n => n,
        };
        Ok(Self {
            tenant: TenantId::from_uuid(principal.tenant),
            scope,
            params: TrendParams::with_window(window),
            limit: limit as usize,
        })
    }

    /// The trends as of the latest minute with hashtag mentions (never later than now, so a
    /// replayed event still shows its trends), and that minute.
    pub async fn trends(&self, store: &Store) -> Result<(Vec<Trend>, i64), Status> {
        let now_minute = minute_of(tagar_store::now_us());
        let as_of = store::latest_hashtag_minute(store, self.tenant, self.scope, now_minute)
            .await
            .map_err(internal)?
            .unwrap_or(now_minute);
        let windows = Windows::ending_at(as_of, &self.params);
        let counts = store::hashtag_counts(
            store,
            self.tenant,
            self.scope,
            &windows,
            self.params.min_count,
        )
        .await
        .map_err(internal)?;
        Ok((rank(counts, &self.params, self.limit), as_of))
    }
}

/// The trends answer.
pub fn trends_response(trends: &[Trend], as_of_us: i64) -> GetTrendsResponse {
    GetTrendsResponse {
        trends: trends
            .iter()
            .map(|t| WireTrend {
                hashtag: t.hashtag.clone(),
                count: t.count,
                baseline_per_minute: t.baseline_per_minute,
                growth: t.growth,
            })
            .collect(),
        as_of: DateTime::from_timestamp_micros(as_of_us).map(time_to_wire),
    }
}

fn parse_brand(value: &str) -> Result<Option<BrandId>, Status> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    BrandId::parse(value)
        .map(Some)
        .map_err(|_| Status::invalid_argument("brand_id: is not a UUID"))
}

fn micros(t: &prost_types::Timestamp, field: &str) -> Result<i64, Status> {
    let at: DateTime<Utc> = time_from_wire(t, field)?;
    Ok(at.timestamp_micros())
}

/// A store failure: logged here, never shown to the caller.
pub fn internal(e: StoreError) -> Status {
    tracing::error!(error = %e, "analytics store failure");
    Status::internal("analytics could not read its store; try again")
}
