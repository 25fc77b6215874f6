//! Listening on Bluesky: the repository firehose, `com.atproto.sync.subscribeRepos`, decoded
//! here.
//!
//! The firehose is a WebSocket of binary frames, each two DAG-CBOR values: a header
//! `{op, t}` (`op` 1 a message of type `t`, -1 an error) and a body. A `#commit` body names
//! the repository (a DID), its sequence number `seq`, the operations (`create` of
//! `app.bsky.feed.post/<rkey>` with the record's CID, …) and `blocks`, a CAR file (v1: a
//! varint-prefixed DAG-CBOR header, then varint-prefixed blocks of a CID and its bytes) that
//! carries the new records. Each created post's record is found in the CAR by its CID and
//! decoded into a [`HeardPost`].
//!
//! `seq` only grows: a consumer stores the last one it has taken in and resumes with
//! `?cursor=<seq>`, which replays from the next one (the PDS keeps a window of them). Frames
//! of other types (`#identity`, `#account`, `#sync`, …) carry a `seq` too and are
//! [`Event::Other`], so the cursor moves past them.

use std::collections::HashMap;
use std::io::Cursor;

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use ipld_core::cid::Cid;
use ipld_core::ipld::Ipld;
use tokio_tungstenite::tungstenite::Message;
use url::Url;

use super::POST_COLLECTION;

/// The largest frame accepted (the PDS caps a commit's blocks at 2 MB; headroom for the rest).
pub const MAX_FRAME_BYTES: usize = 5 * 1024 * 1024;

/// Why the firehose could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FirehoseError {
    /// The connection failed or closed; reconnect from the stored cursor.
    #[error("the firehose connection failed: {0}")]
    Connection(String),
    /// The server sent an error frame (`FutureCursor`, `ConsumerTooSlow`, …).
    #[error("the firehose answered {error}: {message}")]
    Stream {
        /// Its error name.
        error: String,
        /// Its message.
        message: String,
    },
    /// A frame that does not decode; it is skipped (its `seq`, when readable, still moves
    /// the cursor).
    #[error("an unreadable firehose frame{}: {reason}", seq.map(|s| format!(" (seq {s})")).unwrap_or_default())]
    Frame {
        /// The frame's `seq`, if that much was readable.
        seq: Option<i64>,
        /// What was wrong.
        reason: String,
    },
}

/// What one frame said.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A commit to a repository, with the posts it created.
    Commit(Commit),
    /// Anything else that moves the sequence (identity, account, sync, a commit too big to
    /// carry its records).
    Other {
        /// Its sequence number.
        seq: i64,
        /// Its type (`#identity`, …).
        kind: String,
    },
    /// An `#info` frame (`OutdatedCursor`: the cursor was older than the window kept).
    Info {
        /// Its name.
        name: String,
        /// Its message.
        message: String,
    },
}

impl Event {
    /// The sequence number the event moves the cursor to, if any.
    pub fn seq(&self) -> Option<i64> {
        match self {
            Event::Commit(c) => Some(c.seq),
            Event::Other { seq, .. } => Some(*seq),
            Event::Info { .. } => None,
        }
    }
}

/// A commit, as far as Tagar listens to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// Its sequence number.
    pub seq: i64,
    /// The repository (the author's DID).
    pub repo: String,
    /// When the PDS took it.
    pub time: Option<DateTime<Utc>>,
    /// The posts it created.
    pub posts: Vec<HeardPost>,
    /// The `at://` URIs of posts it deleted.
    pub deleted: Vec<String>,
}

/// A post as the firehose carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeardPost {
    /// `at://<did>/app.bsky.feed.post/<rkey>`.
    pub uri: String,
    /// Its record's CID.
    pub cid: String,
    /// The author's DID.
    pub author: String,
    /// The text.
    pub text: String,
    /// When the author says it was written.
    pub created_at: Option<DateTime<Utc>>,
    /// Its languages (BCP 47), as the author's client set them.
    pub langs: Vec<String>,
    /// The post it replies to, and its thread's first post.
    pub reply_parent: Option<String>,
    /// The thread's first post.
    pub reply_root: Option<String>,
    /// The post it quotes.
    pub quote: Option<String>,
    /// The DIDs its mention facets point at.
    pub mentions: Vec<String>,
}

