//! How one consumed event folds into the read models: a pure function from an envelope to
//! the counters it adds, so the consumer only sums and writes.
//!
//! Minutes: a post's mention counts in the minute of its `created_at` on the network (when
//! it was said, so a replay draws the event's real curve), unless that is missing or more
//! than [`MAX_CLOCK_SKEW_US`] after the envelope's `occurred_at` (a clock we cannot trust),
//! then in the minute of `occurred_at`. Moderation events count in the minute of
//! `occurred_at`; a publish in the minute of `published_at` (else `occurred_at`).

use std::collections::BTreeSet;

use tagar_model::{BrandId, TenantId};
use tagar_proto::convert::time_from_wire;
use tagar_proto::envelope::EnvelopeMeta;
use tagar_proto::v1::envelope::Event;
use tagar_proto::v1::{Decision, Envelope, PostIngested, Verdict};

use super::chat::{ChatFact, ChatPostFact, LabelFact, chat_fact, chat_post_fact, label_fact};
use super::crisis::facts::{CrisisFact, NegativePostFact, crisis_fact, negative_post_fact};
use super::minute_of;

/// A post's `created_at` may be this far after the envelope's `occurred_at` (clock skew)
/// before the consumer distrusts it and uses `occurred_at`.
pub const MAX_CLOCK_SKEW_US: i64 = 5 * 60 * 1_000_000;

/// The longest hashtag (in bytes) counted; longer ones are noise or abuse.
pub const MAX_HASHTAG_BYTES: usize = 280;

/// Where a hashtag is counted: for one brand, or for the tenant overall (`'*'` in the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// The tenant overall: every post that matched at least one of its brands, once.
    Tenant,
    /// One brand.
    Brand(BrandId),
}

impl Scope {
    /// The value of the `scope` column: the brand id, or `*` for the tenant.
    pub fn column(&self) -> String {
        match self {
            Scope::Tenant => "*".to_owned(),
            Scope::Brand(brand) => brand.to_string(),
        }
    }
}

/// The key of a row of `analytics_brand_minutes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BrandMinute {
    /// The tenant.
    pub tenant: TenantId,
    /// The brand.
    pub brand: BrandId,
    /// The start of the minute, in microseconds since the epoch.
    pub minute_us: i64,
}

/// The key of a row of `analytics_hashtag_minutes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HashtagMinute {
    /// The tenant.
    pub tenant: TenantId,
    /// The brand, or the tenant overall.
    pub scope: Scope,
    /// The canonical hashtag, without `#`.
    pub hashtag: String,
    /// The start of the minute, in microseconds since the epoch.
    pub minute_us: i64,
}

/// A brand's counters for one minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Posts that matched the brand's listening rules.
    pub mentions: i64,
    /// Posts the classifier flagged (verdict review or hide).
    pub flagged: i64,
    /// Posts hidden, by policy or by a moderator's decision (each counted once).
    pub hidden: i64,
    /// The brand's own posts published.
    pub published: i64,
    /// Likes on the mentioning posts, as ingested.
    pub likes: i64,
    /// Reposts of the mentioning posts, as ingested.
    pub reposts: i64,
    /// Replies to the mentioning posts, as ingested.
    pub replies: i64,
    /// Posts moderation found negative in tone.
    pub negative: i64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.mentions += o.mentions;
        self.flagged += o.flagged;
        self.hidden += o.hidden;
        self.published += o.published;
        self.likes += o.likes;
        self.reposts += o.reposts;
        self.replies += o.replies;
        self.negative += o.negative;
    }
}

/// What a review-case event tells analytics; counting a hide once needs the case's memory
/// (the store's `analytics_review_cases`), so the consumer settles it inside its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseFact {
    /// A case was opened; `hidden` when the policy already hid the post (and its
    /// `PostClassified` counted the hide).
    Opened {
        /// The tenant.
        tenant: TenantId,
        /// The case.
        case_id: String,
        /// Whether the post is already hidden.
        hidden: bool,
        /// The case's post: network (`as_str`), id there, author id (a moderator's hide or
        /// block later leaves it, or its author, out of hashtag chats' views).
        post: (String, String, String),
    },
    /// A moderator hid the post or blocked its author: one more hidden post for `at`, unless
    /// the case's post was already counted hidden.
    Hidden {
        /// Where the hide counts.
        at: BrandMinute,
        /// The case.
        case_id: String,
        /// The author was blocked, not only the post hidden.
        blocks: bool,
    },
}

