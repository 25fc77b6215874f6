//! The checks a brand turns on for its drafts. [`check`] returns every problem found,
//! each with its span in the draft's text (where it has one) and a human message.

mod first_person;
mod utm;
mod words;

pub use first_person::Language;
pub use utm::UtmPolicy;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{
    CanonicalHashtag, EntityKind, Hashtag, Media, Network, Post, Span, Verdict, extract_and_weigh,
};

/// What a brand checks in its drafts. Every check is off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrandVoicePolicy {
    /// The most hashtags a post may carry (practice says 2 on X); `None` is no limit.
    pub max_hashtags: Option<usize>,
    /// Hashtags every post must carry, such as a live chat's tag; compared canonically.
    pub required_hashtags: Vec<Hashtag>,
    /// Words and phrases the brand never uses; whole words, compared after folding.
    pub banned_words: Vec<String>,
    /// The languages in which the brand speaks as "we", so "I" is a slip; empty is off.
    pub speaks_as_we: Vec<Language>,
    /// Campaign parameters links must carry; `None` is off.
    pub utm: Option<UtmPolicy>,
    /// Whether every attached media must have usage rights.
    pub media_needs_rights: bool,
}

/// A post about to be published, as the checks see it.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    /// The network it is for.
    pub network: Network,
    /// Its text.
    pub text: &'a str,
    /// Its language as a BCP-47 tag, when known.
    pub language: Option<&'a str>,
    /// Its media.
    pub media: &'a [Media],
}

impl<'a> Draft<'a> {
    /// The draft view of a post.
    pub fn of_post(post: &'a Post) -> Self {
        Self {
            network: post.network,
            text: &post.text,
            language: post.language.as_deref(),
            media: &post.media,
        }
    }
}

/// What a problem is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProblemKind {
    /// The network itself would refuse the text.
    NetworkRule {
        /// Why.
        verdict: Verdict,
    },
    /// A hashtag beyond the brand's limit.
    TooManyHashtags {
        /// The brand's limit.
        allowed: usize,
    },
    /// A required hashtag is absent.
    MissingHashtag {
        /// The tag that should be there.
        tag: Hashtag,
    },
    /// A banned word or phrase.
    BannedWord {
        /// The entry of the banned list that matched.
        word: String,
    },
    /// First-person singular in a brand that speaks as "we".
    FirstPersonSingular {
        /// The language the word belongs to.
        language: Language,
    },
    /// A link without the brand's campaign parameters.
    LinkWithoutUtm {
        /// The parameters it lacks.
        missing: Vec<String>,
    },
    /// Media the network does not take (too many, mixed, a kind it has not, alt text too
    /// long).
    MediaNotAccepted {
        /// Its position among the draft's media, from 0.
        index: usize,
    },
    /// Media the brand has no rights to publish.
    MediaWithoutRights {
        /// Its position among the draft's media, from 0.
        index: usize,
    },
}

/// One problem in a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What it is about.
    pub kind: ProblemKind,
    /// Where in the text, as bytes; `None` for what is absent or not in the text (a
    /// missing hashtag, media).
    pub span: Option<Span>,
    /// A sentence for the person writing the post.
    pub message: String,
}

