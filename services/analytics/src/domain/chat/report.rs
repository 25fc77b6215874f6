//! The chat so far for a latecomer ([`catch_up`]) and the report after it ([`report`]),
//! from the chat's posts in the order received. Posts hidden by moderation count in
//! `hidden` and nowhere else.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Annotated, Annotator, Chat, ChatPostRow, Role};
use crate::domain::{MINUTE_US, minute_of};

/// The most engaged answers shown per question.
pub const TOP_ANSWERS: usize = 5;
/// Voices per top list.
pub const TOP_VOICES: usize = 10;
/// Participants suggested for following.
pub const TO_FOLLOW: usize = 20;

/// A question and its answers so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionSoFar<'a> {
    /// 1-based.
    pub number: u32,
    /// As planned, else as a host asked it.
    pub text: String,
    /// When a host's post asked it, if heard.
    pub asked_us: Option<i64>,
    /// How many answers.
    pub answers: u64,
    /// The most engaged, most first.
    pub top: Vec<Annotated<'a>>,
}

/// The chat so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatchUp<'a> {
    /// By question.
    pub questions: Vec<QuestionSoFar<'a>>,
    /// The hosts' and panelists' posts, oldest first.
    pub brand_posts: Vec<Annotated<'a>>,
    /// Posts shown.
    pub posts: u64,
    /// Distinct participants.
    pub participants: u64,
}

/// The visible posts, annotated in the order received.
pub fn annotate<'a>(chat: &Chat, rows: &'a [ChatPostRow]) -> Vec<Annotated<'a>> {
    let mut annotator = Annotator::default();
    rows.iter()
        .filter(|r| !r.hidden)
        .map(|r| annotator.annotate(chat, r))
        .collect()
}

fn by_engagement(a: &Annotated<'_>, b: &Annotated<'_>) -> std::cmp::Ordering {
    b.row
        .engagement
        .cmp(&a.row.engagement)
        .then(a.row.created_us.cmp(&b.row.created_us))
}

fn questions<'a>(chat: &Chat, posts: &[Annotated<'a>]) -> Vec<QuestionSoFar<'a>> {
    let asked = posts
        .iter()
        .map(|p| p.asks)
        .chain(posts.iter().map(|p| p.answers))
        .max();
    let count = (chat.people.questions.len() as u32).max(asked.unwrap_or(0));
    (1..=count)
        .map(|number| {
            let ask = posts.iter().find(|p| p.asks == number);
            let mut answers: Vec<Annotated<'a>> = posts
                .iter()
                .filter(|p| p.answers == number)
                .copied()
                .collect();
            answers.sort_by(by_engagement);
            let text = chat
                .people
                .questions
                .get(number as usize - 1)
                .cloned()
                .or_else(|| ask.map(|p| p.row.text.clone()))
                .unwrap_or_default();
            QuestionSoFar {
                number,
                text,
                asked_us: ask.map(|p| p.row.created_us),
                answers: answers.len() as u64,
                top: answers.into_iter().take(TOP_ANSWERS).collect(),
            }
        })
        .collect()
}

fn author_key(row: &ChatPostRow) -> (&str, &str) {
    (row.network.as_str(), row.author_id.as_str())
}

/// The chat so far, for someone joining late.
pub fn catch_up<'a>(chat: &Chat, rows: &'a [ChatPostRow]) -> CatchUp<'a> {
    let posts = annotate(chat, rows);
    let participants: HashSet<_> = posts
        .iter()
        .filter(|p| p.role == Role::Participant)
        .map(|p| author_key(p.row))
        .collect();
    let mut brand_posts: Vec<Annotated<'a>> = posts
        .iter()
        .filter(|p| p.role != Role::Participant)
        .copied()
        .collect();
    brand_posts.sort_by_key(|p| p.row.created_us);
    CatchUp {
        questions: questions(chat, &posts),
        brand_posts,
        posts: posts.len() as u64,
        participants: participants.len() as u64,
    }
}

/// One author's part in the chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voice {
    /// The author's id.
    pub author_id: String,
    /// The handle.
    pub author_handle: String,
    /// The role.
    pub role: Role,
    /// Posts.
    pub posts: u64,
    /// Of which answers.
    pub answers: u64,
    /// Likes, reposts and replies received.
    pub engagement: u64,
    /// Followers (the most seen).
    pub followers: u64,
    /// Took part in an earlier chat of the same hashtag.
    pub returning: bool,
}

/// Sentiment counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SentimentCounts {
    /// Positive.
    pub positive: u64,
    /// Neutral.
    pub neutral: u64,
    /// Negative.
    pub negative: u64,
    /// Not classified.
    pub unknown: u64,
}

