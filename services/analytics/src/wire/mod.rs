//! The read models as the API's messages.

pub mod chat;
pub mod crisis;

use chrono::DateTime;
use tagar_proto::convert::time_to_wire;
use tagar_proto::v1::{
    GetBrandActivityResponse, GetTrendsResponse, MinuteActivity, Trend as WireTrend,
};

use crate::domain::fold::Counts;
use crate::domain::trends::Trend;

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
        negative: n(c.negative),
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
