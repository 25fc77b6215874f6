//! Mastodon, over its REST API with the account's OAuth access token (docs.joinmastodon.org).
//!
//! - **Who:** `GET /api/v1/accounts/verify_credentials` ("Verify account credentials"): the
//!   account's `id` (its native id on that server) and `acct`.
//! - **Publishing once:** `POST /api/v1/statuses` with `Idempotency-Key` set to the scheduled
//!   post's id ("Post a new status": "Provide this header with any arbitrary string to prevent
//!   duplicate submissions of the same status ... Idempotency keys are stored for up to 1
//!   hour"): a retry with the same key is answered with the status the first call created.
//!   A retry more than 55 minutes after the first attempt first looks for the status among
//!   the account's own (`GET /api/v1/accounts/:id/statuses`, each candidate's plain text by
//!   `GET /api/v1/statuses/:id/source`), as X's connector does.
//!   Replies are `in_reply_to_id`; quotes `quoted_status_id` (Mastodon 4.4's quote posts).
//! - **Media:** each item is uploaded first (`POST /api/v2/media`, its alt text as
//!   `description`), waited for until processed, and named in the status's `media_ids`.
//!   Every attempt uploads again (the key covers the status, not the uploads); media no status
//!   uses are removed by the server.
//! - **Errors** ("Rate limits", "Error entity"): `422` is a validation refusal (text too long,
//!   a duplicate), `401` a revoked or wrong token (`{"error": "The access token was
//!   revoked"}`), `429` a spent rate limit whose `X-RateLimit-Reset` header is an ISO 8601
//!   time, `5xx` the server's trouble.
//! - **Listening:** mention notifications (polled, and the streaming API as the fast path),
//!   and the brand's hashtags' timelines (`GET /api/v1/timelines/tag/:hashtag`, walked
//!   forward with `min_id`).
//! - **Limits:** 300 requests per 5 minutes per account for the whole API ("Rate limits"),
//!   one request a post: 3,600 posts an hour, 86,400 a day at most (servers may set less).
//! - **Delete:** `DELETE /api/v1/statuses/:id` (a `404` means it is gone already). **Block:**
//!   `POST /api/v1/accounts/:id/block` ("Block account"), idempotent on the server. **Mute:**
//!   `POST /api/v1/accounts/:id/mute` ("Mute account"). **Report:** `POST /api/v1/reports`
//!   with `account_id`, `status_ids` and `comment` ("File a report"). Mastodon has no hiding
//!   of replies.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tagar_model::Network;
use url::Url;

use crate::{
    Account, Connector, Credentials, Delivered, Heard, Identity, Limits, NetworkError, Publication,
    SearchTerm,
};

mod publishing;
mod reading;

use reading::{SseEvents, status_post};

const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the server keeps an idempotency key ("Post a new status": up to 1 hour), less a
/// margin for clocks.
const KEY_KEPT: chrono::TimeDelta = chrono::TimeDelta::minutes(55);
/// Statuses a timeline page holds at most.
const PAGE: usize = 40;
/// The most pages of a hashtag timeline one look reads.
const MAX_PAGES: usize = 10;

/// The Mastodon connector.
#[derive(Debug, Clone)]
pub struct Mastodon {
    http: reqwest::Client,
}

impl Default for Mastodon {
    fn default() -> Self {
        Self::new()
    }
}

fn network_error(status: StatusCode, body: &Value, reset: Option<DateTime<Utc>>) -> NetworkError {
    let network = Network::Mastodon;
    let reason = format!(
        "{status}: {}",
        body.get("error").and_then(Value::as_str).unwrap_or("")
    );
    match status {
        StatusCode::TOO_MANY_REQUESTS => NetworkError::RateLimited {
            network,
            retry_at: reset.unwrap_or_else(|| Utc::now() + chrono::Duration::minutes(5)),
        },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            NetworkError::Unauthorized { network, reason }
        }
        s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => {
            NetworkError::Unavailable { network, reason }
        }
        _ => NetworkError::Refused { network, reason },
    }
}

