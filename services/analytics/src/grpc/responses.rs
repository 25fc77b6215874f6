//! `GetResponseTimes`: the engagement desk's figures for a brand over a range.

use tagar_kernel::{ApiError, ApiResult, Caller};
use tagar_proto::v1;
use tagar_store::Store;

use super::query::{ActivityQuery, MAX_RANGE_US};
use crate::domain::fold::Counts;
use crate::domain::responses::{Figures, ItemRow, figures, interactions, people, period_of};
use crate::store::responses as sql;

/// The default range: the last 7 days.
const DEFAULT_RANGE_US: i64 = 7 * 86_400_000_000;

fn response_figures(f: &Figures) -> v1::ResponseFigures {
    let (answered_share, within_sla_share) = f.shares();
    v1::ResponseFigures {
        items: f.items,
        answered: f.answered,
        within_sla: f.within_sla,
        answered_share,
        within_sla_share,
        first_response_median_s: f.first_response.0,
        first_response_p90_s: f.first_response.1,
        resolved: f.resolved,
        resolution_median_s: f.resolution.0,
        resolution_p90_s: f.resolution.1,
    }
}

fn interaction_figures(total: &Counts, replies_sent: u64) -> v1::InteractionFigures {
    let (active, passive, active_share, replies_per_post, mentions) =
        interactions(total, replies_sent);
    v1::InteractionFigures {
        active,
        passive,
        active_share,
        replies_per_post,
        mentions,
    }
}

/// `GetResponseTimes`.
pub async fn get(
    store: &Store,
    caller: &Caller,
    body: &v1::GetResponseTimesRequest,
) -> ApiResult<v1::ResponseTimes> {
    let to = body
        .to
        .unwrap_or_else(|| tagar_proto::convert::time_to_wire(chrono::Utc::now()));
    let from = match body.from {
        Some(from) => from,
        None => {
            let to_us = to.seconds * 1_000_000 + i64::from(to.nanos / 1_000);
            let from = chrono::DateTime::from_timestamp_micros(to_us - DEFAULT_RANGE_US)
                .ok_or_else(|| ApiError::invalid("to", "is out of range"))?;
            tagar_proto::convert::time_to_wire(from)
        }
    };
    let range = ActivityQuery::parse(
        caller,
        &v1::GetBrandActivityRequest {
            brand_id: body.brand_id.clone(),
            from: Some(from),
            to: Some(to),
        },
    )?;
    let weekly = match v1::Period::try_from(body.period) {
        Ok(v1::Period::Unspecified | v1::Period::Day) => false,
        Ok(v1::Period::Week) => true,
        Err(_) => {
            return Err(ApiError::invalid(
                "period",
                "must be PERIOD_DAY or PERIOD_WEEK",
            ));
        }
    };
    let (from_us, to_us) = range.range();
    debug_assert!(to_us - from_us <= MAX_RANGE_US);
    let rows = sql::items(store, caller.tenant(), range.brand(), (from_us, to_us)).await?;
    let minutes = range.minutes(store).await?;
    let items: Vec<ItemRow> = rows.iter().map(|(r, _)| r.clone()).collect();
    let sent = |rows: &mut dyn Iterator<Item = &(ItemRow, u64)>| rows.map(|(_, n)| *n).sum::<u64>();
    let mut total = Counts::default();
    for (_, c) in &minutes {
        total += *c;
    }
    let mut periods = Vec::new();
    let mut start = period_of(from_us, weekly);
    while start < to_us {
        let next = period_of(start + if weekly { 7 } else { 1 } * 86_400_000_000, weekly);
        let in_period: Vec<&(ItemRow, u64)> = rows
            .iter()
            .filter(|(r, _)| (start..next).contains(&r.opened_at_us))
            .collect();
        let mut counts = Counts::default();
        for (minute, c) in &minutes {
            if (start..next).contains(minute) {
                counts += *c;
            }
        }
        periods.push(v1::PeriodFigures {
            start: chrono::DateTime::from_timestamp_micros(start)
                .map(tagar_proto::convert::time_to_wire),
            responses: Some(response_figures(&figures(in_period.iter().map(|(r, _)| r)))),
            interactions: Some(interaction_figures(
                &counts,
                sent(&mut in_period.iter().copied()),
            )),
        });
        start = next;
    }
    Ok(v1::ResponseTimes {
        brand_id: range.brand().to_string(),
        total: Some(response_figures(&figures(&items))),
        interactions: Some(interaction_figures(&total, sent(&mut rows.iter()))),
        people: people(&items)
            .into_iter()
            .map(
                |(person, answered, within_sla, (median, p90))| v1::PersonFigures {
                    person,
                    answered,
                    within_sla,
                    first_response_median_s: median,
                    first_response_p90_s: p90,
                },
            )
            .collect(),
        periods,
    })
}
