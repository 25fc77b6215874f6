//! Reading X's answers: failures as what to do next, post objects as Tagar's posts, and
//! the ids Tagar puts in paths.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::Value;
use tagar_model::{Author, NativePostId, Network, Post, PostRef};

use crate::NetworkError;

pub(super) fn unavailable(reason: impl Into<String>) -> NetworkError {
    NetworkError::Unavailable {
        network: Network::X,
        reason: reason.into(),
    }
}

pub(super) fn refused(reason: impl Into<String>) -> NetworkError {
    NetworkError::Refused {
        network: Network::X,
        reason: reason.into(),
    }
}

/// A failed call, before it is read as a [`NetworkError`].
pub(super) struct Failure {
    pub(super) status: StatusCode,
    pub(super) detail: String,
    pub(super) reset: Option<DateTime<Utc>>,
}

impl Failure {
    pub(super) fn into_error(self) -> NetworkError {
        let network = Network::X;
        let reason = format!("{}: {}", self.status, self.detail);
        match self.status {
            StatusCode::TOO_MANY_REQUESTS => NetworkError::RateLimited {
                network,
                retry_at: self
                    .reset
                    .unwrap_or_else(|| Utc::now() + chrono::Duration::minutes(15)),
            },
            StatusCode::UNAUTHORIZED => NetworkError::Unauthorized { network, reason },
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => {
                NetworkError::Unavailable { network, reason }
            }
            _ => NetworkError::Refused { network, reason },
        }
    }

    pub(super) fn is_duplicate(&self) -> bool {
        self.status == StatusCode::FORBIDDEN && self.detail.contains("duplicate content")
    }
}

pub(super) fn as_failure(e: NetworkError) -> Failure {
    let status = match &e {
        NetworkError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
        NetworkError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        NetworkError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        NetworkError::Refused { .. } => StatusCode::BAD_REQUEST,
    };
    let reset = match &e {
        NetworkError::RateLimited { retry_at, .. } => Some(*retry_at),
        _ => None,
    };
    let detail = match e {
        NetworkError::Unauthorized { reason, .. }
        | NetworkError::Unavailable { reason, .. }
        | NetworkError::Refused { reason, .. } => reason,
        NetworkError::RateLimited { .. } => String::new(),
    };
    Failure {
        status,
        detail,
        reset,
    }
}

/// A post object (with its author from `includes.users`) as a post of Tagar's model.
pub(super) fn tweet_post(tweet: &Value, users: &HashMap<&str, &Value>) -> Option<Post> {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let time = |v: &Value, key: &str| {
        text(v, key)
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let author_id = text(tweet, "author_id")?;
    let user = users.get(author_id.as_str());
    let mut post = Post::new(
        Network::X,
        NativePostId::parse(&text(tweet, "id")?).ok()?,
        Author {
            handle: user
                .and_then(|u| text(u, "username"))
                .unwrap_or_else(|| author_id.clone()),
            display_name: user.and_then(|u| text(u, "name")).unwrap_or_default(),
            followers: user
                .and_then(|u| u["public_metrics"]["followers_count"].as_u64())
                .unwrap_or(0),
            verified: false,
            account_created_at: user.and_then(|u| time(u, "created_at")),
            id: author_id,
        },
        text(tweet, "text")?,
        time(tweet, "created_at").unwrap_or_else(Utc::now),
    );
    post.language = text(tweet, "lang").filter(|l| l != "und");
    post.conversation_id = text(tweet, "conversation_id");
    for reference in tweet["referenced_tweets"].as_array().into_iter().flatten() {
        let (Some(id), Some(kind)) = (
            text(reference, "id").and_then(|id| NativePostId::parse(&id).ok()),
            reference["type"].as_str(),
        ) else {
            continue;
        };
        let reference = Some(PostRef {
            native_id: id,
            author_id: None,
        });
        match kind {
            "replied_to" => post.reply_to = reference,
            "quoted" => post.quote_of = reference,
            _ => {}
        }
    }
    Some(post)
}

/// An X id as one path segment (ids are decimal strings).
pub(super) fn path_segment(id: &str) -> Result<&str, NetworkError> {
    if !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(refused(format!("{id:?} is not an X id")))
    }
}

/// Whether `shown`, a post's text as X shows it, is `ours` as written: X shortens every link
/// to `https://t.co/…`, escapes `&`, `<` and `>` as HTML entities, and ends a post with media
/// with one more link, to the media ("Post object": `text`; "URLs and t.co").
pub(super) fn same_text(ours: &str, shown: &str, with_media: bool) -> bool {
    const LINK: &str = "\u{0}";
    let mut written = String::with_capacity(ours.len());
    let mut at = 0;
    for url in tagar_model::extract(Network::X, ours).urls() {
        written.push_str(&ours[at..url.span.start]);
        written.push_str(LINK);
        at = url.span.end;
    }
    written.push_str(&ours[at..]);
    let unescaped = shown
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let mut words: Vec<&str> = unescaped
        .split_whitespace()
        .map(|w| {
            if w.starts_with("https://t.co/") {
                LINK
            } else {
                w
            }
        })
        .collect();
    if with_media && words.last() == Some(&LINK) {
        words.pop();
    }
    written.split_whitespace().eq(words)
}

#[cfg(test)]
mod tests {
    use super::same_text;

    #[test]
    fn a_post_is_recognised_as_x_shows_it() {
        assert!(same_text("Promo hari ini", "Promo hari ini", false));
        assert!(same_text(
            "Menu baru: https://kopikita.co.id/menu?utm_source=x & more",
            "Menu baru: https://t.co/AbC123 &amp; more",
            false
        ));
        assert!(same_text(
            "Lihat fotonya",
            "Lihat fotonya https://t.co/pic1",
            true
        ));
        assert!(same_text("", "https://t.co/pic1", true));
        assert!(!same_text(
            "Lihat fotonya",
            "Lihat fotonya https://t.co/pic1",
            false
        ));
        assert!(!same_text("Promo hari ini", "Promo besok", false));
    }
}
