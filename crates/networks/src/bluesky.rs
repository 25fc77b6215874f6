//! Bluesky, over XRPC to the account's PDS (the AT Protocol's HTTP API; the lexicons named
//! below are `com.atproto.*` and `app.bsky.*` from <https://github.com/bluesky-social/atproto>).
//!
//! - **Sign-in:** `com.atproto.server.createSession` with the handle and an app password;
//!   the access token (a JWT, about two hours) is refreshed with
//!   `com.atproto.server.refreshSession` five minutes before it expires, and a new session is
//!   created when the refresh token is refused. A refused app password is
//!   [`NetworkError::Unauthorized`]: the account needs reconnecting.
//! - **Publishing once:** `com.atproto.repo.createRecord` of an `app.bsky.feed.post` with the
//!   record key [`tid::for_post`] of the scheduled post's id. Every attempt at one post names
//!   the same record; the PDS refuses to create a record whose key exists (the reference PDS
//!   0.5 answers 500), and then the record is read back with `com.atproto.repo.getRecord`:
//!   if it is there, the post was published by an earlier attempt.
//! - **Rich text:** hashtags, links and mentions become `app.bsky.richtext.facet`s over UTF-8
//!   byte ranges (mentions resolved to DIDs with `com.atproto.identity.resolveHandle`; one
//!   that does not resolve stays plain text). Replies carry `reply.root` and `reply.parent`,
//!   quotes an `app.bsky.embed.record`.
//! - **Media:** each item is uploaded with `com.atproto.repo.uploadBlob` and referenced from
//!   the post: images in an `app.bsky.embed.images` (alt text with each), a video in an
//!   `app.bsky.embed.video`, and beside a quote an `app.bsky.embed.recordWithMedia`. A later
//!   attempt reads the record first and uploads nothing when it is there; blobs an attempt
//!   uploaded but no record references are dropped by the PDS.
//! - **Hiding a reply:** the thread's root post gets an `app.bsky.feed.threadgate` record (its
//!   key the root's) whose `hiddenReplies` lists the reply, written with
//!   `com.atproto.repo.putRecord` and keeping the gate's other rules; only the thread's
//!   author can.
//! - **Mute, report, counts** go through the PDS to the services behind it: mute is
//!   `app.bsky.graph.muteActor` (kept by the AppView), report
//!   `com.atproto.moderation.createReport` (to the moderation service; the post as a strong
//!   ref, or its author when the AppView does not show it), and counts the AppView's
//!   `app.bsky.feed.getPosts` view (`likeCount`, `repostCount`, `replyCount`, `quoteCount`).
//! - **Limits:** the PDS's write budget is 5,000 points an hour and 35,000 a day, a create
//!   costing 3 (docs.bsky.app, "Rate Limits"); a 429 carries `ratelimit-reset` (Unix seconds),
//!   which becomes [`NetworkError::RateLimited`].

pub mod firehose;
mod records;
mod session;
mod threadgate;
mod xrpc;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tagar_model::Network;
use url::Url;
use uuid::Uuid;

use session::Session;
use xrpc::Xrpc;

use crate::{
    Account, Connector, Credentials, Delivered, Identity, Limits, NetworkError, Publication, tid,
};

/// The collection posts are records of.
pub const POST_COLLECTION: &str = "app.bsky.feed.post";
/// The collection blocks are records of.
pub const BLOCK_COLLECTION: &str = "app.bsky.graph.block";
/// The collection of thread gates, which hold a thread's hidden replies.
pub const THREADGATE_COLLECTION: &str = "app.bsky.feed.threadgate";
/// How long one call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// A token this close to its expiry is refreshed before use.
const REFRESH_MARGIN_SECONDS: i64 = 300;

/// The Bluesky connector. Sessions are kept in memory per account; nothing secret is logged.
pub struct Bluesky {
    http: reqwest::Client,
    sessions: Mutex<HashMap<Uuid, Session>>,
}

