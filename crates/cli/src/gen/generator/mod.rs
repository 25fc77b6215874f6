//! The generator: an iterator of posts, in time order, following the configured shape.

mod build;

use std::sync::Arc;

use chrono::Duration;
use tagar_model::{Author, Network, Post};

use super::config::{BrandIdentity, ConfigError, GenConfig, Shape, brand_identity};
use super::ids::IdClock;
use super::lexicon::Language;
use super::people::{Pool, SpamAccount, brand_account, spam_accounts};
use super::rng::Rng;
use super::timeline::{Timeline, burst_share, chat_segment};

/// What a generated post is, for reports and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Someone talking about a brand.
    Mention,
    /// Everyday chatter naming no brand.
    Chatter,
    /// A friendly reply.
    Reply,
    /// A post carrying the trending (or chat) hashtag.
    Trend,
    /// A brand's own post.
    BrandPost,
    /// An abusive reply aimed at a brand.
    Abuse,
    /// Spam from a brand-new account.
    Spam,
    /// A chat host's question.
    Question,
    /// An answer to a chat question.
    Answer,
}

/// A post others can reply to.
#[derive(Debug, Clone)]
struct Root {
    native_id: String,
    author_id: String,
    handle: String,
    network: Network,
    conversation: String,
    brand: Option<usize>,
}

const RECENT: usize = 256;

/// Generates posts; see [`super::generate`].
#[derive(Debug)]
pub struct Generator {
    config: GenConfig,
    rng: Rng,
    timeline: Timeline,
    next: u64,
    span_us: i64,
    trend: String,
    languages: Vec<(Language, f64)>,
    brands: Vec<BrandIdentity>,
    brand_urls: Vec<String>,
    brand_authors: Vec<Author>,
    pools: Vec<Pool>,
    spam: Vec<SpamAccount>,
    recent: Vec<Arc<Root>>,
    brand_recent: Vec<Arc<Root>>,
    question: Option<(u32, Arc<Root>)>,
    ids: IdClock,
}

impl Generator {
    /// A generator for a valid configuration.
    pub fn new(config: GenConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut rng = Rng::new(config.seed, 1);
        let total: f64 = config.languages.iter().map(|l| l.weight()).sum();
        let mut acc = 0.0;
        let languages = config
            .languages
            .iter()
            .map(|&l| {
                acc += l.weight() / total;
                (l, acc)
            })
            .collect();
        let brands: Vec<BrandIdentity> = config
            .brands
            .iter()
            .filter(|b| !b.trim().is_empty())
            .map(|b| brand_identity(b))
            .collect();
        let brand_authors = brands
            .iter()
            .enumerate()
            .map(|(i, b)| brand_account(i, b, config.start, &mut rng))
            .collect();
        let pools = config
            .languages
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                let size =
                    ((config.posts as f64 * l.weight() / total / 6.0) as usize).clamp(100, 30_000);
                Pool::new(l, i, size, config.start, &mut rng)
            })
            .collect();
        let spam_count =
            ((config.posts as f64 * config.spam_share / 20.0) as usize).clamp(5, 5_000);
        let spam = spam_accounts(
            spam_count,
            &config.languages,
            brands.len(),
            config.start,
            &mut rng,
        );
        Ok(Self {
            rng: Rng::new(config.seed, 2),
            timeline: Timeline::new(config.shape, config.questions, config.posts),
            next: 0,
            span_us: i64::from(config.minutes) * 60_000_000,
            trend: config.hashtag_text(),
            languages,
            brand_urls: brands
                .iter()
                .map(|b| format!("https://{}.example/promo", b.handle))
                .collect(),
            brands,
            brand_authors,
            pools,
            spam,
            recent: Vec::with_capacity(RECENT),
            brand_recent: Vec::with_capacity(RECENT),
            question: None,
            ids: IdClock::new(config.seed),
            config,
        })
    }

    /// The brands as they appear in posts (handles and hashtags for listening rules).
    #[allow(dead_code)] // for the demo, which writes listening rules for them
    pub fn brands(&self) -> &[BrandIdentity] {
        &self.brands
    }

    /// The next post and what kind it is.
    pub fn next_labelled(&mut self) -> Option<(Post, Kind)> {
        if self.next >= self.config.posts {
            return None;
        }
        let u = self.rng.unit();
        let x = self.timeline.position(self.next, u);
        self.next += 1;
        let at = self.config.start + Duration::microseconds((x * self.span_us as f64) as i64);
        let kind = self.kind(x);
        Some((self.build(kind, at), kind))
    }

    fn kind(&mut self, x: f64) -> Kind {
        let segment = match self.config.shape {
            Shape::Chat => chat_segment(self.config.questions, x),
            _ => None,
        };
        if let Some(k) = segment
            && self.question.as_ref().is_none_or(|(q, _)| *q < k)
        {
            self.question = Some((k, Arc::new(Root::placeholder())));
            return Kind::Question;
        }
        let r = self.rng.unit();
        if r < self.config.abuse_share {
            return Kind::Abuse;
        }
        if r < self.config.abuse_share + self.config.spam_share {
            return Kind::Spam;
        }
        let trend = match self.config.shape {
            Shape::Chat => segment.is_none() || self.rng.chance(0.15),
            Shape::Burst => self.rng.chance(burst_share(x)),
            Shape::Steady => self.rng.chance(0.03),
        };
        if trend {
            return Kind::Trend;
        }
        if self.config.shape == Shape::Chat {
            return Kind::Answer;
        }
        let r = self.rng.unit();
        match r {
            _ if r < 0.01 => Kind::BrandPost,
            _ if r < 0.26 && !self.recent.is_empty() => Kind::Reply,
            _ if r < 0.46 => Kind::Chatter,
            _ => Kind::Mention,
        }
    }

    fn language(&mut self) -> usize {
        let u = self.rng.unit();
        self.languages
            .iter()
            .position(|(_, acc)| u < *acc)
            .unwrap_or(self.languages.len() - 1)
    }

    fn network(&mut self) -> Network {
        let n = &self.config.networks;
        if self.rng.chance(0.8) {
            n[0]
        } else {
            *self.rng.pick(n)
        }
    }
}

impl Iterator for Generator {
    type Item = Post;

    fn next(&mut self) -> Option<Post> {
        self.next_labelled().map(|(post, _)| post)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.config.posts - self.next) as usize;
        (left, Some(left))
    }
}