impl HeardPost {
    /// Every DID the post is addressed to: the authors of what it replies to or quotes, and
    /// those it mentions.
    pub fn addressed_to(&self) -> impl Iterator<Item = &str> + '_ {
        fn repo_of(uri: &str) -> Option<&str> {
            super::parse_at_uri(uri).map(|(repo, _, _)| repo)
        }
        self.reply_parent
            .iter()
            .chain(&self.reply_root)
            .chain(&self.quote)
            .filter_map(|uri| repo_of(uri))
            .chain(self.mentions.iter().map(String::as_str))
    }
}

/// The firehose of one PDS or relay.
#[derive(Debug, Clone)]
pub struct Firehose {
    endpoint: Url,
}

impl Firehose {
    /// The firehose of `service`: `https://host` (or `wss://host`; `http` and `ws` for a
    /// local PDS).
    pub fn new(service: &str) -> Result<Self, String> {
        let mut url = Url::parse(service.trim()).map_err(|e| format!("not a URL: {e}"))?;
        let scheme = match url.scheme() {
            "https" | "wss" => "wss",
            "http" | "ws" => "ws",
            other => return Err(format!("scheme {other:?}: use https, wss, http or ws")),
        };
        url.set_scheme(scheme)
            .map_err(|()| "cannot set the scheme".to_owned())?;
        url.set_path("/xrpc/com.atproto.sync.subscribeRepos");
        url.set_query(None);
        Ok(Self { endpoint: url })
    }

    /// Where it connects, without a cursor.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Subscribes, resuming after `cursor` when given.
    pub async fn subscribe(&self, cursor: Option<i64>) -> Result<Subscription, FirehoseError> {
        let mut url = self.endpoint.clone();
        if let Some(seq) = cursor {
            url.query_pairs_mut()
                .append_pair("cursor", &seq.to_string());
        }
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES));
        let (socket, _) =
            tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), false)
                .await
                .map_err(|e| FirehoseError::Connection(e.to_string()))?;
        Ok(Subscription { socket })
    }
}

/// An open subscription.
pub struct Subscription {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Subscription {
    /// The next event; `None` when the server closed the stream.
    pub async fn next(&mut self) -> Option<Result<Event, FirehoseError>> {
        loop {
            let message = match self.socket.next().await? {
                Ok(message) => message,
                Err(e) => return Some(Err(FirehoseError::Connection(e.to_string()))),
            };
            match message {
                Message::Binary(bytes) => return Some(decode(&bytes)),
                Message::Close(_) => return None,
                // Pings are answered by tungstenite; text frames are not part of the protocol.
                _ => continue,
            }
        }
    }
}

fn frame_error(seq: Option<i64>, reason: impl Into<String>) -> FirehoseError {
    FirehoseError::Frame {
        seq,
        reason: reason.into(),
    }
}

fn field<'a>(map: &'a std::collections::BTreeMap<String, Ipld>, key: &str) -> Option<&'a Ipld> {
    map.get(key)
}

fn text(value: Option<&Ipld>) -> Option<&str> {
    match value {
        Some(Ipld::String(s)) => Some(s),
        _ => None,
    }
}

fn integer(value: Option<&Ipld>) -> Option<i64> {
    match value {
        Some(Ipld::Integer(i)) => i64::try_from(*i).ok(),
        _ => None,
    }
}

