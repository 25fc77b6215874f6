//! What a post asks of the brand: a question, a complaint, praise, or something else; and
//! whether it wants an answer at all (questions, complaints, and replies in a conversation
//! do; a passing mention does not). In Tagar's five languages.

use crate::domain::classifier::Sentiment;

/// What a post asks of the brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// It asks something.
    Question,
    /// It is unhappy.
    Complaint,
    /// It is happy.
    Praise,
    /// Neither.
    Other,
}

/// Words that open a question, lower-cased: English, Indonesian, French, romanised Hindi,
/// Hindi and Persian.
const QUESTION_WORDS: &[&str] = &[
    "what",
    "how",
    "why",
    "when",
    "where",
    "who",
    "which",
    "can",
    "could",
    "is",
    "are",
    "do",
    "does",
    "will",
    "apa",
    "apakah",
    "bagaimana",
    "kenapa",
    "mengapa",
    "kapan",
    "dimana",
    "di mana",
    "siapa",
    "berapa",
    "bisakah",
    "pourquoi",
    "comment",
    "quand",
    "où",
    "qui",
    "quel",
    "quelle",
    "est-ce",
    "kya",
    "kaise",
    "kyun",
    "kyon",
    "kab",
    "kahan",
    "kaun",
    "क्या",
    "कैसे",
    "क्यों",
    "कब",
    "कहाँ",
    "कौन",
    "چرا",
    "چطور",
    "چگونه",
    "کی",
    "کجا",
    "آیا",
    "چه",
];

/// The kind of a post of `text` that the classifier read as `sentiment`. A question is
/// marked (`?`, `？`, `؟`) or opens with a question word; a question that is also negative is
/// a complaint (it wants an answer either way).
pub fn kind_of(text: &str, sentiment: Sentiment) -> Kind {
    let question = text.contains(['?', '？', '؟']) || opens_with_question_word(text);
    match (sentiment, question) {
        (Sentiment::Negative, _) => Kind::Complaint,
        (_, true) => Kind::Question,
        (Sentiment::Positive, false) => Kind::Praise,
        (Sentiment::Neutral, false) => Kind::Other,
    }
}

fn opens_with_question_word(text: &str) -> bool {
    let first = text
        .split_whitespace()
        .find(|w| !w.starts_with(['@', '#', '＠', '＃']))
        .unwrap_or("")
        .trim_matches(|c: char| c.is_ascii_punctuation() || c == '،')
        .to_lowercase();
    QUESTION_WORDS.contains(&first.as_str())
}

/// Whether a post of `kind` wants an answer: questions and complaints do, and so does any
/// reply in a conversation (`is_reply`) that is not mere praise.
pub fn wants_an_answer(kind: Kind, is_reply: bool) -> bool {
    match kind {
        Kind::Question | Kind::Complaint => true,
        Kind::Other => is_reply,
        Kind::Praise => false,
    }
}
