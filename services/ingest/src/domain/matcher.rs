//! Matching a post against every listening rule of a tenant's brands at once.
//!
//! One Aho-Corasick automaton holds every keyword and phrase of every brand (folded, see
//! [`super::fold`]), so a post's text is scanned once whatever the number of rules. Hashtags
//! and handles are exact lookups after canonicalisation, so they sit in hash maps: the
//! post's hashtags and mentions come from one pass of the post model's extractor.

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, MatchKind};
use tagar_model::{BrandId, EntityKind, Post, canonicalize_into, extract};
use uuid::Uuid;

use super::fold::{Folder, fold_phrase};
use super::pattern::{Pattern, RuleKind};
use super::rule::ListeningRule;

/// A rule as the matcher reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHit {
    /// The rule.
    pub rule_id: Uuid,
    /// Its brand.
    pub brand_id: BrandId,
    /// Whether it is a competitor rule.
    pub competitor: bool,
}

/// What one post matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostMatch {
    /// The rules it matched, by brand then rule id, each once.
    pub hits: Vec<RuleHit>,
    /// The canonical hashtags of its text, each once, in order of appearance.
    pub hashtags: Vec<String>,
}

impl PostMatch {
    /// The hits grouped by brand: `(brand, rule ids)`, brands in order.
    ///
    /// At most [`MAX_BRANDS_PER_POST`] brands (the first by brand id): a post naming every
    /// brand of a large agency is matched to that many, so what follows it (a classification
    /// and maybe a review case per brand) stays bounded.
    pub fn by_brand(&self) -> Vec<(BrandId, Vec<Uuid>)> {
        let mut out: Vec<(BrandId, Vec<Uuid>)> = Vec::new();
        for hit in &self.hits {
            let full = out.len() == MAX_BRANDS_PER_POST;
            match out.last_mut() {
                Some((brand, rules)) if *brand == hit.brand_id => rules.push(hit.rule_id),
                _ if full => break,
                _ => out.push((hit.brand_id, vec![hit.rule_id])),
            }
        }
        out
    }
}

/// The most brands one post is matched to.
pub const MAX_BRANDS_PER_POST: usize = 100;

/// Every active rule of one tenant, compiled for matching. Read-only once built: share it
/// behind an `Arc`.
#[derive(Debug, Default)]
pub struct Matcher {
    rules: Vec<RuleHit>,
    /// Folded phrases, one automaton pattern each, with the rules that use it.
    phrases: Option<AhoCorasick>,
    phrase_rules: Vec<Vec<u32>>,
    hashtags: HashMap<String, Vec<u32>>,
    handles: HashMap<String, Vec<u32>>,
}

/// Reusable buffers for [`Matcher::match_post`].
#[derive(Debug, Default)]
pub struct Scratch {
    folder: Folder,
    folded: String,
    tag: String,
    seen_tags: HashSet<String>,
    hits: Vec<u32>,
}

impl Matcher {
    /// Compiles `rules` (the active rules of one tenant, any brands).
    pub fn new(rules: &[ListeningRule]) -> Self {
        let mut m = Matcher::default();
        let mut phrase_ids: HashMap<String, usize> = HashMap::new();
        let mut phrases: Vec<String> = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let i = i as u32;
            m.rules.push(RuleHit {
                rule_id: rule.rule_id,
                brand_id: rule.brand_id,
                competitor: rule.kind == RuleKind::Competitor,
            });
            match &rule.pattern {
                Pattern::Hashtag(h) => m
                    .hashtags
                    .entry(h.canonical().as_str().to_owned())
                    .or_default()
                    .push(i),
                Pattern::Handle(h) => m.handles.entry(h.canonical()).or_default().push(i),
                Pattern::Keyword(k) => {
                    let folded = fold_phrase(k);
                    let id = *phrase_ids.entry(folded.clone()).or_insert_with(|| {
                        phrases.push(folded);
                        m.phrase_rules.push(Vec::new());
                        phrases.len() - 1
                    });
                    m.phrase_rules[id].push(i);
                }
            }
        }
        if !phrases.is_empty() {
            // Standard semantics, so every overlapping phrase is reported ("kopi" and
            // "kopi susu" in one text are both hits).
            m.phrases = Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&phrases)
                    .expect("folded phrases are short, so the automaton always builds"),
            );
        }
        m
    }

    /// How many rules it holds.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether it holds no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Matches one post: its text's hashtags, keywords and mentions, and its author.
    pub fn match_post(&self, post: &Post, scratch: &mut Scratch) -> PostMatch {
        scratch.hits.clear();
        scratch.seen_tags.clear();
        let mut hashtags: Vec<String> = Vec::new();
        for entity in extract(post.network, &post.text).all() {
            match entity.kind {
                EntityKind::Hashtag => {
                    canonicalize_into(entity.value, &mut scratch.tag);
                    if let Some(rules) = self.hashtags.get(scratch.tag.as_str()) {
                        scratch.hits.extend(rules);
                    }
                    // Each once, in the order they first appear; a set, so a text of many
                    // hashtags costs linear time.
                    if scratch.seen_tags.insert(scratch.tag.clone()) {
                        hashtags.push(scratch.tag.clone());
                    }
                }
                EntityKind::Mention if !self.handles.is_empty() => {
                    self.lookup_handle(entity.value, &mut scratch.tag, &mut scratch.hits);
                }
                _ => {}
            }
        }
        if !self.handles.is_empty() {
            self.lookup_handle(&post.author.handle, &mut scratch.tag, &mut scratch.hits);
        }
        if let Some(ac) = &self.phrases {
            scratch.folder.fold_into(&post.text, &mut scratch.folded);
            for found in ac.find_overlapping_iter(scratch.folded.as_str()) {
                scratch
                    .hits
                    .extend(&self.phrase_rules[found.pattern().as_usize()]);
            }
        }
        PostMatch {
            hits: self.hits(&mut scratch.hits),
            hashtags,
        }
    }

    fn lookup_handle(&self, handle: &str, buf: &mut String, hits: &mut Vec<u32>) {
        buf.clear();
        buf.push_str(handle);
        buf.make_ascii_lowercase();
        if let Some(rules) = self.handles.get(buf.as_str()) {
            hits.extend(rules);
        }
    }

    fn hits(&self, found: &mut Vec<u32>) -> Vec<RuleHit> {
        if found.is_empty() {
            return Vec::new();
        }
        found.sort_unstable();
        found.dedup();
        let mut hits: Vec<RuleHit> = found
            .iter()
            .map(|&i| self.rules[i as usize].clone())
            .collect();
        hits.sort_by_key(|a| (a.brand_id, a.rule_id));
        hits
    }
}
