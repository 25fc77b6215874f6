//! X, over API v2 with an OAuth 2.0 user token (docs.x.com).
//!
//! - **Tokens:** a user access token (2 hours) and a refresh token ("OAuth 2.0 Authorization
//!   Code Flow with PKCE": `POST /2/oauth2/token` with `grant_type=refresh_token`). Refresh
//!   tokens rotate: each refresh returns a new one and the old one stops working, so the new
//!   pair must be stored at once. The connector refreshes five minutes before expiry and once
//!   on a 401, keeps the newest pair per account, and hands it out through
//!   [`Connector::refreshed`] for the caller to seal. A refused refresh is `Unauthorized`.
//! - **Who:** `GET /2/users/me`.
//! - **Publishing once without an idempotency key:** X API v2 has none. The dispatcher
//!   records the intent (`PublishStarted`) before the call; on a later attempt
//!   ([`Publication::attempt`] > 1) the connector first looks for the post among the account's
//!   posts since the first attempt (`GET /2/users/:id/tweets`, same text) and answers with it
//!   if it is there. `POST /2/tweets` that X refuses as duplicate content (403 "You are not
//!   allowed to create a Tweet with duplicate content.") is looked up the same way. X shows
//!   a post's text with every link shortened to `https://t.co/…`, `&`, `<` and `>` escaped,
//!   and a link to its media at the end, so the text is compared as X would show it.
//! - **Media:** uploaded before the post (images in one request, GIFs and videos in 4 MiB
//!   segments, waited for until processed), alt text set with the media metadata call, and
//!   named in the post's `media.media_ids`. Uploads are not reused across attempts; X drops
//!   unused media after a day.
//! - **Errors** ("Rate limits", "Response codes"): 429 with `x-rate-limit-reset` (Unix
//!   seconds); 401 (after one refresh) `Unauthorized`; 5xx `Unavailable`; other 4xx `Refused`.
//! - **Listening:** mentions (`GET /2/users/:id/mentions`) and the brand's hashtags,
//!   keywords and handles (`GET /2/tweets/search/recent`, queries of at most 512 characters,
//!   reposts left out), each since the newest id seen, following `next_token` up to ten pages
//!   of 100 a look.
//! - **Limits** (X Help, "X's limits"): 2,400 posts a day per account, counted in half-hour
//!   windows (50 each): 100 an hour.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tagar_model::Network;
use uuid::Uuid;

mod answers;
mod media;
mod timeline;
mod tokens;

use answers::{Failure, as_failure, path_segment, refused, unavailable};
use timeline::search_queries;
use tokens::Cached;

use crate::{
    Account, Connector, Credentials, Delivered, Heard, Identity, Limits, NetworkError, Publication,
    SearchTerm,
};

const CALL_TIMEOUT: Duration = Duration::from_secs(15);
const REFRESH_MARGIN_SECONDS: i64 = 300;

/// The X connector.
pub struct X {
    http: reqwest::Client,
    /// The newest credentials per account (refresh tokens rotate).
    tokens: Mutex<HashMap<Uuid, Cached>>,
}

/// What a call sends.
enum Body<'a> {
    Nothing,
    Json(&'a Value),
    /// `multipart/form-data`: the bytes as `media`, and text fields.
    Form {
        media: bytes::Bytes,
        fields: Vec<(&'static str, String)>,
    },
}

impl std::fmt::Debug for X {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X").finish_non_exhaustive()
    }
}

impl Default for X {
    fn default() -> Self {
        Self::new()
    }
}