/// Everything one event adds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fold {
    /// Counters per brand and minute.
    pub brands: Vec<(BrandMinute, Counts)>,
    /// Hashtag mentions, one each.
    pub hashtags: Vec<HashtagMinute>,
    /// A review-case fact to settle against the store.
    pub case: Option<CaseFact>,
    /// A change to a hashtag chat.
    pub chat: Option<ChatFact>,
    /// A post with hashtags, which may belong to a chat.
    pub chat_post: Option<ChatPostFact>,
    /// Moderation's label of a post (kept for posts near a chat).
    pub label: Option<LabelFact>,
    /// A negative post, kept as a crisis's evidence.
    pub negative_post: Option<NegativePostFact>,
    /// A step of a crisis that scheduling took.
    pub crisis: Option<CrisisFact>,
    /// An inbox item came in, was answered or closed.
    pub response: Option<super::responses::ResponseFact>,
}

impl Fold {
    /// Whether the event changes no read model (it need not even be marked processed).
    pub fn is_empty(&self) -> bool {
        self.brands.is_empty()
            && self.hashtags.is_empty()
            && self.case.is_none()
            && self.chat.is_none()
            && self.chat_post.is_none()
            && self.label.is_none()
            && self.negative_post.is_none()
            && self.crisis.is_none()
            && self.response.is_none()
    }
}

/// An event that breaks the contract (it goes to the dead-letter topic).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {reason}")]
pub struct FoldError {
    /// The offending field.
    pub field: &'static str,
    /// Why.
    pub reason: &'static str,
}

/// Folds a decoded envelope into the counters it adds. Events analytics does not count fold
/// to an empty [`Fold`].
pub fn fold(meta: &EnvelopeMeta, envelope: Envelope) -> Result<Fold, FoldError> {
    let occurred_us = meta.occurred_at.timestamp_micros();
    let at = |brand: BrandId, us: i64| BrandMinute {
        tenant: meta.tenant,
        brand,
        minute_us: minute_of(us),
    };
    let mut fold = Fold {
        chat: chat_fact(meta, &envelope),
        crisis: crisis_fact(meta, &envelope),
        response: super::responses::response_fact(meta, &envelope),
        ..Fold::default()
    };
    match envelope.event {
        Some(Event::PostIngested(ingested)) => return ingested_post(meta, ingested),
        Some(Event::PostClassified(classified)) => {
            fold.label = Some(label_fact(meta, &classified));
            // A negative post counts in the minute it was written (as its mention does), so
            // a replay of old posts is not a storm now.
            let posted_us = classified
                .posted_at
                .as_ref()
                .and_then(|t| time_from_wire(t, "posted_at").ok())
                .map(|t| t.timestamp_micros())
                .filter(|us| *us <= occurred_us.saturating_add(MAX_CLOCK_SKEW_US))
                .unwrap_or(occurred_us);
            fold.negative_post = negative_post_fact(meta, &classified, posted_us);
            if let (Some(brand), Some(_)) = (meta.brand, &fold.negative_post) {
                let negative = Counts {
                    negative: 1,
                    ..Counts::default()
                };
                fold.brands.push((at(brand, posted_us), negative));
            }
            let counts = match classified.verdict() {
                Verdict::Review => Counts {
                    flagged: 1,
                    ..Counts::default()
                },
                Verdict::Hide => Counts {
                    flagged: 1,
                    hidden: 1,
                    ..Counts::default()
                },
                Verdict::Allow | Verdict::Unspecified => return Ok(fold),
            };
            if let Some(brand) = meta.brand {
                fold.brands.push((at(brand, occurred_us), counts));
            }
        }
        Some(Event::ReviewCaseOpened(opened)) => {
            fold.case = Some(CaseFact::Opened {
                tenant: meta.tenant,
                case_id: case_id(opened.case_id, &envelope.aggregate_id)?,
                hidden: opened.hidden,
                post: (
                    tagar_proto::convert::network_from_wire(opened.network, "network")
                        .map(|n| n.as_str().to_owned())
                        .unwrap_or_default(),
                    opened.native_id,
                    opened.author_id,
                ),
            });
        }
        Some(Event::ReviewCaseDecided(decided)) => {
            let hides = matches!(decided.decision(), Decision::Hide | Decision::BlockAuthor);
            if let (true, Some(brand)) = (hides, meta.brand) {
                fold.case = Some(CaseFact::Hidden {
                    at: at(brand, occurred_us),
                    blocks: decided.decision() == Decision::BlockAuthor,
                    case_id: case_id(decided.case_id, &envelope.aggregate_id)?,
                });
            }
        }
        Some(Event::PostPublished(published)) => {
            let us = published
                .published_at
                .as_ref()
                .and_then(|t| time_from_wire(t, "published_at").ok())
                .map_or(occurred_us, |t| t.timestamp_micros());
            if let Some(brand) = meta.brand {
                let counts = Counts {
                    published: 1,
                    ..Counts::default()
                };
                fold.brands.push((at(brand, us), counts));
            }
        }
        _ => {}
    }
    Ok(fold)
}