fn time(value: Option<&Ipld>) -> Option<DateTime<Utc>> {
    text(value)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Decodes one binary frame.
pub fn decode(frame: &[u8]) -> Result<Event, FirehoseError> {
    let mut values = serde_ipld_dagcbor::de::Deserializer::from_slice(frame).into_iter::<Ipld>();
    let header = match values.next() {
        Some(Ok(Ipld::Map(header))) => header,
        Some(Ok(_)) => return Err(frame_error(None, "the header is not a map")),
        Some(Err(e)) => return Err(frame_error(None, format!("the header: {e}"))),
        None => return Err(frame_error(None, "an empty frame")),
    };
    let body = match values.next() {
        Some(Ok(Ipld::Map(body))) => body,
        Some(Ok(_)) => return Err(frame_error(None, "the body is not a map")),
        Some(Err(e)) => return Err(frame_error(None, format!("the body: {e}"))),
        None => return Err(frame_error(None, "a frame without a body")),
    };
    let seq = integer(field(&body, "seq"));
    if integer(field(&header, "op")) == Some(-1) {
        return Err(FirehoseError::Stream {
            error: text(field(&body, "error")).unwrap_or("").to_owned(),
            message: text(field(&body, "message")).unwrap_or("").to_owned(),
        });
    }
    let kind = text(field(&header, "t")).unwrap_or("").to_owned();
    if kind == "#info" {
        return Ok(Event::Info {
            name: text(field(&body, "name")).unwrap_or("").to_owned(),
            message: text(field(&body, "message")).unwrap_or("").to_owned(),
        });
    }
    let seq = seq.ok_or_else(|| frame_error(None, format!("a {kind} frame without seq")))?;
    let too_big = matches!(field(&body, "tooBig"), Some(Ipld::Bool(true)));
    if kind != "#commit" || too_big {
        return Ok(Event::Other { seq, kind });
    }
    commit(seq, &body).map(Event::Commit)
}

fn commit(
    seq: i64,
    body: &std::collections::BTreeMap<String, Ipld>,
) -> Result<Commit, FirehoseError> {
    let repo = text(field(body, "repo"))
        .ok_or_else(|| frame_error(Some(seq), "a commit without repo"))?
        .to_owned();
    let blocks = match field(body, "blocks") {
        Some(Ipld::Bytes(bytes)) => car_blocks(bytes).map_err(|e| frame_error(Some(seq), e))?,
        _ => HashMap::new(),
    };
    let ops = match field(body, "ops") {
        Some(Ipld::List(ops)) => ops.as_slice(),
        _ => &[],
    };
    let mut posts = Vec::new();
    let mut deleted = Vec::new();
    for op in ops {
        let Ipld::Map(op) = op else { continue };
        let Some(path) = text(field(op, "path")) else {
            continue;
        };
        let Some(rkey) = path
            .strip_prefix(POST_COLLECTION)
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        let uri = format!("at://{repo}/{path}");
        match text(field(op, "action")) {
            Some("create") => {
                let Some(Ipld::Link(cid)) = field(op, "cid") else {
                    continue;
                };
                let Some(bytes) = blocks.get(cid) else {
                    continue;
                };
                match post_record(bytes) {
                    Ok(record) => posts.push(HeardPost {
                        uri,
                        cid: cid.to_string(),
                        author: repo.clone(),
                        ..record
                    }),
                    Err(reason) => {
                        tracing::debug!(seq, rkey, %reason, "skipped a post record that does not decode");
                    }
                }
            }
            Some("delete") => deleted.push(uri),
            _ => {}
        }
    }
    Ok(Commit {
        seq,
        repo,
        time: time(field(body, "time")),
        posts,
        deleted,
    })
}

/// The blocks of a CAR v1 file, by CID.
fn car_blocks(car: &[u8]) -> Result<HashMap<Cid, &[u8]>, String> {
    let mut rest = car;
    let header_len = varint(&mut rest).ok_or("a CAR without a header")?;
    rest = rest
        .get(header_len..)
        .ok_or("a CAR header longer than the file")?;
    let mut blocks = HashMap::new();
    while !rest.is_empty() {
        let len = varint(&mut rest).ok_or("a CAR block without a length")?;
        let block = rest.get(..len).ok_or("a CAR block longer than the file")?;
        rest = &rest[len..];
        let mut cursor = Cursor::new(block);
        let cid = Cid::read_bytes(&mut cursor).map_err(|e| format!("a CAR block's CID: {e}"))?;
        let at = usize::try_from(cursor.position()).map_err(|e| e.to_string())?;
        blocks.insert(cid, &block[at..]);
    }
    Ok(blocks)
}

/// An unsigned LEB128 varint, advancing `bytes` past it.
fn varint(bytes: &mut &[u8]) -> Option<usize> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().enumerate().take(9) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            *bytes = &bytes[i + 1..];
            return usize::try_from(value).ok();
        }
    }
    None
}

