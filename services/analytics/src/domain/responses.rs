//! The engagement desk's figures: how fast and how often a brand answers what reaches its
//! inbox (first response and resolution, median and p90, the share within its SLA), per
//! person and per day or week, and how much of its interaction is two-way. Pure: the store
//! hands over the items' rows and the brand's minutes.

use std::collections::BTreeMap;

use tagar_model::{BrandId, TenantId};
use tagar_proto::convert::time_from_wire;
use tagar_proto::envelope::EnvelopeMeta;
use tagar_proto::v1::Envelope;
use tagar_proto::v1::envelope::Event;

use super::fold::Counts;

/// What an inbox event tells the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseFact {
    /// An item reached the inbox.
    Opened {
        /// The tenant.
        tenant: TenantId,
        /// The brand.
        brand: BrandId,
        /// The item.
        item_id: String,
        /// When, µs.
        at_us: i64,
    },
    /// The brand answered it.
    Answered {
        /// The tenant.
        tenant: TenantId,
        /// The item.
        item_id: String,
        /// When, µs.
        at_us: i64,
        /// Who.
        by: String,
        /// Seconds since it came in (0: a later reply).
        first_response_s: u64,
        /// Within the brand's SLA.
        within_sla: bool,
    },
    /// It was closed.
    Closed {
        /// The tenant.
        tenant: TenantId,
        /// The item.
        item_id: String,
        /// When, µs.
        at_us: i64,
    },
}

/// The response fact `envelope` carries, if any.
pub fn response_fact(meta: &EnvelopeMeta, envelope: &Envelope) -> Option<ResponseFact> {
    let tenant = meta.tenant;
    let occurred = meta.occurred_at.timestamp_micros();
    let us = |t: &Option<prost_types::Timestamp>| {
        t.as_ref()
            .and_then(|t| time_from_wire(t, "at").ok())
            .map_or(occurred, |t| t.timestamp_micros())
    };
    let item = |id: &str| {
        if id.is_empty() {
            envelope.aggregate_id.clone()
        } else {
            id.to_owned()
        }
    };
    match envelope.event.as_ref()? {
        Event::InboxItemOpened(o) => Some(ResponseFact::Opened {
            tenant,
            brand: meta.brand?,
            item_id: item(&o.item_id),
            at_us: us(&o.opened_at),
        }),
        Event::InboxItemAnswered(a) => Some(ResponseFact::Answered {
            tenant,
            item_id: item(&a.item_id),
            at_us: us(&a.answered_at),
            by: a.by.clone(),
            first_response_s: a.first_response_seconds,
            within_sla: a.within_sla,
        }),
        Event::InboxItemClosed(c) => Some(ResponseFact::Closed {
            tenant,
            item_id: item(&c.item_id),
            at_us: occurred,
        }),
        _ => None,
    }
}

/// One item as the store keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemRow {
    /// When it came in, µs.
    pub opened_at_us: i64,
    /// Its first response: who, seconds after it came in, within the SLA.
    pub first_response: Option<(String, u64, bool)>,
    /// When it was closed, µs.
    pub closed_at_us: Option<i64>,
}

/// The figures of some items.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    /// Items.
    pub items: u64,
    /// Answered.
    pub answered: u64,
    /// Answered within the SLA.
    pub within_sla: u64,
    /// First response, median and p90, seconds.
    pub first_response: (u64, u64),
    /// Closed.
    pub resolved: u64,
    /// Resolution, median and p90, seconds.
    pub resolution: (u64, u64),
}

impl Figures {
    /// The share of items answered, and within the SLA.
    pub fn shares(&self) -> (f64, f64) {
        if self.items == 0 {
            return (0.0, 0.0);
        }
        let n = self.items as f64;
        (self.answered as f64 / n, self.within_sla as f64 / n)
    }
}

/// The value at `q` (0 to 1) of sorted `values`, nearest rank; 0 for none.
pub fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median_p90(mut values: Vec<u64>) -> (u64, u64) {
    values.sort_unstable();
    (quantile(&values, 0.5), quantile(&values, 0.9))
}

/// The figures of `rows`.
pub fn figures<'a>(rows: impl IntoIterator<Item = &'a ItemRow>) -> Figures {
    let (mut items, mut within) = (0, 0);
    let (mut firsts, mut resolutions) = (Vec::new(), Vec::new());
    for row in rows {
        items += 1;
        if let Some((_, seconds, in_sla)) = &row.first_response {
            firsts.push(*seconds);
            within += u64::from(*in_sla);
        }
        if let Some(closed) = row.closed_at_us {
            resolutions.push(((closed - row.opened_at_us).max(0) / 1_000_000) as u64);
        }
    }
    Figures {
        items,
        answered: firsts.len() as u64,
        within_sla: within,
        resolved: resolutions.len() as u64,
        first_response: median_p90(firsts),
        resolution: median_p90(resolutions),
    }
}

