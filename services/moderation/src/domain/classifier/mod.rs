//! The first multilingual classifier: abuse from curated word lists (English, French,
//! Indonesian, Hindi in Devanagari and romanised, Persian), spam signals, sentiment and the
//! language. Pure: the same post and the same repeat count always give the same result.
//!
//! Use: [`Classifier::prepare`] a post once (normalise, tokenise, detect the language, find
//! its links, hashtags and mentions), look its [`Prepared::repeat_key`] up in a
//! [`RepeatWindow`], then [`Classifier::classify`].

mod abuse;
mod language;
mod lexicon;
mod sentiment;
mod spam;
mod text;

use std::hash::{DefaultHasher, Hash, Hasher};

use tagar_model::{EntityKind, Post};

pub use language::Language;
pub use lexicon::{Lang, LexiconError};
pub use sentiment::Sentiment;
pub use spam::{REPEAT_THRESHOLD, RepeatWindow};

use lexicon::Lexicon;
use spam::SpamInput;
use text::Token;

/// A text shorter than this (folded, in bytes) is too common to count as repeated spam
/// ("thanks!", "lol").
const MIN_REPEAT_TEXT: usize = 15;

/// Reads posts.
#[derive(Debug)]
pub struct Classifier {
    lexicon: Lexicon,
}

/// A post made ready for classifying.
#[derive(Debug, Clone)]
pub struct Prepared {
    tokens: Vec<Token>,
    language: Language,
    spam: SpamInput,
    repeat_key: Option<u64>,
}

impl Prepared {
    /// The key of the post's text for repetition counting, `None` when the text is too short
    /// to count.
    pub fn repeat_key(&self) -> Option<u64> {
        self.repeat_key
    }

    /// The detected language.
    pub fn language(&self) -> Language {
        self.language
    }
}

/// What the classifier found.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// 0.0 (clean) to 1.0 (certainly abusive).
    pub abuse_score: f32,
    /// 0.0 to 1.0.
    pub spam_score: f32,
    /// The overall feeling.
    pub sentiment: Sentiment,
    /// BCP-47 tag of the detected language (`und` when undetermined).
    pub language: &'static str,
    /// Why, for people: "abusive word 'idiot' (en)", "only links and hashtags".
    pub reasons: Vec<String>,
}

fn rounded(score: f64) -> f32 {
    ((score.clamp(0.0, 1.0) * 1000.0).round() / 1000.0) as f32
}

impl Classifier {
    /// A classifier with the word lists shipped in `data/`.
    pub fn builtin() -> Result<Self, LexiconError> {
        Ok(Self {
            lexicon: Lexicon::builtin()?,
        })
    }

    /// Normalises, tokenises and measures `post`.
    pub fn prepare(&self, post: &Post) -> Prepared {
        let extraction = tagar_model::extract(post.network, &post.text);
        let mut spam = SpamInput::default();
        // `prose`: the text without links and mentions (what is said); `bare`: without
        // hashtags either (what is said in words).
        let (mut prose, mut bare, mut keyed) = (String::new(), String::new(), String::new());
        let mut last = 0;
        for entity in extraction.all() {
            let between = &post.text[last..entity.span.start];
            let span = &post.text[entity.span.start..entity.span.end];
            prose.push_str(between);
            bare.push_str(between);
            keyed.push_str(between);
            match entity.kind {
                EntityKind::Url => {
                    spam.links += 1;
                    keyed.push_str(span);
                }
                EntityKind::Mention => spam.mentions += 1,
                EntityKind::Hashtag | EntityKind::Cashtag => {
                    if entity.kind == EntityKind::Hashtag {
                        spam.hashtags += 1;
                    }
                    prose.push_str(span);
                    keyed.push_str(span);
                }
            }
            for s in [&mut prose, &mut bare, &mut keyed] {
                s.push(' ');
            }
            last = entity.span.end;
        }
        let rest = &post.text[last..];
        prose.push_str(rest);
        bare.push_str(rest);
        keyed.push_str(rest);

        let folded = text::fold(&prose);
        let tokens = text::tokens(&folded);
        let language = language::detect(&self.lexicon, &folded, &tokens, post.language.as_deref());
        spam.words = text::words(&bare).len();
        spam.account_age = post
            .author
            .account_created_at
            .map(|created| post.created_at - created);
        let keyed = text::words(&keyed);
        let key_len: usize = keyed.iter().map(|t| t.text.len() + 1).sum();
        let repeat_key = (key_len >= MIN_REPEAT_TEXT).then(|| {
            let mut hasher = DefaultHasher::new();
            for token in &keyed {
                token.text.hash(&mut hasher);
            }
            hasher.finish()
        });
        Prepared {
            tokens,
            language,
            spam,
            repeat_key,
        }
    }

    /// Classifies a prepared post whose text was seen `repeats` times recently for its tenant,
    /// this post included (0 or 1 when not repeated).
    pub fn classify(&self, prepared: &Prepared, repeats: u32) -> Classification {
        let lang = prepared.language.lang;
        let abuse = abuse::score(&self.lexicon, &prepared.tokens, lang);
        let sentiment = sentiment::read(&self.lexicon, &prepared.tokens, lang, abuse.hits.len());
        let spam_input = SpamInput {
            repeats,
            ..prepared.spam
        };
        let (spam_score, spam_reasons) = spam::score(&spam_input);
        let mut reasons: Vec<String> = abuse
            .hits
            .iter()
            .map(|(term, lang, phrase)| {
                let what = if *phrase { "phrase" } else { "word" };
                format!("abusive {what} '{term}' ({})", lang.code())
            })
            .collect();
        reasons.extend(spam_reasons);
        Classification {
            abuse_score: rounded(abuse.score),
            spam_score: rounded(spam_score),
            sentiment,
            language: prepared.language.tag(),
            reasons,
        }
    }

    /// [`Classifier::prepare`] and [`Classifier::classify`] for a post seen once.
    pub fn classify_post(&self, post: &Post) -> Classification {
        self.classify(&self.prepare(post), 1)
    }
}

#[cfg(test)]
mod tests;
