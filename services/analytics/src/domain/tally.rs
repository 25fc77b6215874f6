//! A batch's counters summed in memory, so a flush writes one row per key instead of one per
//! event. Keys are kept sorted: every writer then locks rows in the same order, so two
//! consumers flushing at once never deadlock on PostgreSQL.

use std::collections::BTreeMap;

use super::fold::{BrandMinute, Counts, Fold, HashtagMinute};

/// The sum of a batch's folds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Counters per brand and minute.
    pub brands: BTreeMap<BrandMinute, Counts>,
    /// Mentions per hashtag, scope and minute.
    pub hashtags: BTreeMap<HashtagMinute, i64>,
}

impl Tally {
    /// Adds one event's counters (its case fact is settled by the store, not here).
    pub fn add(&mut self, fold: &Fold) {
        for (key, counts) in &fold.brands {
            self.add_counts(*key, *counts);
        }
        for key in &fold.hashtags {
            match self.hashtags.get_mut(key) {
                Some(n) => *n += 1,
                None => {
                    self.hashtags.insert(key.clone(), 1);
                }
            }
        }
    }

    /// Adds counters for one brand and minute.
    pub fn add_counts(&mut self, key: BrandMinute, counts: Counts) {
        *self.brands.entry(key).or_default() += counts;
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.brands.is_empty() && self.hashtags.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use tagar_model::{BrandId, TenantId};

    use super::*;
    use crate::domain::fold::Scope;

    #[test]
    fn folds_of_one_minute_sum_into_one_row() {
        let key = BrandMinute {
            tenant: TenantId::new(),
            brand: BrandId::new(),
            minute_us: 0,
        };
        let tag = HashtagMinute {
            tenant: key.tenant,
            scope: Scope::Brand(key.brand),
            hashtag: "kopi".into(),
            minute_us: 0,
        };
        let fold = Fold {
            brands: vec![(
                key,
                Counts {
                    mentions: 1,
                    likes: 4,
                    ..Counts::default()
                },
            )],
            hashtags: vec![tag.clone()],
            ..Fold::default()
        };
        let mut tally = Tally::default();
        tally.add(&fold);
        tally.add(&fold);
        assert_eq!(tally.brands.len(), 1);
        assert_eq!(tally.brands[&key].mentions, 2);
        assert_eq!(tally.brands[&key].likes, 8);
        assert_eq!(tally.hashtags[&tag], 2);
    }
}