/// Each person's first responses: (answered, within SLA, median, p90), busiest first.
pub fn people(rows: &[ItemRow]) -> Vec<(String, u64, u64, (u64, u64))> {
    let mut by: BTreeMap<&str, (Vec<u64>, u64)> = BTreeMap::new();
    for row in rows {
        if let Some((who, seconds, in_sla)) = &row.first_response {
            let entry = by.entry(who.as_str()).or_default();
            entry.0.push(*seconds);
            entry.1 += u64::from(*in_sla);
        }
    }
    let mut out: Vec<_> = by
        .into_iter()
        .map(|(who, (seconds, within))| {
            (
                who.to_owned(),
                seconds.len() as u64,
                within,
                median_p90(seconds),
            )
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Two-way against one-way interaction: (active, passive, active share, replies per post,
/// mentions), from the brand's minutes and the replies it sent.
pub fn interactions(total: &Counts, replies_sent: u64) -> (u64, u64, f64, f64, u64) {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let active = n(total.replies) + replies_sent;
    let passive = n(total.likes) + n(total.reposts);
    let share = if active + passive == 0 {
        0.0
    } else {
        active as f64 / (active + passive) as f64
    };
    let mentions = n(total.mentions);
    let per_post = if mentions == 0 {
        0.0
    } else {
        n(total.replies) as f64 / mentions as f64
    };
    (active, passive, share, per_post, mentions)
}

/// The start (µs) of the period holding `us`: its UTC day, or its ISO week from Monday.
pub fn period_of(us: i64, weekly: bool) -> i64 {
    const DAY_US: i64 = 86_400_000_000;
    let day = us.div_euclid(DAY_US);
    if weekly {
        // 1970-01-01 was a Thursday: Monday is three days later.
        let monday = (day - 4).div_euclid(7) * 7 + 4;
        monday * DAY_US
    } else {
        day * DAY_US
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(opened_s: i64, first: Option<(&str, u64, bool)>, closed_s: Option<i64>) -> ItemRow {
        ItemRow {
            opened_at_us: opened_s * 1_000_000,
            first_response: first.map(|(w, s, i)| (w.to_owned(), s, i)),
            closed_at_us: closed_s.map(|c| c * 1_000_000),
        }
    }

    #[test]
    fn medians_and_p90_by_nearest_rank() {
        let values: Vec<u64> = (1..=10).collect();
        assert_eq!(quantile(&values, 0.5), 5);
        assert_eq!(quantile(&values, 0.9), 9);
        assert_eq!(quantile(&[7], 0.9), 7);
        assert_eq!(quantile(&[], 0.5), 0);
    }

    #[test]
    fn figures_count_answers_sla_and_resolution() {
        let rows = [
            row(0, Some(("ana", 60, true)), Some(600)),
            row(0, Some(("ana", 300, true)), None),
            row(0, Some(("budi", 7_200, false)), Some(9_000)),
            row(0, None, None),
        ];
        let f = figures(&rows);
        assert_eq!(
            (f.items, f.answered, f.within_sla, f.resolved),
            (4, 3, 2, 2)
        );
        assert_eq!(f.first_response, (300, 7_200));
        assert_eq!(f.resolution, (600, 9_000));
        assert_eq!(f.shares(), (0.75, 0.5));
        let people = people(&rows);
        assert_eq!(people[0], ("ana".to_owned(), 2, 2, (60, 300)));
        assert_eq!(people[1].0, "budi");
    }

    #[test]
    fn two_way_against_one_way() {
        let total = Counts {
            mentions: 10,
            likes: 30,
            reposts: 10,
            replies: 5,
            ..Counts::default()
        };
        assert_eq!(interactions(&total, 5), (10, 40, 0.2, 0.5, 10));
        assert_eq!(interactions(&Counts::default(), 0), (0, 0, 0.0, 0.0, 0));
    }

    #[test]
    fn periods_are_utc_days_and_weeks_from_monday() {
        let day = 86_400_000_000;
        // 2026-12-02 12:00 UTC, a Wednesday.
        let wed = 1_796_212_800_000_000;
        assert_eq!(period_of(wed, false) % day, 0);
        let monday = period_of(wed, true);
        assert_eq!(wed - monday, 2 * day + 12 * 3_600_000_000);
        assert_eq!(period_of(monday, true), monday);
    }
}
