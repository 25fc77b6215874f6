//! A post as Tagar sees it, whatever network it came from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{NativePostId, Network};

/// A post on a social network, normalised into one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    /// The network the post lives on.
    pub network: Network,
    /// The post's id on that network.
    pub native_id: NativePostId,
    /// Who wrote it.
    pub author: Author,
    /// The text as written (not normalised).
    pub text: String,
    /// The language as a BCP-47 tag, when the network or a detector said.
    pub language: Option<String>,
    /// When the network says it was posted.
    pub created_at: DateTime<Utc>,
    /// The post this one replies to.
    pub reply_to: Option<PostRef>,
    /// The post this one quotes.
    pub quote_of: Option<PostRef>,
    /// The post this one reposts (a retweet, a boost).
    pub repost_of: Option<PostRef>,
    /// The conversation (thread) the post belongs to; its root post's id where known.
    pub conversation_id: Option<String>,
    /// Attached media.
    pub media: Vec<Media>,
    /// Interaction counts as last seen.
    pub metrics: PostMetrics,
}

/// A reference to another post on the same network.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PostRef {
    /// The referenced post's native id.
    pub native_id: NativePostId,
    /// Its author's native id, where known.
    pub author_id: Option<String>,
}

/// The author of a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// The author's id on the network.
    pub id: String,
    /// The handle without the leading `@`.
    pub handle: String,
    /// The display name.
    pub display_name: String,
    /// Followers when the post was seen.
    pub followers: u64,
    /// Whether the network marks the account verified.
    pub verified: bool,
    /// When the account was created, where the network says.
    pub account_created_at: Option<DateTime<Utc>>,
}

/// What kind of media is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    /// A still image.
    Image,
    /// A video.
    Video,
    /// An animated GIF.
    Gif,
    /// An audio clip.
    Audio,
}

/// A media attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// Image, video, GIF or audio.
    pub kind: MediaKind,
    /// Where the media lives.
    pub url: String,
    /// Alternative text for people who cannot see it.
    pub alt_text: Option<String>,
    /// Whether the brand holds the rights to publish it.
    pub usage_rights: bool,
}

/// Interaction counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMetrics {
    /// Likes (favourites, reactions).
    pub likes: u64,
    /// Reposts (retweets, boosts).
    pub reposts: u64,
    /// Replies.
    pub replies: u64,
    /// Quote posts.
    pub quotes: u64,
    /// Views (impressions), where the network reports them.
    pub views: u64,
}

impl Post {
    /// A post standing alone: not a reply, quote or repost, no language, conversation or
    /// media, no metrics yet. Set the other fields with struct update syntax:
    /// `Post { reply_to: Some(r), ..Post::new(…) }`.
    pub fn new(
        network: Network,
        native_id: NativePostId,
        author: Author,
        text: impl Into<String>,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            network,
            native_id,
            author,
            text: text.into(),
            language: None,
            created_at,
            reply_to: None,
            quote_of: None,
            repost_of: None,
            conversation_id: None,
            media: Vec::new(),
            metrics: PostMetrics::default(),
        }
    }

    /// The key that identifies a post across networks: `network:native_id`.
    pub fn dedup_key(&self) -> String {
        format!("{}:{}", self.network, self.native_id)
    }

    /// The key that keeps a conversation in order: the conversation id when known,
    /// else the post replied to, else the post itself.
    pub fn conversation_key(&self) -> &str {
        self.conversation_id
            .as_deref()
            .or(self.reply_to.as_ref().map(|r| r.native_id.as_str()))
            .unwrap_or(self.native_id.as_str())
    }
}
