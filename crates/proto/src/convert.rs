//! Conversions between wire messages and the post model. Wire → model parses (and so
//! validates) every field and names the first one that is wrong; model → wire cannot fail.

use chrono::{DateTime, Utc};
use tagar_model as model;
use tagar_model::bounds;

use crate::v1;

/// A wire message that does not make a valid domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct WireError {
    /// The path of the offending field, e.g. `post.author.handle`.
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

impl WireError {
    /// An error on `field` for `reason`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<WireError> for tonic::Status {
    fn from(e: WireError) -> Self {
        tonic::Status::invalid_argument(e.to_string())
    }
}

/// The longest post text accepted, in bytes (see `tagar_model::bounds`).
pub const MAX_TEXT_BYTES: usize = bounds::TEXT_BYTES;

/// `check` of `value`, the error naming `field`.
fn bounded(field: impl Into<String>, check: Result<(), String>) -> Result<(), WireError> {
    check.map_err(|reason| WireError::new(field, reason))
}

/// Converts a wire network to the model's.
pub fn network_from_wire(value: i32, field: &str) -> Result<model::Network, WireError> {
    use v1::Network as W;
    let network = match W::try_from(value) {
        Ok(W::X) => model::Network::X,
        Ok(W::Mastodon) => model::Network::Mastodon,
        Ok(W::Bluesky) => model::Network::Bluesky,
        Ok(W::Threads) => model::Network::Threads,
        Ok(W::Linkedin) => model::Network::LinkedIn,
        Ok(W::Instagram) => model::Network::Instagram,
        Ok(W::Facebook) => model::Network::Facebook,
        Ok(W::Loopback) => model::Network::Loopback,
        Ok(W::Unspecified) => return Err(WireError::new(field, "is required")),
        Err(_) => return Err(WireError::new(field, format!("unknown network {value}"))),
    };
    Ok(network)
}

/// Converts a model network to the wire's.
pub fn network_to_wire(network: model::Network) -> v1::Network {
    use v1::Network as W;
    match network {
        model::Network::X => W::X,
        model::Network::Mastodon => W::Mastodon,
        model::Network::Bluesky => W::Bluesky,
        model::Network::Threads => W::Threads,
        model::Network::LinkedIn => W::Linkedin,
        model::Network::Instagram => W::Instagram,
        model::Network::Facebook => W::Facebook,
        model::Network::Loopback => W::Loopback,
    }
}

/// Converts a wire timestamp, refusing one outside chrono's range.
pub fn time_from_wire(
    ts: &prost_types::Timestamp,
    field: &str,
) -> Result<DateTime<Utc>, WireError> {
    u32::try_from(ts.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(ts.seconds, nanos))
        .ok_or_else(|| WireError::new(field, "is not a valid timestamp"))
}

