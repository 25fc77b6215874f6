//! Trending hashtags: which tags grow fastest against their own recent past.
//!
//! Time is cut into windows of `window_minutes` whole minutes, aligned to minutes and ending
//! with the `as_of` minute (included). The *current* window is the last one; the *baseline*
//! is the `baseline_windows` windows right before it. For each tag:
//!
//! ```text
//! baseline = (mentions in the baseline windows) / baseline_windows   // per window
//! growth   = current / (baseline + smoothing)
//! ```
//!
//! `smoothing` is a prior of a few mentions per window: it keeps a tag with no past from
//! dividing by zero and makes a tag's growth grow with evidence. A new tag at 200 mentions
//! scores 200 / 5 = 40 while an old tag steady at 1,000 scores 1,000 / 1,005 ≈ 1: the burst
//! wins. A tag needs at least `min_count` mentions in the current window to be listed at all,
//! so a handful of stray posts never trends. Tags are ranked by growth, then by count, then
//! by name, so the order is stable.

use super::MINUTE_US;

/// How trends are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendParams {
    /// Minutes in a window (the current one and each baseline one).
    pub window_minutes: u32,
    /// Windows in the baseline.
    pub baseline_windows: u32,
    /// Mentions a tag needs in the current window to be listed.
    pub min_count: u64,
    /// Mentions per window added to the baseline (see the module docs).
    pub smoothing: f64,
}

impl TrendParams {
    /// The default window when a request names none.
    pub const DEFAULT_WINDOW_MINUTES: u32 = 5;
    /// The longest window a request may ask for (a day).
    pub const MAX_WINDOW_MINUTES: u32 = 1_440;

    /// The defaults (6 baseline windows, at least 5 mentions, a prior of 5) for a window.
    pub fn with_window(window_minutes: u32) -> Self {
        Self {
            window_minutes: window_minutes.max(1),
            baseline_windows: 6,
            min_count: 5,
            smoothing: 5.0,
        }
    }

    /// The growth of a tag with `current` mentions now and `baseline_total` in the baseline.
    pub fn growth(&self, current: u64, baseline_total: u64) -> f64 {
        current as f64 / (self.baseline_per_window(baseline_total) + self.smoothing)
    }

    fn baseline_per_window(&self, baseline_total: u64) -> f64 {
        baseline_total as f64 / f64::from(self.baseline_windows.max(1))
    }
}

/// The minute ranges compared, in microseconds since the epoch, each `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// The start of the first baseline minute.
    pub baseline_from_us: i64,
    /// The start of the current window (the end of the baseline).
    pub current_from_us: i64,
    /// The end of the current window: the end of the `as_of` minute.
    pub to_us: i64,
}

impl Windows {
    /// The windows ending with the minute holding `as_of_us`.
    pub fn ending_at(as_of_us: i64, params: &TrendParams) -> Self {
        let window = i64::from(params.window_minutes.max(1)) * MINUTE_US;
        let to_us = super::minute_of(as_of_us) + MINUTE_US;
        let current_from_us = to_us - window;
        Self {
            baseline_from_us: current_from_us - window * i64::from(params.baseline_windows),
            current_from_us,
            to_us,
        }
    }
}

/// A tag's mentions in the current window and in the whole baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagCounts {
    /// The canonical hashtag.
    pub hashtag: String,
    /// Mentions in the current window.
    pub current: u64,
    /// Mentions in all the baseline windows together.
    pub baseline_total: u64,
}

/// A trending tag.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// The canonical hashtag.
    pub hashtag: String,
    /// Mentions in the current window.
    pub count: u64,
    /// Mentions per minute over the baseline.
    pub baseline_per_minute: f64,
    /// `count / (baseline per window + smoothing)`: above 1 means growing.
    pub growth: f64,
}

/// Ranks `tags` by growth and keeps the first `limit` of those with enough mentions.
pub fn rank(tags: Vec<TagCounts>, params: &TrendParams, limit: usize) -> Vec<Trend> {
    let minutes = f64::from(params.window_minutes.max(1));
    let mut trends: Vec<Trend> = tags
        .into_iter()
        .filter(|t| t.current >= params.min_count)
        .map(|t| Trend {
            growth: params.growth(t.current, t.baseline_total),
            baseline_per_minute: params.baseline_per_window(t.baseline_total) / minutes,
            count: t.current,
            hashtag: t.hashtag,
        })
        .collect();
    trends.sort_by(|a, b| {
        b.growth
            .total_cmp(&a.growth)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.hashtag.cmp(&b.hashtag))
    });
    trends.truncate(limit);
    trends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str, current: u64, baseline_total: u64) -> TagCounts {
        TagCounts {
            hashtag: name.into(),
            current,
            baseline_total,
        }
    }

    #[test]
    fn a_burst_of_a_new_tag_beats_a_steady_big_tag() {
        let params = TrendParams::with_window(5);
        let trends = rank(
            vec![tag("steady", 1_000, 6_000), tag("kopi", 200, 0)],
            &params,
            10,
        );
        assert_eq!(trends[0].hashtag, "kopi");
        assert_eq!(trends[0].growth, 40.0);
        assert!((trends[1].growth - 1_000.0 / 1_005.0).abs() < 1e-9);
        // 6,000 over 6 windows of 5 minutes: 200 a minute.
        assert_eq!(trends[1].baseline_per_minute, 200.0);
    }

    #[test]
    fn growth_rises_with_evidence() {
        let params = TrendParams::with_window(5);
        assert!(params.growth(50, 60) > 1.0);
        assert!(params.growth(10, 600) < 1.0);
        assert!(params.growth(100, 0) > params.growth(10, 0));
    }

    #[test]
    fn below_the_minimum_count_nothing_trends() {
        let params = TrendParams::with_window(5);
        let trends = rank(vec![tag("rare", 4, 0), tag("none", 0, 30)], &params, 10);
        assert!(trends.is_empty());
        assert_eq!(rank(vec![tag("enough", 5, 0)], &params, 10).len(), 1);
    }

    #[test]
    fn ties_are_ordered_by_count_then_name_and_limited() {
        let params = TrendParams::with_window(5);
        let trends = rank(
            vec![
                tag("b", 10, 0),
                tag("a", 10, 0),
                tag("c", 20, 30),
                tag("d", 20, 90),
            ],
            &params,
            3,
        );
        // a, b and c all grow 2x: c has more mentions, a comes before b; d (20/20) is cut.
        let names: Vec<_> = trends.iter().map(|t| t.hashtag.as_str()).collect();
        assert_eq!(names, ["c", "a", "b"]);
    }

    #[test]
    fn windows_align_to_minutes_and_include_the_as_of_minute() {
        let params = TrendParams::with_window(5);
        let as_of = 100 * MINUTE_US + 42_000_000;
        let w = Windows::ending_at(as_of, &params);
        assert_eq!(w.to_us, 101 * MINUTE_US);
        assert_eq!(w.current_from_us, 96 * MINUTE_US);
        assert_eq!(w.baseline_from_us, 66 * MINUTE_US);
        for edge in [w.to_us, w.current_from_us, w.baseline_from_us] {
            assert_eq!(edge % MINUTE_US, 0);
        }
    }
}