impl Mastodon {
    /// A connector with its own HTTP client (rustls; calls time out after 15 s).
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .user_agent(concat!("tagar/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Self { http }
    }

    /// An authenticated request to `path` on the account's server.
    fn request(
        &self,
        credentials: &Credentials,
        method: Method,
        path: &str,
    ) -> Result<reqwest::RequestBuilder, NetworkError> {
        let Credentials::Mastodon {
            instance,
            access_token,
        } = credentials
        else {
            return Err(NetworkError::Refused {
                network: Network::Mastodon,
                reason: format!("{} credentials are not Mastodon's", credentials.network()),
            });
        };
        let url: Url = instance.join(path).map_err(|e| NetworkError::Refused {
            network: Network::Mastodon,
            reason: format!("bad server address: {e}"),
        })?;
        Ok(self
            .http
            .request(method, url)
            .bearer_auth(access_token.expose_secret()))
    }

    /// One authenticated call; `Ok(None)` for a 404.
    async fn call(
        &self,
        credentials: &Credentials,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Option<Value>, NetworkError> {
        let mut request = self.request(credentials, method, path)?;
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        answer(request).await
    }
}

/// Sends `request`; its answer's body, `None` for a 404, or the error its status means.
async fn answer(request: reqwest::RequestBuilder) -> Result<Option<Value>, NetworkError> {
    let response = request
        .send()
        .await
        .map_err(|e| NetworkError::Unavailable {
            network: Network::Mastodon,
            reason: e.without_url().to_string(),
        })?;
    let status = response.status();
    let reset = response
        .headers()
        .get("x-ratelimit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.with_timezone(&Utc));
    let bytes = response
        .bytes()
        .await
        .map_err(|e| NetworkError::Unavailable {
            network: Network::Mastodon,
            reason: e.without_url().to_string(),
        })?;
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(network_error(status, &body, reset));
    }
    Ok(Some(body))
}

fn id_of(value: &Value, what: &str) -> Result<String, NetworkError> {
    value
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| NetworkError::Unavailable {
            network: Network::Mastodon,
            reason: format!("the answer to {what} has no id"),
        })
}

#[async_trait]
impl Connector for Mastodon {
    fn network(&self) -> Network {
        Network::Mastodon
    }

    fn limits(&self) -> Limits {
        Limits {
            posts_per_hour: 300 * 12,
            posts_per_day: 300 * 12 * 24,
        }
    }

    async fn verify(&self, credentials: &Credentials) -> Result<Identity, NetworkError> {
        let me = self
            .call(
                credentials,
                Method::GET,
                "/api/v1/accounts/verify_credentials",
                None,
                None,
            )
            .await?
            .ok_or_else(|| NetworkError::Refused {
                network: Network::Mastodon,
                reason: "verify_credentials is not served: is this a Mastodon server?".into(),
            })?;
        Ok(Identity {
            native_id: id_of(&me, "verify_credentials")?,
            handle: me
                .get("acct")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        })
    }

    async fn publish(
        &self,
        account: &Account<'_>,
        post: &Publication<'_>,
    ) -> Result<Delivered, NetworkError> {
        // The server forgets an idempotency key after an hour: a retry later than that
        // looks for the status among the account's own first.
        if let Some(first) = post.first_attempt_at
            && Utc::now() - first > KEY_KEPT
            && let Some(found) = self.find_posted(account, post.text, first).await?
        {
            return Ok(found);
        }
        let mut body = json!({ "status": post.text });
        if !post.media.is_empty() {
            let mut ids = Vec::with_capacity(post.media.len());
            for item in post.media {
                ids.push(self.upload(account.credentials, item).await?);
            }
            body["media_ids"] = json!(ids);
        }
        if let Some(id) = post.reply_to {
            body["in_reply_to_id"] = json!(id);
        }
        if let Some(id) = post.quote {
            body["quoted_status_id"] = json!(id);
        }
        let key = post.key.to_string();
        let status = self
            .call(
                account.credentials,
                Method::POST,
                "/api/v1/statuses",
                Some(&body),
                Some(&key),
            )
            .await?
            .ok_or_else(|| NetworkError::Refused {
                network: Network::Mastodon,
                reason: "POST /api/v1/statuses is not served".into(),
            })?;
        Ok(Delivered {
            native_id: id_of(&status, "POST /api/v1/statuses")?,
            version: status.get("uri").and_then(Value::as_str).map(str::to_owned),
            // The server answers a repeated key with the first status and does not say so.
            already: false,
        })
    }