impl std::fmt::Debug for Bluesky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bluesky").finish_non_exhaustive()
    }
}

impl Default for Bluesky {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Deserialize)]
struct RecordRef {
    uri: String,
    cid: String,
}

#[derive(Deserialize)]
struct RecordBody {
    uri: String,
    cid: Option<String>,
    #[serde(default)]
    value: Value,
}

impl Bluesky {
    /// A connector with its own HTTP client (rustls; calls time out after 15 s).
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .user_agent(concat!("tagar/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Self {
            http,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    async fn get_record(
        &self,
        service: &Url,
        repo: &str,
        collection: &str,
        rkey: &str,
    ) -> Result<Option<RecordBody>, Xrpc> {
        let answer = self
            .call(
                Method::GET,
                service,
                "com.atproto.repo.getRecord",
                None,
                &[("repo", repo), ("collection", collection), ("rkey", rkey)],
                None,
            )
            .await;
        match answer {
            Ok(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|e| Xrpc::Transport(format!("unreadable record: {e}"))),
            Err(Xrpc::Status { status, error, .. })
                if status == StatusCode::BAD_REQUEST && error == "RecordNotFound"
                    || status == StatusCode::NOT_FOUND =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The handle of the account `did`: as a PDS describes its repository
    /// (`com.atproto.repo.describeRepo`), or, from an AppView (which does not serve that),
    /// as its profile says (`app.bsky.actor.getProfile`).
    pub async fn handle_of(&self, service: &Url, did: &str) -> Result<String, NetworkError> {
        let handle = |answer: &Value| {
            answer
                .get("handle")
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let described = self
            .call(
                Method::GET,
                service,
                "com.atproto.repo.describeRepo",
                None,
                &[("repo", did)],
                None,
            )
            .await;
        if let Some(found) = described.as_ref().ok().and_then(handle) {
            return Ok(found);
        }
        let profile = self
            .call(
                Method::GET,
                service,
                "app.bsky.actor.getProfile",
                None,
                &[("actor", did)],
                None,
            )
            .await;
        match profile {
            Ok(answer) => handle(&answer).ok_or_else(|| NetworkError::Unavailable {
                network: Network::Bluesky,
                reason: format!("neither describeRepo nor getProfile of {did} gives a handle"),
            }),
            // The first answer says more when both failed (a PDS without the DID).
            Err(_) => Err(described.err().map(Xrpc::into_network_error).unwrap_or(
                NetworkError::Unavailable {
                    network: Network::Bluesky,
                    reason: format!("describeRepo of {did} gives no handle"),
                },
            )),
        }
    }

    /// The AppView's view of post `uri` (`app.bsky.feed.getPosts`), if it shows one.
    async fn view_post(&self, session: &Session, uri: &str) -> Result<Option<Value>, Xrpc> {
        let answer = self
            .call(
                Method::GET,
                &session.service,
                "app.bsky.feed.getPosts",
                Some(&session.access),
                &[("uris", uri)],
                None,
            )
            .await?;
        Ok(answer["posts"]
            .as_array()
            .and_then(|posts| posts.iter().find(|p| p["uri"] == uri).cloned()))
    }
}

#[async_trait]
impl Connector for Bluesky {
    fn network(&self) -> Network {
        Network::Bluesky
    }

    fn limits(&self) -> Limits {
        // 5,000 points an hour and 35,000 a day, 3 points a created record.
        Limits {
            posts_per_hour: 5_000 / 3,
            posts_per_day: 35_000 / 3,
        }
    }

    async fn verify(&self, credentials: &Credentials) -> Result<Identity, NetworkError> {
        let session = self.create_session(credentials).await?;
        Ok(Identity {
            native_id: session.did,
            handle: session.handle,
        })
    }

    async fn publish(
        &self,
        account: &Account<'_>,
        post: &Publication<'_>,
    ) -> Result<Delivered, NetworkError> {
        let rkey = tid::for_post(post.key);
        self.signed_in(account, |session| {
            let rkey = &rkey;
            async move { self.publish_with(&session, post, rkey).await }
        })
        .await
    }

    async fn delete(&self, account: &Account<'_>, native_id: &str) -> Result<(), NetworkError> {
        let Some((repo, collection, rkey)) = parse_at_uri(native_id) else {
            return Err(NetworkError::Refused {
                network: Network::Bluesky,
                reason: format!("{native_id:?} is not an at:// URI"),
            });
        };
        for fresh in [false, true] {
            let session = self.session(account, fresh).await?;
            if repo != session.did {
                return Err(NetworkError::Refused {
                    network: Network::Bluesky,
                    reason: format!("{native_id} is not a record of {}", session.handle),
                });
            }
            let body = json!({ "repo": repo, "collection": collection, "rkey": rkey });
            let deleted = self
                .call(
                    Method::POST,
                    &session.service,
                    "com.atproto.repo.deleteRecord",
                    Some(&session.access),
                    &[],
                    Some(&body),
                )
                .await;
            match deleted {
                Err(e) if e.is_auth() && !fresh => continue,
                other => return other.map(|_| ()).map_err(Xrpc::into_network_error),
            }
        }
        unreachable!("the second attempt returns")
    }

    async fn block(
        &self,
        account: &Account<'_>,
        author_native_id: &str,
    ) -> Result<String, NetworkError> {
        did_of(author_native_id)?;
        // One block record per blocked account: the key comes from the DID.
        let hash = Sha256::digest(author_native_id.as_bytes());
        let seed: [u8; 16] = hash[..16].try_into().expect("16 bytes");
        let rkey = tid::for_post(uuid::Builder::from_random_bytes(seed).into_uuid());
        let record = json!({
            "$type": BLOCK_COLLECTION,
            "subject": author_native_id,
            "createdAt": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        });
        let (rkey, record) = (&rkey, &record);
        self.signed_in(account, |session| async move {
            self.create_once(&session, BLOCK_COLLECTION, rkey, record)
                .await
                .map(|d| d.native_id)
        })
        .await
    }

    async fn mute(
        &self,
        account: &Account<'_>,
        author_native_id: &str,
    ) -> Result<(), NetworkError> {
        // `app.bsky.graph.muteActor {actor}`: a private preference the AppView keeps; the PDS
        // proxies the call to it.
        let body = &json!({ "actor": did_of(author_native_id)? });
        self.signed_in(account, |session| async move {
            self.call(
                Method::POST,
                &session.service,
                "app.bsky.graph.muteActor",
                Some(&session.access),
                &[],
                Some(body),
            )
            .await
            .map(|_| ())
        })
        .await
    }

    async fn report(
        &self,
        account: &Account<'_>,
        post_native_id: &str,
        author_native_id: &str,
        comment: &str,
    ) -> Result<(), NetworkError> {
        // `com.atproto.moderation.createReport`, which the PDS passes to its moderation
        // service: the post (a strong ref, its CID from the AppView's view of it), or the
        // account when the post is not to be found.
        let author = did_of(author_native_id)?;
        let reason: String = comment.chars().take(2_000).collect();
        let reason = &reason;
        self.signed_in(account, |session| async move {
            let subject = match self.view_post(&session, post_native_id).await? {
                Some(view) => json!({
                    "$type": "com.atproto.repo.strongRef",
                    "uri": view["uri"],
                    "cid": view["cid"],
                }),
                None => json!({ "$type": "com.atproto.admin.defs#repoRef", "did": author }),
            };
            let body = json!({
                "reasonType": "com.atproto.moderation.defs#reasonViolation",
                "reason": reason,
                "subject": subject,
            });
            self.call(
                Method::POST,
                &session.service,
                "com.atproto.moderation.createReport",
                Some(&session.access),
                &[],
                Some(&body),
            )
            .await
            .map(|_| ())
        })
        .await
    }

    async fn counts(
        &self,
        account: &Account<'_>,
        native_id: &str,
    ) -> Result<tagar_model::PostMetrics, NetworkError> {
        // The AppView's view of the post (`app.bsky.feed.getPosts`, through the PDS):
        // `likeCount`, `repostCount`, `replyCount`, `quoteCount`. A post the AppView does not
        // show yet but the PDS holds is not indexed yet (try later); one neither has is gone.
        let (view, held) = self
            .signed_in(account, |session| async move {
                let view = self.view_post(&session, native_id).await?;
                let held = match (&view, parse_at_uri(native_id)) {
                    (None, Some((repo, collection, rkey))) => self
                        .get_record(&session.service, repo, collection, rkey)
                        .await?
                        .is_some(),
                    _ => false,
                };
                Ok((view, held))
            })
            .await?;
        let Some(view) = view else {
            return Err(if held {
                NetworkError::Unavailable {
                    network: Network::Bluesky,
                    reason: format!("the AppView does not show {native_id} yet"),
                }
            } else {
                NetworkError::Refused {
                    network: Network::Bluesky,
                    reason: format!("{native_id} does not exist"),
                }
            });
        };
        let count = |key: &str| view[key].as_u64().unwrap_or(0);
        Ok(tagar_model::PostMetrics {
            likes: count("likeCount"),
            reposts: count("repostCount"),
            replies: count("replyCount"),
            quotes: count("quoteCount"),
            views: 0,
        })
    }

    async fn hide_reply(
        &self,
        account: &Account<'_>,
        reply_native_id: &str,
    ) -> Result<(), NetworkError> {
        self.signed_in(account, |session| async move {
            self.hide_with(&session, reply_native_id).await
        })
        .await
    }
}

/// `id` when it is a DID, else a refusal naming it.
fn did_of(id: &str) -> Result<&str, NetworkError> {
    if id.starts_with("did:") && id.len() <= 2_048 {
        Ok(id)
    } else {
        Err(NetworkError::Refused {
            network: Network::Bluesky,
            reason: format!("{id:?} is not a DID"),
        })
    }
}

/// `at://repo/collection/rkey` → its three parts.
pub fn parse_at_uri(uri: &str) -> Option<(&str, &str, &str)> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.splitn(3, '/');
    let (repo, collection, rkey) = (parts.next()?, parts.next()?, parts.next()?);
    (!repo.is_empty() && !collection.is_empty() && !rkey.is_empty() && !rkey.contains('/'))
        .then_some((repo, collection, rkey))
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    #[test]
    fn at_uris_split_into_repo_collection_and_key() {
        assert_eq!(
            parse_at_uri("at://did:plc:abc/app.bsky.feed.post/3jzfcijpj2z2a"),
            Some(("did:plc:abc", "app.bsky.feed.post", "3jzfcijpj2z2a"))
        );
        assert_eq!(parse_at_uri("https://bsky.app/x"), None);
        assert_eq!(parse_at_uri("at://did:plc:abc/app.bsky.feed.post"), None);
    }

    #[test]
    fn errors_are_read_as_what_to_do_next() {
        let status = |code: u16, error: &str| Xrpc::Status {
            status: StatusCode::from_u16(code).unwrap(),
            error: error.into(),
            message: String::new(),
            reset: DateTime::from_timestamp(2_000_000_000, 0),
        };
        assert!(matches!(
            status(429, "RateLimitExceeded").into_network_error(),
            NetworkError::RateLimited { retry_at, .. } if retry_at.timestamp() == 2_000_000_000
        ));
        assert!(matches!(
            status(400, "ExpiredToken").into_network_error(),
            NetworkError::Unauthorized { .. }
        ));
        assert!(status(502, "").into_network_error().is_retryable());
        assert!(
            !status(400, "InvalidRequest")
                .into_network_error()
                .is_retryable()
        );
    }
}
