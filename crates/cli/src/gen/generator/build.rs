//! Building one post of a chosen kind: its author, text, place in a conversation, id,
//! media and metrics.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tagar_model::{Author, Media, MediaKind, NativePostId, Network, Post, PostRef};

use super::{Generator, Kind, RECENT, Root};
use crate::r#gen::config::Shape;
use crate::r#gen::lexicon::{Language, Lexicon};
use crate::r#gen::people::metrics;
use crate::r#gen::render::{Slots, render};
use crate::r#gen::rng::Rng;

impl Generator {
    pub(super) fn build(&mut self, kind: Kind, at: DateTime<Utc>) -> Post {
        let mut text = String::with_capacity(160);
        let mut brand = self.rng.below(self.brands.len());
        let mut parent: Option<Arc<Root>> = None;
        let (author, language) = match kind {
            Kind::Spam => {
                let s = &self.spam[self.rng.below(self.spam.len())];
                brand = s.brand;
                let slots = self.slots_for(brand, s.language.lexicon(), "", &s.url);
                if s.link_only {
                    let sigil = if s.campaign.is_multiple_of(2) {
                        &self.brands[brand].hashtag
                    } else {
                        &self.brands[brand].handle
                    };
                    let at_sign = if s.campaign.is_multiple_of(2) {
                        ""
                    } else {
                        "@"
                    };
                    let _ = write!(text, "{at_sign}{sigil} {}", s.url);
                } else {
                    // A campaign's text is the same every time: a fixed seed per account.
                    let mut fixed = Rng::new(
                        s.author.id.len() as u64 + s.campaign as u64 * 31 + brand as u64,
                        9,
                    );
                    render(
                        s.language.lexicon().spam[s.campaign],
                        &slots,
                        &mut fixed,
                        &mut text,
                    );
                }
                (s.author.clone(), s.language)
            }
            Kind::Question => {
                let k = self.question.as_ref().map_or(0, |(k, _)| *k);
                brand = 0;
                let language = self.config.languages[0];
                let lexicon = language.lexicon();
                let _ = write!(text, "Q{}: ", k + 1);
                let template = lexicon.questions[k as usize % lexicon.questions.len()];
                self.fill(template, brand, lexicon, "", &mut text);
                text.push(' ');
                text.push_str(&self.trend);
                (self.brand_authors[0].clone(), language)
            }
            Kind::BrandPost => {
                let language = self.config.languages[self.rng.below(self.config.languages.len())];
                let lexicon = language.lexicon();
                let template = *self.rng.pick(lexicon.brand_posts);
                self.fill(template, brand, lexicon, "", &mut text);
                (self.brand_authors[brand].clone(), language)
            }
            _ => {
                let li = self.language();
                let author = self.pools[li].someone(&mut self.rng).clone();
                let language = self.pools[li].language;
                let lexicon = language.lexicon();
                parent = self.parent_for(kind);
                if let Some(b) = parent.as_ref().and_then(|p| p.brand) {
                    brand = b;
                }
                // Reply to the parent's author, unless that is the brand the text names anyway.
                let mention = match &parent {
                    Some(p) if p.handle != self.brands[brand].handle => p.handle.clone(),
                    _ => self.pools[li].someone(&mut self.rng).handle.clone(),
                };
                let template = match kind {
                    Kind::Abuse => *self.rng.pick(lexicon.abuse),
                    Kind::Reply => *self.rng.pick(lexicon.replies),
                    Kind::Trend => *self.rng.pick(lexicon.trend),
                    Kind::Chatter => *self.rng.pick(lexicon.chatter),
                    Kind::Answer => {
                        let k = self.question.as_ref().map_or(0, |(k, _)| *k);
                        let _ = write!(text, "A{} ", k + 1);
                        *self.rng.pick(lexicon.answers)
                    }
                    _ => *self.rng.pick(lexicon.posts),
                };
                self.fill(template, brand, lexicon, &mention, &mut text);
                if kind == Kind::Answer {
                    text.push(' ');
                    text.push_str(&self.trend);
                }
                (author, language)
            }
        };
        self.assemble(kind, at, author, language, text, parent, brand)
    }