    async fn delete(&self, account: &Account<'_>, native_id: &str) -> Result<(), NetworkError> {
        let path = format!("/api/v1/statuses/{}", path_segment(native_id)?);
        self.call(account.credentials, Method::DELETE, &path, None, None)
            .await
            .map(|_| ())
    }

    async fn block(
        &self,
        account: &Account<'_>,
        author_native_id: &str,
    ) -> Result<String, NetworkError> {
        self.account_action(account, author_native_id, "block")
            .await?;
        Ok(author_native_id.to_owned())
    }

    async fn mute(
        &self,
        account: &Account<'_>,
        author_native_id: &str,
    ) -> Result<(), NetworkError> {
        self.account_action(account, author_native_id, "mute").await
    }

    async fn watch_mentions(
        &self,
        account: &Account<'_>,
    ) -> Result<Option<tokio::sync::mpsc::Receiver<()>>, NetworkError> {
        // "Streaming API": `GET /api/v1/streaming/user/notification`, server-sent events; an
        // `event: notification` whose payload's `type` is `mention` is a new mention.
        let Credentials::Mastodon {
            instance,
            access_token,
        } = account.credentials
        else {
            return Ok(None);
        };
        let url = instance
            .join("/api/v1/streaming/user/notification")
            .map_err(|e| NetworkError::Refused {
                network: Network::Mastodon,
                reason: format!("bad server address: {e}"),
            })?;
        // No overall timeout: the stream stays open; the connection itself times out.
        let client = reqwest::Client::builder()
            .connect_timeout(CALL_TIMEOUT)
            .build()
            .map_err(|e| NetworkError::Unavailable {
                network: Network::Mastodon,
                reason: e.to_string(),
            })?;
        let mut response = client
            .get(url)
            .bearer_auth(access_token.expose_secret())
            .header("accept", "text/event-stream")
            .send()
            .await
            .map_err(|e| NetworkError::Unavailable {
                network: Network::Mastodon,
                reason: e.without_url().to_string(),
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(network_error(status, &Value::Null, None));
        }
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            let mut events = SseEvents::default();
            while let Ok(Some(chunk)) = response.chunk().await {
                for (event, data) in events.feed(&chunk) {
                    let mention = event == "notification"
                        && serde_json::from_str::<Value>(&data).is_ok_and(|n| {
                            n.get("type").and_then(Value::as_str) == Some("mention")
                        });
                    if mention && tx.send(()).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Some(rx))
    }

    async fn counts(
        &self,
        account: &Account<'_>,
        native_id: &str,
    ) -> Result<tagar_model::PostMetrics, NetworkError> {
        // "View a single status": `GET /api/v1/statuses/:id`, with `favourites_count`,
        // `reblogs_count`, `replies_count` and (4.4's quotes) `quotes_count`.
        let path = format!("/api/v1/statuses/{}", path_segment(native_id)?);
        let status = self
            .call(account.credentials, Method::GET, &path, None, None)
            .await?
            .ok_or_else(|| NetworkError::Refused {
                network: Network::Mastodon,
                reason: format!("status {native_id} does not exist"),
            })?;
        let count = |key: &str| status.get(key).and_then(Value::as_u64).unwrap_or(0);
        Ok(tagar_model::PostMetrics {
            likes: count("favourites_count"),
            reposts: count("reblogs_count"),
            replies: count("replies_count"),
            quotes: count("quotes_count"),
            views: 0,
        })
    }

    async fn mentions(
        &self,
        account: &Account<'_>,
        cursor: Option<&str>,
    ) -> Result<Heard, NetworkError> {
        // "Get all notifications": `GET /api/v1/notifications?types[]=mention&since_id=…`,
        // newest first, 40 at most a page.
        let mut path = "/api/v1/notifications?types[]=mention&limit=40".to_owned();
        if let Some(since) = cursor {
            path.push_str(&format!("&since_id={}", path_segment(since)?));
        }
        let answer = self
            .call(account.credentials, Method::GET, &path, None, None)
            .await?
            .unwrap_or(Value::Null);
        let notifications = answer.as_array().cloned().unwrap_or_default();
        let cursor = notifications
            .first()
            .and_then(|n| n.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let posts = notifications
            .iter()
            .rev()
            .filter_map(|n| n.get("status"))
            .filter_map(status_post)
            .collect();
        Ok(Heard { posts, cursor })
    }

    async fn search(
        &self,
        account: &Account<'_>,
        terms: &[SearchTerm],
        cursor: Option<&str>,
    ) -> Result<Heard, NetworkError> {
        // "View hashtag timeline": `GET /api/v1/timelines/tag/:hashtag`, 40 a page at most,
        // newest first; `min_id` gives the page just newer than it, so a look walks forward
        // from the cursor (status ids grow with time on a server, so one cursor serves every
        // tag). Keywords and handles: Mastodon's full-text search covers only what the
        // account has interacted with, so they are not searched.
        let mut heard = Heard::default();
        for term in terms {
            let SearchTerm::Hashtag(tag) = term else {
                continue;
            };
            let tag: String = url::form_urlencoded::byte_serialize(tag.as_bytes()).collect();
            let mut since = cursor.map(str::to_owned);
            for _ in 0..MAX_PAGES {
                let mut path = format!("/api/v1/timelines/tag/{tag}?limit={PAGE}");
                if let Some(since) = &since {
                    path.push_str(&format!("&min_id={}", path_segment(since)?));
                }
                let page = self
                    .call(account.credentials, Method::GET, &path, None, None)
                    .await?
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default();
                let newest_here = page
                    .iter()
                    .filter_map(|s| s.get("id").and_then(Value::as_str))
                    .max_by_key(|id| (id.len(), id.to_string()))
                    .map(str::to_owned);
                heard
                    .posts
                    .extend(page.iter().rev().filter_map(status_post));
                heard.cursor = crate::newer_id(heard.cursor.take(), newest_here.clone());
                // A first look reads one page: what is recent, not the tag's history.
                if page.len() < PAGE || cursor.is_none() {
                    break;
                }
                since = newest_here;
            }
        }
        // Oldest first; ids grow with time, and order posts of one instant.
        heard.posts.sort_by_cached_key(|p| {
            let id = p.native_id.as_str();
            (p.created_at, id.len(), id.to_owned())
        });
        heard.posts.dedup_by(|a, b| a.native_id == b.native_id);
        Ok(heard)
    }

    async fn report(
        &self,
        account: &Account<'_>,
        post_native_id: &str,
        author_native_id: &str,
        comment: &str,
    ) -> Result<(), NetworkError> {
        let body = json!({
            "account_id": path_segment(author_native_id)?,
            "status_ids": [path_segment(post_native_id)?],
            "comment": comment.chars().take(1000).collect::<String>(),
            "category": "violation",
        });
        self.call(
            account.credentials,
            Method::POST,
            "/api/v1/reports",
            Some(&body),
            None,
        )
        .await?
        .ok_or_else(|| NetworkError::Refused {
            network: Network::Mastodon,
            reason: "POST /api/v1/reports is not served".into(),
        })
        .map(|_| ())
    }
}

impl Mastodon {
    /// `POST /api/v1/accounts/:id/<action>` on an account that must exist.
    async fn account_action(
        &self,
        account: &Account<'_>,
        target: &str,
        action: &str,
    ) -> Result<(), NetworkError> {
        let path = format!("/api/v1/accounts/{}/{action}", path_segment(target)?);
        self.call(account.credentials, Method::POST, &path, None, None)
            .await?
            .ok_or_else(|| NetworkError::Refused {
                network: Network::Mastodon,
                reason: format!("no account {target} on the server"),
            })
            .map(|_| ())
    }
}

/// A Mastodon id as one path segment: digits and letters only (ids are numeric strings).
fn path_segment(id: &str) -> Result<&str, NetworkError> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(NetworkError::Refused {
            network: Network::Mastodon,
            reason: format!("{id:?} is not a Mastodon id"),
        })
    }
}