/// The report of a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report<'a> {
    /// Posts counted.
    pub posts: u64,
    /// Every author, most posts first.
    pub voices: Vec<Voice>,
    /// Participants (not hosts or panelists): all, new, returning.
    pub participants: (u64, u64, u64),
    /// Top participants by posts.
    pub top_by_posts: Vec<Voice>,
    /// Top participants by engagement received.
    pub top_by_engagement: Vec<Voice>,
    /// Posts per minute, every minute of the chat.
    pub per_minute: Vec<(i64, u64)>,
    /// Per question: number, text, answers.
    pub questions: Vec<(u32, String, u64)>,
    /// Participants' questions no host or panelist replied to.
    pub unanswered: Vec<Annotated<'a>>,
    /// The unique participants' followers.
    pub reach: u64,
    /// Sentiment of the posts counted.
    pub sentiment: SentimentCounts,
    /// Participants worth following.
    pub to_follow: Vec<Voice>,
    /// Hosts and panelists to thank.
    pub to_thank: Vec<String>,
    /// Posts hidden by moderation.
    pub hidden: u64,
}

fn asks_something(text: &str) -> bool {
    text.contains(['?', '？', '؟'])
}

/// The report of `chat` from its posts; `earlier` holds the `(network, author id)` of
/// everyone who took part in an earlier chat of the same hashtag.
pub fn report<'a>(
    chat: &Chat,
    rows: &'a [ChatPostRow],
    earlier: &HashSet<(String, String)>,
) -> Report<'a> {
    let posts = annotate(chat, rows);
    let mut voices: HashMap<(&str, &str), Voice> = HashMap::new();
    let mut sentiment = SentimentCounts::default();
    let mut minutes: BTreeMap<i64, u64> = BTreeMap::new();
    for p in &posts {
        let row = p.row;
        let voice = voices.entry(author_key(row)).or_insert_with(|| Voice {
            author_id: row.author_id.clone(),
            author_handle: row.author_handle.clone(),
            role: p.role,
            posts: 0,
            answers: 0,
            engagement: 0,
            followers: 0,
            returning: earlier.contains(&(row.network.clone(), row.author_id.clone())),
        });
        voice.posts += 1;
        voice.answers += u64::from(p.answers > 0);
        voice.engagement += row.engagement.max(0) as u64;
        voice.followers = voice.followers.max(row.followers.max(0) as u64);
        match row.sentiment.as_str() {
            "positive" => sentiment.positive += 1,
            "neutral" => sentiment.neutral += 1,
            "negative" => sentiment.negative += 1,
            _ => sentiment.unknown += 1,
        }
        *minutes.entry(minute_of(row.created_us)).or_default() += 1;
    }
    let replied: HashSet<&str> = posts
        .iter()
        .filter(|p| p.role != Role::Participant)
        .map(|p| p.row.in_reply_to.as_str())
        .collect();
    let unanswered = posts
        .iter()
        .filter(|p| p.role == Role::Participant && asks_something(&p.row.text))
        .filter(|p| !replied.contains(p.row.native_id.as_str()))
        .copied()
        .collect();
    let mut voices: Vec<Voice> = voices.into_values().collect();
    voices.sort_by(|a, b| {
        b.posts
            .cmp(&a.posts)
            .then(b.engagement.cmp(&a.engagement))
            .then(a.author_handle.cmp(&b.author_handle))
    });
    let participants: Vec<&Voice> = voices
        .iter()
        .filter(|v| v.role == Role::Participant)
        .collect();
    let returning = participants.iter().filter(|v| v.returning).count() as u64;
    let top_by_posts = participants
        .iter()
        .take(TOP_VOICES)
        .map(|v| (*v).clone())
        .collect();
    let mut engaged = participants.clone();
    engaged.sort_by(|a, b| {
        b.engagement
            .cmp(&a.engagement)
            .then(b.posts.cmp(&a.posts))
            .then(a.author_handle.cmp(&b.author_handle))
    });
    let top_by_engagement = engaged
        .iter()
        .take(TOP_VOICES)
        .map(|v| (*v).clone())
        .collect();
    let to_follow = engaged
        .iter()
        .take(TO_FOLLOW)
        .map(|v| (*v).clone())
        .collect();
    let first = minute_of(chat.starts_us);
    let per_minute = (0..)
        .map(|i| first + i * MINUTE_US)
        .take_while(|m| *m < chat.ends_us)
        .map(|m| (m, minutes.get(&m).copied().unwrap_or(0)))
        .collect();
    let people = &chat.people;
    let mut to_thank: Vec<String> = people
        .hosts
        .iter()
        .chain(&people.panelists)
        .cloned()
        .collect();
    to_thank.dedup();
    Report {
        posts: posts.len() as u64,
        participants: (
            participants.len() as u64,
            participants.len() as u64 - returning,
            returning,
        ),
        reach: participants.iter().map(|v| v.followers).sum(),
        top_by_posts,
        top_by_engagement,
        to_follow,
        per_minute,
        questions: questions(chat, &posts)
            .into_iter()
            .map(|q| (q.number, q.text, q.answers))
            .collect(),
        unanswered,
        sentiment,
        to_thank,
        hidden: rows.iter().filter(|r| r.hidden).count() as u64,
        voices,
    }
}