/// An `app.bsky.feed.post` record (DAG-CBOR), without its URI and author.
fn post_record(bytes: &[u8]) -> Result<HeardPost, String> {
    let Ipld::Map(record) =
        serde_ipld_dagcbor::from_slice::<Ipld>(bytes).map_err(|e| e.to_string())?
    else {
        return Err("the record is not a map".into());
    };
    if text(field(&record, "$type")) != Some(POST_COLLECTION) {
        return Err("not an app.bsky.feed.post".into());
    }
    let uri_at = |path: &[&str]| -> Option<String> {
        let mut value = field(&record, path[0])?;
        for key in &path[1..] {
            let Ipld::Map(map) = value else { return None };
            value = map.get(*key)?;
        }
        text(Some(value)).map(str::to_owned)
    };
    let quote = match text(record.get("embed").and_then(|e| match e {
        Ipld::Map(m) => m.get("$type"),
        _ => None,
    })) {
        Some("app.bsky.embed.record") => uri_at(&["embed", "record", "uri"]),
        Some("app.bsky.embed.recordWithMedia") => uri_at(&["embed", "record", "record", "uri"]),
        _ => None,
    };
    let mut mentions = Vec::new();
    if let Some(Ipld::List(facets)) = field(&record, "facets") {
        for facet in facets {
            let Ipld::Map(facet) = facet else { continue };
            let Some(Ipld::List(features)) = facet.get("features") else {
                continue;
            };
            for feature in features {
                let Ipld::Map(feature) = feature else {
                    continue;
                };
                if text(feature.get("$type")) == Some("app.bsky.richtext.facet#mention")
                    && let Some(did) = text(feature.get("did"))
                {
                    mentions.push(did.to_owned());
                }
            }
        }
    }
    let langs = match field(&record, "langs") {
        Some(Ipld::List(langs)) => langs
            .iter()
            .filter_map(|l| text(Some(l)).map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Ok(HeardPost {
        uri: String::new(),
        cid: String::new(),
        author: String::new(),
        text: text(field(&record, "text")).unwrap_or("").to_owned(),
        created_at: time(field(&record, "createdAt")),
        langs,
        reply_parent: uri_at(&["reply", "parent", "uri"]),
        reply_root: uri_at(&["reply", "root", "uri"]),
        quote,
        mentions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_read_and_bad_cars_refused() {
        let mut bytes: &[u8] = &[0xac, 0x02, 0xff];
        assert_eq!(varint(&mut bytes), Some(300));
        assert_eq!(bytes, &[0xff]);
        assert!(car_blocks(&[0x05, 0x00]).is_err());
        assert!(car_blocks(&[]).is_err());
    }

    #[test]
    fn frames_that_are_not_dag_cbor_are_refused_not_panicked_on() {
        for frame in [&b""[..], b"\xff\xff", b"\xa1\x62op\x01", b"\x00\x00"] {
            assert!(decode(frame).is_err(), "{frame:?}");
        }
    }

    #[test]
    fn an_error_frame_is_a_stream_error() {
        let header =
            serde_ipld_dagcbor::to_vec(&Ipld::Map([("op".to_owned(), Ipld::Integer(-1))].into()))
                .unwrap();
        let body = serde_ipld_dagcbor::to_vec(&Ipld::Map(
            [
                ("error".to_owned(), Ipld::String("FutureCursor".into())),
                (
                    "message".to_owned(),
                    Ipld::String("cursor in the future".into()),
                ),
            ]
            .into(),
        ))
        .unwrap();
        let frame = [header, body].concat();
        assert_eq!(
            decode(&frame),
            Err(FirehoseError::Stream {
                error: "FutureCursor".into(),
                message: "cursor in the future".into()
            })
        );
    }

    #[test]
    fn firehose_urls_are_websocket_urls_of_subscribe_repos() {
        let f = Firehose::new("https://bsky.network").unwrap();
        assert_eq!(
            f.endpoint().as_str(),
            "wss://bsky.network/xrpc/com.atproto.sync.subscribeRepos"
        );
        let f = Firehose::new("http://localhost:2583/").unwrap();
        assert_eq!(
            f.endpoint().as_str(),
            "ws://localhost:2583/xrpc/com.atproto.sync.subscribeRepos"
        );
        assert!(Firehose::new("ftp://x").is_err());
    }
}
