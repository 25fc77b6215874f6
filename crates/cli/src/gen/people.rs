//! The synthetic users: a pool of people per language with heavy-tailed follower counts and
//! mostly old accounts, the brands' own accounts, and brand-new spam accounts.

use chrono::{DateTime, Duration, Utc};
use tagar_model::{Author, PostMetrics};

use super::config::BrandIdentity;
use super::lexicon::{Language, SPAM_HANDLES};
use super::rng::Rng;

/// People who write in one language.
#[derive(Debug, Clone)]
pub struct Pool {
    /// The language they write in.
    pub language: Language,
    /// The people; lower indexes post more.
    pub people: Vec<Author>,
}

impl Pool {
    /// A pool of `size` people.
    pub fn new(
        language: Language,
        lang_index: usize,
        size: usize,
        start: DateTime<Utc>,
        rng: &mut Rng,
    ) -> Self {
        let lexicon = language.lexicon();
        let people = (0..size)
            .map(|i| {
                let given = rng.pick(lexicon.given_names);
                let family = rng.pick(lexicon.family_names);
                let romanised = language == Language::Hi && rng.chance(0.3);
                let display_name = if romanised {
                    format!("{} {}", capitalise(given.1), capitalise(family.1))
                } else {
                    format!("{} {}", given.0, family.0)
                };
                let mut handle = match rng.below(3) {
                    0 => format!("{}_{}", given.1, family.1),
                    1 => format!("{}{}", given.1, rng.below(1000)),
                    _ => format!("{}{}{}", given.1, &family.1[..1], rng.between(70, 99)),
                };
                handle.truncate(15);
                let followers = rng.pareto(25.0, 0.85, 25_000_000.0);
                let verified = (followers > 100_000 && rng.chance(0.5)) || rng.chance(0.004);
                let age = Duration::days(rng.between(200, 15 * 365) as i64)
                    + Duration::seconds(rng.between(0, 86_399) as i64);
                Author {
                    id: (100_000_000 + lang_index as u64 * 10_000_000 + i as u64).to_string(),
                    handle,
                    display_name,
                    followers,
                    verified,
                    account_created_at: Some(start - age),
                }
            })
            .collect();
        Self { language, people }
    }

    /// Someone from the pool; a few people write most of the posts.
    pub fn someone(&self, rng: &mut Rng) -> &Author {
        let u = rng.unit();
        &self.people[((self.people.len() as f64) * u * u * u) as usize]
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A brand's own verified account.
pub fn brand_account(
    index: usize,
    brand: &BrandIdentity,
    start: DateTime<Utc>,
    rng: &mut Rng,
) -> Author {
    Author {
        id: (900_000_000 + index as u64).to_string(),
        handle: brand.handle.clone(),
        display_name: brand.name.clone(),
        followers: rng.between(40_000, 600_000),
        verified: true,
        account_created_at: Some(start - Duration::days(rng.between(2_000, 4_000) as i64)),
    }
}

/// A throwaway account that posts the same text again and again.
#[derive(Debug, Clone)]
pub struct SpamAccount {
    /// The account, created hours before it starts posting.
    pub author: Author,
    /// The language of its campaign.
    pub language: Language,
    /// Which campaign text it repeats.
    pub campaign: usize,
    /// Which brand its campaign hijacks.
    pub brand: usize,
    /// Whether it posts only a link (and a tag or handle), no words.
    pub link_only: bool,
    /// Its link.
    pub url: String,
}

/// Spam accounts created up to two days before `start`.
pub fn spam_accounts(
    count: usize,
    languages: &[Language],
    brands: usize,
    start: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<SpamAccount> {
    const DOMAINS: &[&str] = &["free-follow", "cuan88", "win-now", "bit-deals", "promo-hub"];
    (0..count)
        .map(|i| {
            let language = *rng.pick(languages);
            let handle = format!("{}{}", rng.pick(SPAM_HANDLES), rng.between(100, 99_999));
            SpamAccount {
                author: Author {
                    id: (800_000_000 + i as u64).to_string(),
                    display_name: handle.replace('_', " ").to_uppercase(),
                    handle,
                    followers: rng.between(0, 25),
                    verified: false,
                    account_created_at: Some(
                        start - Duration::minutes(rng.between(20, 2_880) as i64),
                    ),
                },
                language,
                campaign: rng.below(language.lexicon().spam.len()),
                brand: rng.below(brands),
                link_only: rng.chance(0.3),
                url: format!(
                    "https://{}.example/{:x}",
                    rng.pick(DOMAINS),
                    rng.between(0x1000, 0x00ff_ffff)
                ),
            }
        })
        .collect()
}

/// Plausible interaction counts for a post seen by an author with `followers`.
pub fn metrics(followers: u64, rng: &mut Rng) -> PostMetrics {
    let views = (followers as f64 * (0.02 + 0.4 * rng.unit())) as u64 + rng.between(0, 60);
    let likes = (views as f64 * (0.005 + 0.05 * rng.unit())) as u64;
    let reposts = (likes as f64 * (0.05 + 0.25 * rng.unit())) as u64;
    PostMetrics {
        likes,
        reposts,
        replies: (likes as f64 * (0.02 + 0.2 * rng.unit())) as u64,
        quotes: (reposts as f64 * 0.2 * rng.unit()) as u64,
        views,
    }
}
