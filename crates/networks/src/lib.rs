//! The networks Tagar publishes to, listens on and acts on, behind one [`Connector`] trait:
//! one module per network, and no service logic (`docs/DESIGN.md`). Scheduling publishes
//! through it, moderation acts through it.
//!
//! What a connector promises:
//! - **Publishing is idempotent per scheduled post.** [`Publication::key`] is the scheduled
//!   post's id; publishing the same key twice leaves one post on the network and answers the
//!   second call with the first post ([`Delivered::already`]). How depends on the network:
//!   Bluesky derives the record key from it ([`tid`]).
//! - **Errors say what to do next** ([`NetworkError`]): refused for good, rate limited until a
//!   time, unavailable for now, or unauthorized (the account needs reconnecting; retrying
//!   will not help).
//! - **Credentials never leave in clear.** [`Credentials`] holds them as secrets: `Debug`
//!   prints no secret, and [`Credentials::to_sealable`] is the one way out, for the vault.
//!
//! Tagar's loopback network is not here: it is the event log itself, written in the
//! dispatcher's transaction (see scheduling's `network` module).

pub mod bluesky;
mod credentials;
pub mod mastodon;
pub mod media;
pub mod tid;
pub mod x;

pub use credentials::{Credentials, CredentialsError};
pub use media::{Attachment, MediaError, MediaFetcher};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tagar_model::Network;
use uuid::Uuid;

/// A post to publish.
#[derive(Debug, Clone)]
pub struct Publication<'a> {
    /// The scheduled post's id: publishing the same key twice gives one post.
    pub key: Uuid,
    /// The text, as approved.
    pub text: &'a str,
    /// Its media, fetched and checked against the network's rules ([`MediaFetcher`]); the
    /// connector uploads them with each attempt (an upload an attempt does not use is
    /// dropped by the network: Bluesky's unreferenced blobs, Mastodon's unattached media, X's
    /// after a day).
    pub media: &'a [Attachment],
    /// The network's id of the post this one replies to, if any.
    pub reply_to: Option<&'a str>,
    /// The network's id of the post this one quotes, if any.
    pub quote: Option<&'a str>,
    /// The time the post says it was written.
    pub created_at: DateTime<Utc>,
    /// Which attempt at publishing this post this is (1 for the first).
    pub attempt: u32,
    /// When the first attempt started, if this is a later one: a network without an
    /// idempotency key (X) looks for the post among the account's posts since then.
    pub first_attempt_at: Option<DateTime<Utc>>,
}

impl<'a> Publication<'a> {
    /// A first attempt at publishing `text` alone (no media, not a reply or quote), written
    /// now, under `key`.
    pub fn new(key: Uuid, text: &'a str) -> Self {
        Self {
            key,
            text,
            media: &[],
            reply_to: None,
            quote: None,
            created_at: chrono::Utc::now(),
            attempt: 1,
            first_attempt_at: None,
        }
    }
}

/// What the network answered to a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The network's id of the post (Bluesky: its `at://` URI).
    pub native_id: String,
    /// The network's content hash or version of it, where it has one (Bluesky: the CID).
    pub version: Option<String>,
    /// `true` when the post was there already: an earlier attempt had published it.
    pub already: bool,
}

/// Who a set of credentials belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The network's stable id of the account (Bluesky: its DID).
    pub native_id: String,
    /// Its handle.
    pub handle: String,
}

/// What the network said to an account since a cursor: posts mentioning it or replying to it.
#[derive(Debug, Clone, Default)]
pub struct Heard {
    /// The posts, in Tagar's model, oldest first.
    pub posts: Vec<tagar_model::Post>,
    /// Where the next look starts (the newest id seen); `None` when nothing new came.
    pub cursor: Option<String>,
}

/// What a brand listens for on a network's search: its listening rules' hashtags, keywords
/// and handles.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SearchTerm {
    /// A hashtag, without `#`.
    Hashtag(String),
    /// A word or phrase.
    Keyword(String),
    /// A handle, without `@`.
    Handle(String),
}

/// What the network allows one account, as its documentation gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Posts an account may create per hour.
    pub posts_per_hour: u32,
    /// Posts an account may create per day.
    pub posts_per_day: u32,
}

/// Why a network call did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// The network refused the request for good (the post breaks its rules, the target does
    /// not exist); trying again gives the same answer.
    #[error("{network} refused it: {reason}")]
    Refused {
        /// The network.
        network: Network,
        /// Its reason.
        reason: String,
    },
    /// The account's rate limit is spent until `retry_at`.
    #[error("{network} rate limit reached; it resets at {retry_at}")]
    RateLimited {
        /// The network.
        network: Network,
        /// When the network says the limit resets.
        retry_at: DateTime<Utc>,
    },
    /// The network could not be reached or failed on its side; try again later.
    #[error("{network} is unavailable: {reason}")]
    Unavailable {
        /// The network.
        network: Network,
        /// What happened.
        reason: String,
    },
    /// The credentials were refused (revoked, expired, wrong): the account needs
    /// reconnecting, and retrying will not help.
    #[error("{network} refused the account's credentials: {reason}")]
    Unauthorized {
        /// The network.
        network: Network,
        /// Its reason.
        reason: String,
    },
}

impl NetworkError {
    /// Whether trying the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            NetworkError::RateLimited { .. } | NetworkError::Unavailable { .. }
        )
    }
}

