//! Abuse: listed words and phrases found in the text, for the post's language or
//! unambiguous in every language.

use super::lexicon::{Lang, Lexicon, Severity};
use super::text::Token;

/// What one listed term adds to the abuse score, combined as independent evidence:
/// `1 - Π(1 - w)`. Aimed at someone (second person nearby) it weighs more.
fn weight(severity: Severity, targeted: bool) -> f64 {
    let base = match severity {
        Severity::Strong => 0.85,
        Severity::Mild => 0.55,
    };
    if targeted { base + 0.1 } else { base }
}

/// Second-person words: an insult aimed at someone, not a swear word in passing.
const YOU: [&str; 17] = [
    "you",
    "u",
    "ur",
    "tu",
    "toi",
    "vous",
    "kamu",
    "lu",
    "lo",
    "kau",
    "tum",
    "aap",
    "तुम",
    "तू",
    "आप",
    "تو",
    "شما",
];

/// The abuse score and the terms found.
pub struct AbuseFinding {
    /// 0.0 to 1.0.
    pub score: f64,
    /// `(term, list language, phrase?)`, each term once.
    pub hits: Vec<(String, Lang, bool)>,
}

/// Scores `tokens` of a post detected as `lang`.
pub fn score(lexicon: &Lexicon, tokens: &[Token], lang: Option<Lang>) -> AbuseFinding {
    let targeted = tokens.iter().any(|t| YOU.contains(&t.text.as_str()));
    let mut hits: Vec<(String, Lang, bool)> = Vec::new();
    let mut clean = 1.0f64;
    for at in 0..tokens.len() {
        for term in lexicon.abuse_candidates(&tokens[at]) {
            if term.local && Some(term.lang) != lang {
                continue;
            }
            if hits.iter().any(|(t, _, _)| *t == term.term) || !term.matches_at(tokens, at) {
                continue;
            }
            clean *= 1.0 - weight(term.severity, targeted);
            hits.push((term.term.clone(), term.lang, term.tokens.len() > 1));
        }
    }
    AbuseFinding {
        score: 1.0 - clean,
        hits,
    }
}