impl X {
    /// A connector with its own HTTP client (rustls; calls time out after 15 s).
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .user_agent(concat!("tagar/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Self {
            http,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// One call with the account's token, refreshed first when close to expiry and once
    /// more after a 401; `account` `None` never refreshes (checking credentials at connect
    /// time must not spend their refresh token).
    async fn call(
        &self,
        account: Option<Uuid>,
        given: &Credentials,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let body = body.map_or(Body::Nothing, Body::Json);
        self.send(account, given, method, path, query, &body).await
    }

    async fn send(
        &self,
        account: Option<Uuid>,
        given: &Credentials,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: &Body<'_>,
    ) -> Result<Value, Failure> {
        let mut credentials = match account {
            Some(id) => self.current(id, given),
            None => given.clone(),
        };
        if let (
            Some(id),
            Credentials::X {
                expires_at: Some(at),
                ..
            },
        ) = (account, &credentials)
            && *at - Utc::now() < chrono::Duration::seconds(REFRESH_MARGIN_SECONDS)
        {
            credentials = self
                .refresh(id, given, &credentials)
                .await
                .map_err(as_failure)?;
        }
        for fresh in [false, true] {
            let Credentials::X {
                api, access_token, ..
            } = &credentials
            else {
                return Err(as_failure(refused("not X credentials")));
            };
            let url = api
                .join(path)
                .map_err(|e| as_failure(refused(format!("bad API address: {e}"))))?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .bearer_auth(access_token.expose_secret())
                .query(query);
            match body {
                Body::Nothing => {}
                Body::Json(body) => request = request.json(body),
                Body::Form { media, fields } => {
                    let part = reqwest::multipart::Part::stream(media.clone())
                        .file_name("media")
                        .mime_str("application/octet-stream")
                        .map_err(|e| as_failure(refused(format!("media part: {e}"))))?;
                    let mut form = reqwest::multipart::Form::new().part("media", part);
                    for (name, value) in fields {
                        form = form.text(*name, value.clone());
                    }
                    request = request
                        .timeout(crate::media::UPLOAD_TIMEOUT)
                        .multipart(form);
                }
            }
            let response = request
                .send()
                .await
                .map_err(|e| as_failure(unavailable(e.without_url().to_string())))?;
            let status = response.status();
            let reset = response
                .headers()
                .get("x-rate-limit-reset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i64>().ok())
                .and_then(|secs| DateTime::from_timestamp(secs, 0));
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            if status.is_success() {
                return Ok(answer);
            }
            if let (StatusCode::UNAUTHORIZED, false, Some(id)) = (status, fresh, account) {
                credentials = self
                    .refresh(id, given, &credentials)
                    .await
                    .map_err(as_failure)?;
                continue;
            }
            let detail = answer
                .get("detail")
                .or_else(|| answer.get("title"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            return Err(Failure {
                status,
                detail,
                reset,
            });
        }
        unreachable!("the second attempt returns")
    }

    /// The account's own id.
    async fn me(
        &self,
        account: Option<Uuid>,
        credentials: &Credentials,
    ) -> Result<Identity, NetworkError> {
        let me = self
            .call(account, credentials, Method::GET, "/2/users/me", &[], None)
            .await
            .map_err(Failure::into_error)?;
        let data = &me["data"];
        let id = data["id"]
            .as_str()
            .ok_or_else(|| unavailable("users/me has no id"))?;
        Ok(Identity {
            native_id: id.to_owned(),
            handle: data["username"].as_str().unwrap_or_default().to_owned(),
        })
    }

    /// `POST /2/users/:me/<relation> {target_user_id}` (blocking, muting); the target.
    async fn relate<'t>(
        &self,
        account: &Account<'_>,
        relation: &str,
        target: &'t str,
    ) -> Result<&'t str, NetworkError> {
        let target = path_segment(target)?;
        let me = self.me(Some(account.id), account.credentials).await?;
        let path = format!("/2/users/{}/{relation}", me.native_id);
        self.call(
            Some(account.id),
            account.credentials,
            Method::POST,
            &path,
            &[],
            Some(&json!({ "target_user_id": target })),
        )
        .await
        .map_err(Failure::into_error)?;
        Ok(target)
    }

    /// A post of the account's since `since` that is `text` as X shows it, if there is one.
    async fn find_posted(
        &self,
        account: &Account<'_>,
        text: &str,
        with_media: bool,
        since: DateTime<Utc>,
    ) -> Result<Option<String>, NetworkError> {
        let me = self.me(Some(account.id), account.credentials).await?;
        let query = [
            (
                "start_time",
                (since - chrono::Duration::minutes(1)).to_rfc3339_opts(SecondsFormat::Secs, true),
            ),
            ("max_results", "100".to_owned()),
        ];
        let path = format!("/2/users/{}/tweets", me.native_id);
        let posts = self
            .call(
                Some(account.id),
                account.credentials,
                Method::GET,
                &path,
                &query,
                None,
            )
            .await
            .map_err(Failure::into_error)?;
        Ok(posts["data"].as_array().and_then(|posts| {
            posts
                .iter()
                .find(|p| {
                    p["text"]
                        .as_str()
                        .is_some_and(|shown| answers::same_text(text, shown, with_media))
                })
                .and_then(|p| p["id"].as_str().map(str::to_owned))
        }))
    }
}

#[async_trait]
impl Connector for X {
    fn network(&self) -> Network {
        Network::X
    }

    fn limits(&self) -> Limits {
        Limits {
            posts_per_hour: 100,
            posts_per_day: 2_400,
        }
    }

    async fn verify(&self, credentials: &Credentials) -> Result<Identity, NetworkError> {
        // With the access token as given: refreshing here would spend the refresh token the
        // caller is about to store.
        self.me(None, credentials).await
    }

    async fn publish(
        &self,
        account: &Account<'_>,
        post: &Publication<'_>,
    ) -> Result<Delivered, NetworkError> {
        // Looked for from the earlier of the first attempt and the post's writing: clocks of
        // the dispatcher and X may disagree.
        let since = post
            .first_attempt_at
            .map_or(post.created_at, |first| first.min(post.created_at));
        if post.attempt > 1
            && let Some(id) = self
                .find_posted(account, post.text, !post.media.is_empty(), since)
                .await?
        {
            return Ok(Delivered {
                native_id: id,
                version: None,
                already: true,
            });
        }
        let mut body = json!({ "text": post.text });
        if !post.media.is_empty() {
            let mut ids = Vec::with_capacity(post.media.len());
            for item in post.media {
                ids.push(
                    self.upload(account, item)
                        .await
                        .map_err(Failure::into_error)?,
                );
            }
            body["media"] = json!({ "media_ids": ids });
        }
        if let Some(id) = post.reply_to {
            body["reply"] = json!({ "in_reply_to_tweet_id": path_segment(id)? });
        }
        if let Some(id) = post.quote {
            body["quote_tweet_id"] = json!(path_segment(id)?);
        }
        match self
            .call(
                Some(account.id),
                account.credentials,
                Method::POST,
                "/2/tweets",
                &[],
                Some(&body),
            )
            .await
        {
            Ok(created) => Ok(Delivered {
                native_id: created["data"]["id"]
                    .as_str()
                    .ok_or_else(|| unavailable("POST /2/tweets answered without an id"))?
                    .to_owned(),
                version: None,
                already: false,
            }),
            Err(failure) if failure.is_duplicate() => {
                match self
                    .find_posted(account, post.text, !post.media.is_empty(), since)
                    .await?
                {
                    Some(id) => Ok(Delivered {
                        native_id: id,
                        version: None,
                        already: true,
                    }),
                    None => Err(failure.into_error()),
                }
            }
            Err(failure) => Err(failure.into_error()),
        }
    }

    async fn delete(&self, account: &Account<'_>, native_id: &str) -> Result<(), NetworkError> {
        let path = format!("/2/tweets/{}", path_segment(native_id)?);
        match self
            .call(
                Some(account.id),
                account.credentials,
                Method::DELETE,
                &path,
                &[],
                None,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(f) if f.status == StatusCode::NOT_FOUND => Ok(()),
            Err(f) => Err(f.into_error()),
        }
    }

    async fn block(
        &self,
        account: &Account<'_>,
        author_native_id: &str,
    ) -> Result<String, NetworkError> {
        // "Blocks": `POST /2/users/:id/blocking {target_user_id}`.
        self.relate(account, "blocking", author_native_id)
            .await
            .map(str::to_owned)
    }

    async fn mute(
        &self,
        account: &Account<'_>,
        author_native_id: &str,
    ) -> Result<(), NetworkError> {
        // "Mutes": `POST /2/users/:id/muting {target_user_id}`.
        self.relate(account, "muting", author_native_id)
            .await
            .map(|_| ())
    }

    async fn hide_reply(
        &self,
        account: &Account<'_>,
        reply_native_id: &str,
    ) -> Result<(), NetworkError> {
        // "Hide replies": `PUT /2/tweets/:id/hidden {hidden: true}`, by the conversation's author.
        let path = format!("/2/tweets/{}/hidden", path_segment(reply_native_id)?);
        self.call(
            Some(account.id),
            account.credentials,
            Method::PUT,
            &path,
            &[],
            Some(&json!({ "hidden": true })),
        )
        .await
        .map(|_| ())
        .map_err(Failure::into_error)
    }

    async fn mentions(
        &self,
        account: &Account<'_>,
        cursor: Option<&str>,
    ) -> Result<Heard, NetworkError> {
        // "Timelines": `GET /2/users/:id/mentions`, newest first, with the authors expanded.
        let me = self.me(Some(account.id), account.credentials).await?;
        let path = format!("/2/users/{}/mentions", me.native_id);
        self.read_pages(account, &path, Vec::new(), cursor).await
    }

    async fn search(
        &self,
        account: &Account<'_>,
        terms: &[SearchTerm],
        cursor: Option<&str>,
    ) -> Result<Heard, NetworkError> {
        // "Search Posts": `GET /2/tweets/search/recent?query=…`, the last seven days, a query
        // of at most 512 characters (Basic access), so the terms go in as many queries as they
        // need; each since the same cursor (post ids grow with time).
        let mut heard = Heard::default();
        for query in search_queries(terms) {
            let found = self
                .read_pages(
                    account,
                    "/2/tweets/search/recent",
                    vec![("query", query)],
                    cursor,
                )
                .await?;
            heard.posts.extend(found.posts);
            heard.cursor = crate::newer_id(heard.cursor.take(), found.cursor);
        }
        // Oldest first; ids grow with time, and order posts of one instant.
        heard.posts.sort_by_cached_key(|p| {
            let id = p.native_id.as_str();
            (p.created_at, id.len(), id.to_owned())
        });
        heard.posts.dedup_by(|a, b| a.native_id == b.native_id);
        Ok(heard)
    }

    async fn counts(
        &self,
        account: &Account<'_>,
        native_id: &str,
    ) -> Result<tagar_model::PostMetrics, NetworkError> {
        // "Posts lookup": `GET /2/tweets/:id?tweet.fields=public_metrics`.
        let path = format!("/2/tweets/{}", path_segment(native_id)?);
        let query = [("tweet.fields", "public_metrics".to_owned())];
        let answer = self
            .call(
                Some(account.id),
                account.credentials,
                Method::GET,
                &path,
                &query,
                None,
            )
            .await
            .map_err(Failure::into_error)?;
        let metrics = &answer["data"]["public_metrics"];
        let count = |key: &str| metrics[key].as_u64().unwrap_or(0);
        Ok(tagar_model::PostMetrics {
            likes: count("like_count"),
            reposts: count("retweet_count"),
            replies: count("reply_count"),
            quotes: count("quote_count"),
            views: count("impression_count"),
        })
    }

    fn refreshed(&self, account: Uuid) -> Option<Credentials> {
        self.unsaved(account)
    }
}