    fn slots_for<'a>(
        &'a self,
        brand: usize,
        lexicon: &'static Lexicon,
        mention: &'a str,
        url: &'a str,
    ) -> Slots<'a> {
        Slots {
            brand: &self.brands[brand],
            trend: &self.trend,
            products: lexicon.products,
            mention,
            url,
        }
    }

    fn fill(
        &mut self,
        template: &str,
        brand: usize,
        lexicon: &'static Lexicon,
        mention: &str,
        out: &mut String,
    ) {
        let mention = if mention.is_empty() { "tagar" } else { mention };
        let slots = Slots {
            brand: &self.brands[brand],
            trend: &self.trend,
            products: lexicon.products,
            mention,
            url: &self.brand_urls[brand],
        };
        render(template, &slots, &mut self.rng, out);
    }

    fn parent_for(&mut self, kind: Kind) -> Option<Arc<Root>> {
        match kind {
            Kind::Answer => self.question.as_ref().map(|(_, q)| Arc::clone(q)),
            Kind::Abuse if self.config.shape == Shape::Chat => {
                self.question.as_ref().map(|(_, q)| Arc::clone(q))
            }
            Kind::Abuse if !self.brand_recent.is_empty() && self.rng.chance(0.6) => Some(
                Arc::clone(&self.brand_recent[self.rng.below(self.brand_recent.len())]),
            ),
            Kind::Abuse | Kind::Reply if !self.recent.is_empty() => {
                Some(Arc::clone(&self.recent[self.rng.below(self.recent.len())]))
            }
            _ => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        &mut self,
        kind: Kind,
        at: DateTime<Utc>,
        author: Author,
        language: Language,
        text: String,
        parent: Option<Arc<Root>>,
        brand: usize,
    ) -> Post {
        let network = match (&parent, kind) {
            (Some(p), _) => p.network,
            (None, Kind::Question) => self.config.networks[0],
            _ => self.network(),
        };
        let id = self.ids.next(at);
        let native_id = match network {
            Network::Bluesky => format!("at://did:plc:{}/app.bsky.feed.post/{id:x}", author.id),
            _ => id.to_string(),
        };
        let conversation = parent
            .as_ref()
            .map_or_else(|| native_id.clone(), |p| p.conversation.clone());
        let mut metrics = metrics(author.followers, &mut self.rng);
        if kind == Kind::Spam {
            metrics = tagar_model::PostMetrics {
                views: metrics.views.min(40),
                ..Default::default()
            };
        }
        let media = if matches!(kind, Kind::Mention | Kind::BrandPost | Kind::Trend)
            && self.rng.chance(0.12)
        {
            vec![Media {
                kind: MediaKind::Image,
                url: format!(
                    "https://media.{}.example/{id:x}.jpg",
                    self.brands[brand].handle
                ),
                alt_text: self
                    .rng
                    .chance(0.4)
                    .then(|| self.brands[brand].name.clone()),
                usage_rights: kind == Kind::BrandPost,
            }]
        } else {
            Vec::new()
        };
        if parent.is_none() && !matches!(kind, Kind::Spam | Kind::Abuse) {
            let root = Arc::new(Root {
                native_id: native_id.clone(),
                author_id: author.id.clone(),
                handle: author.handle.clone(),
                network,
                conversation: conversation.clone(),
                brand: (kind == Kind::BrandPost || kind == Kind::Question).then_some(brand),
            });
            match kind {
                Kind::Question => {
                    if let Some((_, q)) = self.question.as_mut() {
                        *q = root;
                    }
                }
                Kind::BrandPost => remember(&mut self.brand_recent, root, &mut self.rng),
                _ => remember(&mut self.recent, root, &mut self.rng),
            }
        }
        Post {
            network,
            native_id: NativePostId::parse(&native_id).unwrap_or_else(|_| unreachable_id()),
            reply_to: parent.as_ref().map(|p| PostRef {
                native_id: NativePostId::parse(&p.native_id).unwrap_or_else(|_| unreachable_id()),
                author_id: Some(p.author_id.clone()),
            }),
            author,
            text,
            language: Some(language.code().to_owned()),
            created_at: at,
            quote_of: None,
            repost_of: None,
            conversation_id: Some(conversation),
            media,
            metrics,
        }
    }
}

/// Generated ids are never empty nor long; this is only the type's fallback.
fn unreachable_id() -> NativePostId {
    NativePostId::parse("0").expect("a one-character id parses")
}

fn remember(recent: &mut Vec<Arc<Root>>, root: Arc<Root>, rng: &mut Rng) {
    if recent.len() < RECENT {
        recent.push(root);
    } else {
        let i = rng.below(RECENT);
        recent[i] = root;
    }
}

impl Root {
    pub(super) fn placeholder() -> Self {
        Root {
            native_id: String::new(),
            author_id: String::new(),
            handle: String::new(),
            network: Network::X,
            conversation: String::new(),
            brand: Some(0),
        }
    }
}