/// The newer of two post ids of a network whose ids are decimal numbers that grow with time
/// (X's, a Mastodon server's).
pub(crate) fn newer_id(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if (b.len(), &b) > (a.len(), &a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_newer_id_is_the_larger_number() {
        let id = |s: &str| Some(s.to_owned());
        assert_eq!(super::newer_id(id("999"), id("1000")), id("1000"));
        assert_eq!(super::newer_id(id("1001"), id("1000")), id("1001"));
        assert_eq!(super::newer_id(None, id("5")), id("5"));
    }
}

/// An account a connector acts for.
#[derive(Debug, Clone)]
pub struct Account<'a> {
    /// Tagar's id of the account (sessions are cached by it).
    pub id: Uuid,
    /// Its credentials, opened from the vault.
    pub credentials: &'a Credentials,
}

/// One network: publish, delete, act, and its limits.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The network it talks to.
    fn network(&self) -> Network;

    /// What the network allows one account.
    fn limits(&self) -> Limits;

    /// Checks `credentials` with the network and says whose they are.
    async fn verify(&self, credentials: &Credentials) -> Result<Identity, NetworkError>;

    /// Publishes `post` from `account`, once per [`Publication::key`].
    async fn publish(
        &self,
        account: &Account<'_>,
        post: &Publication<'_>,
    ) -> Result<Delivered, NetworkError>;

    /// Deletes the account's post `native_id`; deleting what is gone already succeeds.
    async fn delete(&self, account: &Account<'_>, native_id: &str) -> Result<(), NetworkError>;

    /// Blocks the author `author_native_id` from `account`; returns the network's id of the
    /// block.
    async fn block(
        &self,
        account: &Account<'_>,
        author_native_id: &str,
    ) -> Result<String, NetworkError>;

    /// Mutes the author `author_native_id` for `account`: their posts stop reaching it, and
    /// they are not told. Networks without it refuse.
    async fn mute(
        &self,
        _account: &Account<'_>,
        author_native_id: &str,
    ) -> Result<(), NetworkError> {
        Err(NetworkError::Refused {
            network: self.network(),
            reason: format!(
                "{} has no mute Tagar can call (for {author_native_id})",
                self.network()
            ),
        })
    }

    /// Reports the post `post_native_id` by `author_native_id` to the network's moderators,
    /// with `comment`. Networks without a reporting API refuse.
    async fn report(
        &self,
        _account: &Account<'_>,
        post_native_id: &str,
        _author_native_id: &str,
        _comment: &str,
    ) -> Result<(), NetworkError> {
        Err(NetworkError::Refused {
            network: self.network(),
            reason: format!(
                "{} has no reporting API (for {post_native_id})",
                self.network()
            ),
        })
    }

    /// Hides the reply `reply_native_id` under the account's own post, where the network lets
    /// an author hide replies. Networks without it refuse.
    async fn hide_reply(
        &self,
        _account: &Account<'_>,
        reply_native_id: &str,
    ) -> Result<(), NetworkError> {
        Err(NetworkError::Refused {
            network: self.network(),
            reason: format!(
                "{} does not let authors hide replies (for {reply_native_id})",
                self.network()
            ),
        })
    }

    /// The posts that mention the account (or reply to it) since `cursor`, for networks that
    /// are listened to by polling (Mastodon's notifications, X's mentions). Networks with a
    /// firehose (Bluesky) refuse.
    async fn mentions(
        &self,
        _account: &Account<'_>,
        _cursor: Option<&str>,
    ) -> Result<Heard, NetworkError> {
        Err(NetworkError::Refused {
            network: self.network(),
            reason: format!("{} is not listened to by polling", self.network()),
        })
    }

    /// Public posts matching any of `terms` since `cursor`, oldest first, read with the
    /// account's credentials, where the network has a search: X's recent search (hashtags,
    /// keywords, handles), Mastodon's hashtag timelines (hashtags only: its full-text search
    /// is not public). Terms the network cannot search for are left out; a network without
    /// search hears nothing.
    async fn search(
        &self,
        _account: &Account<'_>,
        _terms: &[SearchTerm],
        _cursor: Option<&str>,
    ) -> Result<Heard, NetworkError> {
        Ok(Heard::default())
    }

    /// A signal for each new mention of the account, pushed by the network as it happens
    /// (Mastodon's streaming API), so a poller can look at once instead of at its next
    /// round; `None` for networks without such a stream. The channel closes when the stream
    /// ends, and polling goes on without it.
    async fn watch_mentions(
        &self,
        _account: &Account<'_>,
    ) -> Result<Option<tokio::sync::mpsc::Receiver<()>>, NetworkError> {
        Ok(None)
    }

    /// The post's counts now (likes, reposts, replies, quotes, views where the network gives
    /// them), for refreshing a published post's performance over time. Networks that serve
    /// them only through an index Tagar does not reach refuse.
    async fn counts(
        &self,
        _account: &Account<'_>,
        native_id: &str,
    ) -> Result<tagar_model::PostMetrics, NetworkError> {
        Err(NetworkError::Refused {
            network: self.network(),
            reason: format!(
                "{} counts are not read by Tagar yet (for {native_id})",
                self.network()
            ),
        })
    }

    /// The account's credentials if a call changed them (X rotates refresh tokens), once:
    /// the caller seals and stores them, or the next process signs in with spent ones.
    fn refreshed(&self, _account: Uuid) -> Option<Credentials> {
        None
    }
}