/// Converts a wire timestamp that must lie in the bounds of a post's time
/// ([`bounds::time`]: from 2000 to a day after `now`).
pub fn bounded_time(
    ts: &prost_types::Timestamp,
    field: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, WireError> {
    let at = time_from_wire(ts, field)?;
    bounded(field, bounds::time(at, now))?;
    Ok(at)
}

/// Converts a time to a wire timestamp.
pub fn time_to_wire(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

fn post_ref(r: Option<v1::PostRef>, field: &str) -> Result<Option<model::PostRef>, WireError> {
    r.map(|r| {
        let native_id = model::NativePostId::parse(&r.native_id)
            .map_err(|e| WireError::new(format!("{field}.native_id"), e.to_string()))?;
        bounded(
            format!("{field}.author_id"),
            bounds::bytes(&r.author_id, bounds::AUTHOR_ID_BYTES),
        )?;
        Ok(model::PostRef {
            native_id,
            author_id: non_empty(r.author_id),
        })
    })
    .transpose()
}

fn author(a: Option<v1::Author>, now: DateTime<Utc>) -> Result<model::Author, WireError> {
    let a = a.ok_or_else(|| WireError::new("post.author", "is required"))?;
    if a.id.trim().is_empty() {
        return Err(WireError::new("post.author.id", "must not be empty"));
    }
    bounded(
        "post.author.id",
        bounds::bytes(&a.id, bounds::AUTHOR_ID_BYTES),
    )?;
    let handle = a.handle.trim_start_matches('@');
    if handle.is_empty() {
        return Err(WireError::new("post.author.handle", "must not be empty"));
    }
    bounded(
        "post.author.handle",
        bounds::bytes(handle, bounds::HANDLE_BYTES),
    )?;
    bounded(
        "post.author.display_name",
        bounds::chars(&a.display_name, bounds::DISPLAY_NAME_CHARS),
    )?;
    bounded("post.author.followers", bounds::counter(a.followers))?;
    let account_created_at = a
        .account_created_at
        .as_ref()
        .map(|t| bounded_time(t, "post.author.account_created_at", now))
        .transpose()?;
    Ok(model::Author {
        handle: handle.to_owned(),
        id: a.id,
        display_name: a.display_name,
        followers: a.followers,
        verified: a.verified,
        account_created_at,
    })
}

fn media(m: v1::Media, index: usize) -> Result<model::Media, WireError> {
    use v1::MediaKind as W;
    let field = format!("post.media[{index}]");
    let kind = match W::try_from(m.kind) {
        Ok(W::Image) => model::MediaKind::Image,
        Ok(W::Video) => model::MediaKind::Video,
        Ok(W::Gif) => model::MediaKind::Gif,
        Ok(W::Audio) => model::MediaKind::Audio,
        Ok(W::Unspecified) => return Err(WireError::new(format!("{field}.kind"), "is required")),
        Err(_) => {
            return Err(WireError::new(
                format!("{field}.kind"),
                format!("unknown kind {}", m.kind),
            ));
        }
    };
    if m.url.trim().is_empty() {
        return Err(WireError::new(format!("{field}.url"), "must not be empty"));
    }
    bounded(
        format!("{field}.url"),
        bounds::bytes(&m.url, bounds::URL_BYTES),
    )?;
    bounded(
        format!("{field}.alt_text"),
        bounds::chars(&m.alt_text, bounds::ALT_TEXT_CHARS),
    )?;
    Ok(model::Media {
        kind,
        url: m.url,
        alt_text: non_empty(m.alt_text),
        usage_rights: m.usage_rights,
    })
}

/// Converts a list of wire media (at most [`bounds::MEDIA_PER_POST`]), naming the index of a
/// bad one.
pub fn media_from_wire(media_list: Vec<v1::Media>) -> Result<Vec<model::Media>, WireError> {
    if media_list.len() > bounds::MEDIA_PER_POST {
        return Err(WireError::new(
            "post.media",
            format!(
                "holds {} items; the limit is {}",
                media_list.len(),
                bounds::MEDIA_PER_POST
            ),
        ));
    }
    media_list
        .into_iter()
        .enumerate()
        .map(|(i, m)| media(m, i))
        .collect()
}

/// Converts model media to the wire.
pub fn media_to_wire(m: &model::Media) -> v1::Media {
    let kind = match m.kind {
        model::MediaKind::Image => v1::MediaKind::Image,
        model::MediaKind::Video => v1::MediaKind::Video,
        model::MediaKind::Gif => v1::MediaKind::Gif,
        model::MediaKind::Audio => v1::MediaKind::Audio,
    };
    v1::Media {
        kind: kind as i32,
        url: m.url.clone(),
        alt_text: m.alt_text.clone().unwrap_or_default(),
        usage_rights: m.usage_rights,
    }
}

impl TryFrom<v1::Post> for model::Post {
    type Error = WireError;

    fn try_from(p: v1::Post) -> Result<Self, Self::Error> {
        let now = Utc::now();
        let network = network_from_wire(p.network, "post.network")?;
        let native_id = model::NativePostId::parse(&p.native_id)
            .map_err(|e| WireError::new("post.native_id", e.to_string()))?;
        bounded("post.text", bounds::bytes(&p.text, bounds::TEXT_BYTES))?;
        for (signs, max, what) in [
            (&['#', '＃'][..], bounds::HASHTAG_SIGNS, "hashtag signs (#)"),
            (&['@', '＠'][..], bounds::MENTION_SIGNS, "mention signs (@)"),
        ] {
            let found = bounds::signs(&p.text, signs);
            if found > max {
                return Err(WireError::new(
                    "post.text",
                    format!("holds {found} {what}; the limit is {max}"),
                ));
            }
        }
        bounded(
            "post.language",
            bounds::bytes(&p.language, bounds::LANGUAGE_BYTES),
        )?;
        bounded(
            "post.conversation_id",
            bounds::bytes(&p.conversation_id, bounds::CONVERSATION_ID_BYTES),
        )?;
        let created_at = p
            .created_at
            .as_ref()
            .ok_or_else(|| WireError::new("post.created_at", "is required"))
            .and_then(|t| bounded_time(t, "post.created_at", now))?;
        let m = p.metrics.unwrap_or_default();
        for (value, field) in [
            (m.likes, "post.metrics.likes"),
            (m.reposts, "post.metrics.reposts"),
            (m.replies, "post.metrics.replies"),
            (m.quotes, "post.metrics.quotes"),
            (m.views, "post.metrics.views"),
        ] {
            bounded(field, bounds::counter(value))?;
        }
        Ok(model::Post {
            network,
            native_id,
            author: author(p.author, now)?,
            text: p.text,
            language: non_empty(p.language),
            created_at,
            reply_to: post_ref(p.reply_to, "post.reply_to")?,
            quote_of: post_ref(p.quote_of, "post.quote_of")?,
            repost_of: post_ref(p.repost_of, "post.repost_of")?,
            conversation_id: non_empty(p.conversation_id),
            media: media_from_wire(p.media)?,
            metrics: metrics_from_wire(&m),
        })
    }
}

/// Counts on the wire.
pub fn metrics_to_wire(m: &model::PostMetrics) -> v1::PostMetrics {
    v1::PostMetrics {
        likes: m.likes,
        reposts: m.reposts,
        replies: m.replies,
        quotes: m.quotes,
        views: m.views,
    }
}

/// Counts from the wire.
pub fn metrics_from_wire(m: &v1::PostMetrics) -> model::PostMetrics {
    model::PostMetrics {
        likes: m.likes,
        reposts: m.reposts,
        replies: m.replies,
        quotes: m.quotes,
        views: m.views,
    }
}

fn ref_to_wire(r: &model::PostRef) -> v1::PostRef {
    v1::PostRef {
        native_id: r.native_id.to_string(),
        author_id: r.author_id.clone().unwrap_or_default(),
    }
}

impl From<&model::Post> for v1::Post {
    fn from(p: &model::Post) -> Self {
        let a = &p.author;
        v1::Post {
            network: network_to_wire(p.network) as i32,
            native_id: p.native_id.to_string(),
            author: Some(v1::Author {
                id: a.id.clone(),
                handle: a.handle.clone(),
                display_name: a.display_name.clone(),
                followers: a.followers,
                verified: a.verified,
                account_created_at: a.account_created_at.map(time_to_wire),
            }),
            text: p.text.clone(),
            language: p.language.clone().unwrap_or_default(),
            created_at: Some(time_to_wire(p.created_at)),
            reply_to: p.reply_to.as_ref().map(ref_to_wire),
            quote_of: p.quote_of.as_ref().map(ref_to_wire),
            repost_of: p.repost_of.as_ref().map(ref_to_wire),
            conversation_id: p.conversation_id.clone().unwrap_or_default(),
            media: p.media.iter().map(media_to_wire).collect(),
            metrics: Some(metrics_to_wire(&p.metrics)),
        }
    }
}

#[cfg(test)]
mod tests;
