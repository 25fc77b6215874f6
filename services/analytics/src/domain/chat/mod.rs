//! Hashtag chats as analytics sees them: the posts a chat received, each marked with its
//! author's role and the question it asks or answers ([`Annotator`]), and what the catch-up
//! and the report make of them ([`report`]), and recurring chats found in what ingest hears
//! ([`discover`]). Pure: the store hands over the rows.

pub mod discover;
mod facts;
pub mod report;

pub use facts::{
    ChatFact, ChatPeople, ChatPostFact, LabelFact, chat_fact, chat_post_fact, label_fact,
};

use std::collections::HashMap;

/// A chat as the read model keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// Its id.
    pub chat_id: String,
    /// Its hashtag as the brand writes it.
    pub hashtag: String,
    /// Its network (`as_str`).
    pub network: String,
    /// Start, microseconds.
    pub starts_us: i64,
    /// End (or cancellation), microseconds.
    pub ends_us: i64,
    /// Its people and questions.
    pub people: ChatPeople,
}

/// A post the chat received, with moderation's label.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChatPostRow {
    /// Its place in the order the chat received its posts.
    pub seq: i64,
    /// Its network (`as_str`).
    pub network: String,
    /// Its id there.
    pub native_id: String,
    /// The author's id.
    pub author_id: String,
    /// The author's handle.
    pub author_handle: String,
    /// The author's followers.
    pub followers: i64,
    /// The text.
    pub text: String,
    /// When it was written, microseconds.
    pub created_us: i64,
    /// The post it replies to, or empty.
    pub in_reply_to: String,
    /// Likes, reposts and replies.
    pub engagement: i64,
    /// `positive`, `neutral`, `negative`, or empty when not classified.
    pub sentiment: String,
    /// Hidden by moderation.
    pub hidden: bool,
}

/// Who wrote a post, for the chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The host account or a host.
    Host,
    /// A panelist.
    Panelist,
    /// Anyone else.
    Participant,
}

fn handle_key(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_lowercase()
}

impl Chat {
    /// The role of the author with `handle`.
    pub fn role(&self, handle: &str) -> Role {
        let key = handle_key(handle);
        let people = &self.people;
        if key == handle_key(&people.host_handle)
            || people.hosts.iter().any(|h| handle_key(h) == key)
        {
            Role::Host
        } else if people.panelists.iter().any(|h| handle_key(h) == key) {
            Role::Panelist
        } else {
            Role::Participant
        }
    }
}

/// The number after a leading `Q` or `A` (`Q3 …`, `a3: …`, `A12)`), if `text` starts so.
pub fn numbered(text: &str, letter: char) -> Option<u32> {
    let text = text.trim_start();
    let mut chars = text.chars();
    if !chars.next()?.eq_ignore_ascii_case(&letter) {
        return None;
    }
    let rest = chars.as_str();
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 3 {
        return None;
    }
    let after = rest[digits..].chars().next();
    if after.is_some_and(char::is_alphanumeric) {
        return None;
    }
    rest[..digits].parse().ok().filter(|n| *n > 0)
}

/// A post with what the chat makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotated<'a> {
    /// The post.
    pub row: &'a ChatPostRow,
    /// Its author's role.
    pub role: Role,
    /// The question it asks (a host's `Q3 …`), or 0.
    pub asks: u32,
    /// The question it answers (`A3 …`, or a reply to Q3's post), or 0.
    pub answers: u32,
}

/// Marks posts in the order the chat received them, remembering which posts asked which
/// question so that replies to them count as answers.
#[derive(Debug, Clone, Default)]
pub struct Annotator {
    questions: HashMap<String, u32>,
}

impl Annotator {
    /// What `chat` makes of `row`.
    pub fn annotate<'a>(&mut self, chat: &Chat, row: &'a ChatPostRow) -> Annotated<'a> {
        let role = chat.role(&row.author_handle);
        let asks = match role {
            Role::Host => numbered(&row.text, 'Q').unwrap_or(0),
            _ => 0,
        };
        if asks > 0 {
            self.questions.insert(row.native_id.clone(), asks);
        }
        let answers = match asks {
            0 => numbered(&row.text, 'A')
                .or_else(|| self.questions.get(&row.in_reply_to).copied())
                .unwrap_or(0),
            _ => 0,
        };
        Annotated {
            row,
            role,
            asks,
            answers,
        }
    }
}

#[cfg(test)]
mod tests;