fn case_id(in_payload: String, aggregate_id: &str) -> Result<String, FoldError> {
    match (in_payload.is_empty(), aggregate_id.is_empty()) {
        (false, _) => Ok(in_payload),
        (true, false) => Ok(aggregate_id.to_owned()),
        (true, true) => Err(FoldError {
            field: "case_id",
            reason: "is required (in the event or as the envelope's aggregate id)",
        }),
    }
}

fn ingested_post(meta: &EnvelopeMeta, ingested: PostIngested) -> Result<Fold, FoldError> {
    let mut brands = BTreeSet::new();
    for m in &ingested.matches {
        let brand = BrandId::parse(&m.brand_id).map_err(|_| FoldError {
            field: "post_ingested.matches.brand_id",
            reason: "is not a UUID",
        })?;
        brands.insert(brand);
    }
    if brands.is_empty() {
        return Ok(Fold::default());
    }
    let occurred_us = meta.occurred_at.timestamp_micros();
    let post = ingested.post.unwrap_or_default();
    let minute_exact = post
        .created_at
        .as_ref()
        .and_then(|t| time_from_wire(t, "created_at").ok())
        .map(|t| t.timestamp_micros())
        .filter(|us| *us <= occurred_us.saturating_add(MAX_CLOCK_SKEW_US))
        .unwrap_or(occurred_us);
    let minute_us = minute_of(minute_exact);
    let metrics = post.metrics.unwrap_or_default();
    let counts = Counts {
        mentions: 1,
        likes: saturate(metrics.likes),
        reposts: saturate(metrics.reposts),
        replies: saturate(metrics.replies),
        ..Counts::default()
    };
    let mut tags = ingested.hashtags;
    tags.retain(|t| !t.is_empty() && t.len() <= MAX_HASHTAG_BYTES);
    tags.sort_unstable();
    tags.dedup();

    let mut fold = Fold {
        brands: Vec::with_capacity(brands.len()),
        hashtags: Vec::with_capacity(tags.len() * (brands.len() + 1)),
        chat_post: chat_post_fact(meta, &post, &tags, minute_exact),
        ..Fold::default()
    };
    for brand in &brands {
        let key = BrandMinute {
            tenant: meta.tenant,
            brand: *brand,
            minute_us,
        };
        fold.brands.push((key, counts));
    }
    let scopes = brands
        .iter()
        .map(|b| Scope::Brand(*b))
        .chain([Scope::Tenant]);
    for scope in scopes {
        for tag in &tags {
            fold.hashtags.push(HashtagMinute {
                tenant: meta.tenant,
                scope,
                hashtag: tag.clone(),
                minute_us,
            });
        }
    }
    Ok(fold)
}

fn saturate(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "fold_tests.rs"]
mod tests;
