//! Spam signals: the same text again and again, posts that are only links, brand-new
//! accounts, and walls of hashtags or mentions.
//!
//! Repetition needs memory of what was seen. [`RepeatWindow`] keeps it in memory, bounded, per
//! consumer: cheap and fast, at the price of forgetting on restart and of each replica
//! counting only the posts of its own partitions (posts are keyed by conversation, so copies
//! spread over conversations are split between replicas). A spam wave of copies is large, so
//! it still crosses the threshold on every replica that sees a share of it. A shared counter
//! (a table, or a stream join) would count exactly, at a write per post.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

/// A text seen this many times within the window (this post included) is repeated spam.
pub const REPEAT_THRESHOLD: u32 = 3;
/// An account younger than this when it posted is brand new.
pub const NEW_ACCOUNT_DAYS: i64 = 7;
/// More hashtags than this is a wall of hashtags.
pub const MAX_HASHTAGS: usize = 5;
/// More mentions than this is a wall of mentions.
pub const MAX_MENTIONS: usize = 5;

/// What the spam score is read from.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpamInput {
    /// How often the post's text was seen recently for the tenant, this post included
    /// (0 when the text is too short to count).
    pub repeats: u32,
    /// Links in the text.
    pub links: usize,
    /// Hashtags in the text.
    pub hashtags: usize,
    /// Mentions in the text.
    pub mentions: usize,
    /// Words left once links, hashtags and mentions are taken out.
    pub words: usize,
    /// How old the account was when it posted, when known.
    pub account_age: Option<Duration>,
}

/// The spam score (0.0 to 1.0) and a reason per signal, combined as independent evidence.
pub fn score(input: &SpamInput) -> (f64, Vec<String>) {
    let mut signals: Vec<(f64, String)> = Vec::new();
    if input.repeats >= REPEAT_THRESHOLD {
        signals.push((
            0.6,
            format!("same text seen {} times recently", input.repeats),
        ));
    }
    if input.links > 0 && input.words == 0 {
        signals.push((0.5, "only links and hashtags".to_owned()));
    }
    if let Some(age) = input
        .account_age
        .filter(|a| *a < Duration::days(NEW_ACCOUNT_DAYS))
    {
        let days = age.num_days().max(0);
        signals.push((0.3, format!("account created {days} days before posting")));
    }
    if input.hashtags > MAX_HASHTAGS {
        signals.push((0.35, format!("{} hashtags", input.hashtags)));
    }
    if input.mentions > MAX_MENTIONS {
        signals.push((0.35, format!("{} mentions", input.mentions)));
    }
    let clean: f64 = signals.iter().map(|(w, _)| 1.0 - w).product();
    (1.0 - clean, signals.into_iter().map(|(_, r)| r).collect())
}

/// The texts each tenant saw recently, for counting repeats: per tenant, so one tenant's
/// flood of texts never pushes another's out, and on the consumer's clock (when the post
/// arrived), never on the time a post claims, so no post can age the window.
pub struct RepeatWindow {
    per_tenant: usize,
    horizon: Duration,
    tenants: HashMap<String, TenantWindow>,
}

#[derive(Default)]
struct TenantWindow {
    order: VecDeque<(DateTime<Utc>, u64)>,
    counts: HashMap<u64, u32>,
}

/// The most tenants a window remembers at once; idle ones are forgotten first.
const MAX_TENANTS: usize = 100_000;

impl TenantWindow {
    fn observe(&mut self, key: u64, now: DateTime<Utc>, horizon: Duration, capacity: usize) -> u32 {
        let cutoff = now - horizon;
        while let Some(&(when, old)) = self.order.front() {
            if when >= cutoff && self.order.len() < capacity {
                break;
            }
            self.order.pop_front();
            if let Some(n) = self.counts.get_mut(&old) {
                *n -= 1;
                if *n == 0 {
                    self.counts.remove(&old);
                }
            }
        }
        self.order.push_back((now, key));
        let count = self.counts.entry(key).or_insert(0);
        *count += 1;
        *count
    }

    fn last_seen(&self) -> Option<DateTime<Utc>> {
        self.order.back().map(|(when, _)| *when)
    }
}

impl RepeatWindow {
    /// A window of at most `per_tenant` texts for each tenant, each forgotten after
    /// `horizon`.
    pub fn new(per_tenant: usize, horizon: Duration) -> Self {
        Self {
            per_tenant: per_tenant.max(1),
            horizon,
            tenants: HashMap::new(),
        }
    }

    /// Records that `tenant` saw the text `key` now (`now` is the consumer's clock, when the
    /// post arrived), and returns how often it has been seen within the window.
    pub fn observe(&mut self, tenant: &str, key: u64, now: DateTime<Utc>) -> u32 {
        if self.tenants.len() >= MAX_TENANTS && !self.tenants.contains_key(tenant) {
            let cutoff = now - self.horizon;
            self.tenants
                .retain(|_, w| w.last_seen().is_some_and(|t| t >= cutoff));
            if self.tenants.len() >= MAX_TENANTS {
                self.tenants.clear();
            }
        }
        self.tenants.entry(tenant.to_owned()).or_default().observe(
            key,
            now,
            self.horizon,
            self.per_tenant,
        )
    }

    /// How many observations the window holds, over every tenant.
    pub fn len(&self) -> usize {
        self.tenants.values().map(|w| w.order.len()).sum()
    }

    /// Whether the window holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    #[test]
    fn counts_per_tenant_and_forgets_by_time_and_size() {
        let mut w = RepeatWindow::new(3, Duration::seconds(60));
        assert_eq!(w.observe("a", 1, at(0)), 1);
        assert_eq!(w.observe("a", 1, at(1)), 2);
        assert_eq!(w.observe("b", 1, at(2)), 1, "tenants are apart");
        assert_eq!(w.observe("a", 1, at(3)), 3);
        assert_eq!(w.observe("a", 1, at(4)), 3, "capacity 3 dropped a's oldest");
        assert_eq!(w.len(), 4);
        assert_eq!(w.observe("a", 1, at(200)), 1, "older than the horizon");
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn one_tenants_flood_leaves_anothers_repeats_alone() {
        let mut w = RepeatWindow::new(100, Duration::minutes(30));
        assert_eq!(w.observe("quiet", 7, at(0)), 1);
        assert_eq!(w.observe("quiet", 7, at(1)), 2);
        for key in 0..10_000 {
            w.observe("flood", 1_000 + key, at(2));
        }
        assert_eq!(w.observe("quiet", 7, at(3)), 3, "still counted: spam");
    }

    #[test]
    fn signals_combine() {
        let (s, reasons) = score(&SpamInput {
            repeats: 3,
            links: 1,
            words: 0,
            ..SpamInput::default()
        });
        assert!((s - 0.8).abs() < 1e-9, "{s}");
        assert_eq!(reasons.len(), 2);
        let (clean, none) = score(&SpamInput {
            repeats: 1,
            links: 1,
            words: 4,
            hashtags: 2,
            account_age: Some(Duration::days(400)),
            ..SpamInput::default()
        });
        assert_eq!((clean, none.len()), (0.0, 0));
    }
}