/// Every problem of `draft` under the network's rules and the brand's `policy`, in order:
/// the network's verdict first, then each check in the order of the policy's fields.
pub fn check(policy: &BrandVoicePolicy, draft: &Draft<'_>) -> Vec<Problem> {
    let text = draft.text;
    let (entities, length) = extract_and_weigh(draft.network, text);
    let mut problems = Vec::new();

    // A post of media alone is a post: "empty" is only a problem without media.
    let media_only = length.verdict == Verdict::Empty && !draft.media.is_empty();
    if !length.is_valid() && !media_only {
        problems.push(network_problem(draft, &length));
    }
    if let Some(Err(problem)) = crate::media_rules(draft.network).map(|r| r.check(draft.media)) {
        problems.push(Problem {
            kind: ProblemKind::MediaNotAccepted {
                index: problem.index,
            },
            span: None,
            message: format!("media {}: {}", problem.index + 1, problem.reason),
        });
    }

    if let Some(allowed) = policy.max_hashtags {
        for tag in entities.hashtags().skip(allowed) {
            problems.push(Problem {
                kind: ProblemKind::TooManyHashtags { allowed },
                span: Some(tag.span),
                message: format!(
                    "#{} is one hashtag too many: the brand allows at most {allowed}",
                    tag.value
                ),
            });
        }
    }

    let present: HashSet<CanonicalHashtag> = entities
        .hashtags()
        .map(|e| CanonicalHashtag::of(e.value))
        .collect();
    for tag in &policy.required_hashtags {
        if !present.contains(&tag.canonical()) {
            problems.push(Problem {
                kind: ProblemKind::MissingHashtag { tag: tag.clone() },
                span: None,
                message: format!("the post must carry {tag}"),
            });
        }
    }

    banned_words(policy, text, &mut problems);

    // Links and handles are not prose: `kopi.example/my-account` says no "my".
    let not_prose: Vec<Span> = entities
        .all()
        .iter()
        .filter(|e| matches!(e.kind, EntityKind::Url | EntityKind::Mention))
        .map(|e| e.span)
        .collect();
    for hit in first_person::find(text, &policy.speaks_as_we, draft.language, &not_prose) {
        problems.push(Problem {
            kind: ProblemKind::FirstPersonSingular {
                language: hit.language,
            },
            span: Some(hit.span),
            message: format!("\"{}\" speaks as I; the brand speaks as we", hit.word),
        });
    }

    if let Some(utm) = &policy.utm {
        for link in entities.urls() {
            let missing = utm.missing(link);
            if !missing.is_empty() {
                problems.push(Problem {
                    message: format!("the link {} lacks {}", link.value, missing.join(", ")),
                    kind: ProblemKind::LinkWithoutUtm { missing },
                    span: Some(link.span),
                });
            }
        }
    }

    if policy.media_needs_rights {
        for (index, media) in draft.media.iter().enumerate() {
            if !media.usage_rights {
                problems.push(Problem {
                    kind: ProblemKind::MediaWithoutRights { index },
                    span: None,
                    message: format!(
                        "media {} ({:?}, {}) has no usage rights",
                        index + 1,
                        media.kind,
                        media.url
                    ),
                });
            }
        }
    }
    problems
}

fn network_problem(draft: &Draft<'_>, length: &crate::LengthCheck) -> Problem {
    let network = draft.network;
    let (span, message) = match length.verdict {
        Verdict::Empty => (None, format!("the post is empty; {network} needs text")),
        Verdict::TooLong { over_by } => (
            Some(Span::new(length.fits_until, draft.text.len())),
            format!(
                "the post is {over_by} over {network}'s limit of {}; it fits up to the highlighted part",
                length.max_length
            ),
        ),
        Verdict::TooManyBytes { over_by } => (
            Some(Span::new(length.fits_until, draft.text.len())),
            format!("the post is {over_by} bytes over {network}'s storage limit"),
        ),
        Verdict::InvalidChar { at } => {
            let end = at + draft.text[at..].chars().next().map_or(0, char::len_utf8);
            (
                Some(Span::new(at, end)),
                format!("{network} refuses the invisible character here"),
            )
        }
        Verdict::TooManyHashtags { found, max } => (
            None,
            format!("{network} accepts at most {max} hashtags; the post has {found}"),
        ),
        Verdict::TooManyMentions { found, max } => (
            None,
            format!("{network} accepts at most {max} mentions; the post has {found}"),
        ),
        Verdict::TooManyLinks { found, max } => (
            None,
            format!("{network} accepts at most {max} links; the post has {found}"),
        ),
        Verdict::Fits => (None, String::new()),
    };
    Problem {
        kind: ProblemKind::NetworkRule {
            verdict: length.verdict,
        },
        span,
        message,
    }
}

fn banned_words(policy: &BrandVoicePolicy, text: &str, problems: &mut Vec<Problem>) {
    if policy.banned_words.is_empty() {
        return;
    }
    let haystack = words::folded_words(text);
    let mut found: Vec<(Span, &str)> = Vec::new();
    for entry in &policy.banned_words {
        let needle: Vec<String> = words::words(entry).map(|(_, w)| words::fold(w)).collect();
        for span in words::find_phrase(&haystack, &needle) {
            found.push((span, entry));
        }
    }
    found.sort();
    for (span, entry) in found {
        problems.push(Problem {
            kind: ProblemKind::BannedWord {
                word: entry.to_owned(),
            },
            span: Some(span),
            message: format!("\"{}\" is on the brand's banned list", &text[span.range()]),
        });
    }
}

#[cfg(test)]
mod tests;
