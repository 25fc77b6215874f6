//! Crises: the list, one crisis with its timeline, a stream of new and changed crises, and
//! the brands' thresholds.

use std::collections::HashMap;
use std::time::Duration;

use tagar_kernel::{ApiError, ApiResult, Caller};
use tagar_model::BrandId;
use tagar_proto::v1;
use tokio::sync::mpsc;
use tonic::Status;

use super::ChatWatches;
use crate::domain::crisis::Thresholds;
use crate::store::crises as sql;
use crate::wire::crisis::{CrisisRow, crisis};

/// How often a crisis watch looks for news.
pub const CRISIS_POLL: Duration = Duration::from_secs(1);

/// The brand a request names, or `None` for every brand in scope.
fn brand_of(caller: &Caller, brand_id: &str) -> ApiResult<Option<BrandId>> {
    if brand_id.trim().is_empty() {
        return Ok(None);
    }
    caller.brand(brand_id).map(Some)
}

fn in_scope(caller: &Caller, row: &CrisisRow) -> bool {
    BrandId::parse(&row.brand_id).is_ok_and(|b| caller.may_touch(b))
}

/// `ListCrises`.
pub async fn list(
    store: &tagar_store::Store,
    caller: &Caller,
    body: &v1::ListCrisesRequest,
) -> ApiResult<v1::ListCrisesResponse> {
    let brand = brand_of(caller, &body.brand_id)?;
    let limit = match body.limit {
        0 => 50,
        l if l <= 500 => l,
        l => {
            return Err(ApiError::invalid(
                "limit",
                format!("must be 1 to 500, not {l}"),
            ));
        }
    };
    let now = tagar_store::now_us();
    let rows = sql::crises(store, caller.tenant(), brand, body.open_only, limit).await?;
    Ok(v1::ListCrisesResponse {
        crises: rows
            .into_iter()
            .filter(|r| in_scope(caller, r))
            .map(|r| crisis(r, now))
            .collect(),
    })
}

/// `GetCrisis`.
pub async fn get(
    store: &tagar_store::Store,
    caller: &Caller,
    body: &v1::GetCrisisRequest,
) -> ApiResult<v1::Crisis> {
    tagar_kernel::request::uuid(&body.crisis_id, "crisis_id")?;
    let row = sql::crisis(store, caller.tenant(), body.crisis_id.trim())
        .await?
        .filter(|r| in_scope(caller, r))
        .ok_or_else(|| ApiError::not_found("crisis"))?;
    Ok(crisis(row, tagar_store::now_us()))
}

/// `WatchCrises`: each crisis detected from now on, and again whenever its timeline grows.
pub fn watch(
    watches: &ChatWatches,
    caller: &Caller,
    body: &v1::WatchCrisesRequest,
) -> ApiResult<mpsc::Receiver<Result<v1::Crisis, Status>>> {
    let brand = brand_of(caller, &body.brand_id)?;
    let tenant = caller.tenant();
    let seat = watches.seat(tenant)?;
    let (store, shutdown) = watches.runtime();
    let caller = caller.clone();
    let (tx, rx) = mpsc::channel(16);
    let token = shutdown.token();
    shutdown.spawn("analytics-watch-crises", async move {
        let _seat = seat;
        // What each crisis showed last: its timeline's length. Those before the watch began
        // are news only when they change.
        let mut shown: Option<HashMap<String, usize>> = None;
        loop {
            let rows = match sql::crises(&store, tenant, brand, false, 200).await {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(Status::from(ApiError::from(e)))).await;
                    return;
                }
            };
            let now = tagar_store::now_us();
            let first = shown.is_none();
            let seen = shown.get_or_insert_with(HashMap::new);
            for row in rows.into_iter().rev().filter(|r| in_scope(&caller, r)) {
                let steps = row.steps.len();
                let before = seen.insert(row.crisis_id.clone(), steps);
                if first || before == Some(steps) {
                    continue;
                }
                if tx.send(Ok(crisis(row, now))).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                () = token.cancelled() => return,
                () = tx.closed() => return,
                () = tokio::time::sleep(CRISIS_POLL) => {}
            }
        }
    });
    Ok(rx)
}

fn thresholds_of(
    brand: BrandId,
    t: &Thresholds,
    set: Option<(String, i64)>,
) -> v1::CrisisThresholds {
    let (updated_by, updated_at) = match set {
        Some((by, at)) => (by, crate::wire::crisis::step_at(at)),
        None => (String::new(), None),
    };
    v1::CrisisThresholds {
        brand_id: brand.to_string(),
        window_minutes: t.window_minutes,
        min_negatives: t.min_negatives,
        negative_factor: t.negative_factor,
        min_negative_share: t.min_negative_share,
        min_mentions: t.min_mentions,
        volume_factor: t.volume_factor,
        updated_by,
        updated_at,
    }
}

/// `GetCrisisThresholds`.
pub async fn get_thresholds(
    store: &tagar_store::Store,
    caller: &Caller,
    body: &v1::GetCrisisThresholdsRequest,
) -> ApiResult<v1::CrisisThresholds> {
    let brand = caller.brand(&body.brand_id)?;
    let (t, set) = sql::thresholds(store, caller.tenant(), brand).await?;
    Ok(thresholds_of(brand, &t, set))
}

/// `SetCrisisThresholds`: every field is given (a zero keeps the default of that field).
pub async fn set_thresholds(
    store: &tagar_store::Store,
    caller: &Caller,
    body: &v1::CrisisThresholds,
) -> ApiResult<v1::CrisisThresholds> {
    let brand = caller.brand(&body.brand_id)?;
    let d = Thresholds::default();
    let or = |v: f64, default: f64| if v == 0.0 { default } else { v };
    let t = Thresholds {
        window_minutes: if body.window_minutes == 0 {
            d.window_minutes
        } else {
            body.window_minutes
        },
        min_negatives: if body.min_negatives == 0 {
            d.min_negatives
        } else {
            body.min_negatives
        },
        negative_factor: or(body.negative_factor, d.negative_factor),
        min_negative_share: or(body.min_negative_share, d.min_negative_share),
        min_mentions: if body.min_mentions == 0 {
            d.min_mentions
        } else {
            body.min_mentions
        },
        volume_factor: or(body.volume_factor, d.volume_factor),
    }
    .check()?;
    let now = tagar_store::now_us();
    sql::set_thresholds(store, caller.tenant(), brand, &t, caller.subject(), now).await?;
    Ok(thresholds_of(
        brand,
        &t,
        Some((caller.subject().to_owned(), now)),
    ))
}
