//! A Mastodon server for tests: the endpoints Tagar's connector uses, with the semantics
//! Mastodon's documentation gives them (docs.joinmastodon.org; each handler names its page).
//! No Mastodon server installs from the package registries, so this stands in for one; it
//! is not a mock of Tagar's expectations but of Mastodon's documented behaviour.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod listening;
mod media;

use listening::{
    account_statuses, announce, notifications, status_source, streaming, tag_timeline,
};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Idempotency keys are kept this long ("Post a new status": "stored for up to 1 hour").
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(3600);
/// A status's text limit on a default server (`max_characters`, "Instance" entity).
const MAX_CHARACTERS: usize = 500;
/// Requests per window for an account ("Rate limits": 300 per 5 minutes).
const RATE_LIMIT: u32 = 300;

#[derive(Debug, Clone)]
pub(crate) struct Status {
    id: String,
    account: String,
    text: String,
    in_reply_to_id: Option<String>,
    created_at: DateTime<Utc>,
    favourites: u64,
    reblogs: u64,
    /// The ids of its media attachments.
    media: Vec<String>,
}

#[derive(Default)]
pub(crate) struct Server {
    accounts: HashMap<String, String>,
    tokens: HashMap<String, String>,
    revoked: HashSet<String>,
    statuses: Vec<Status>,
    idempotency: HashMap<(String, String), (Instant, String)>,
    remaining: HashMap<String, u32>,
    reset: Option<DateTime<Utc>>,
    blocks: HashSet<(String, String)>,
    mutes: HashSet<(String, String)>,
    /// Mentions as they happen, for the streaming API: `(mentioned account, notification)`.
    stream: Option<tokio::sync::broadcast::Sender<(String, Value)>>,
    reports: Vec<(String, String, Vec<String>, String)>,
    media: Vec<media::Attachment>,
    next_id: u64,
}

pub(crate) type Shared = Arc<Mutex<Server>>;

/// A running test server.
#[derive(Clone)]
pub struct MastodonServer {
    /// Its base URL, `http://127.0.0.1:<port>`.
    pub url: String,
    state: Shared,
}

pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, json!({ "error": message }).to_string()).into_response()
}

/// The caller's account, after the token and rate-limit checks every authenticated
/// endpoint makes ("OAuth", "Rate limits": headers on every response, 429 when spent).
pub(crate) fn authorize(
    state: &Shared,
    headers: &HeaderMap,
) -> Result<(String, HeaderMap), Box<Response>> {
    let mut server = state.lock().expect("state");
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned();
    if server.revoked.contains(&token) {
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "The access token was revoked",
        )));
    }
    let Some(account) = server.tokens.get(&token).cloned() else {
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "The access token is invalid",
        )));
    };
    let now = Utc::now();
    let reset = match server.reset {
        Some(at) if at > now => at,
        _ => {
            let at = now + chrono::Duration::minutes(5);
            server.reset = Some(at);
            server.remaining.clear();
            at
        }
    };
    let remaining = server
        .remaining
        .entry(account.clone())
        .or_insert(RATE_LIMIT);
    let mut limit_headers = HeaderMap::new();
    let reset_text = reset.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    limit_headers.insert("x-ratelimit-limit", HeaderValue::from(RATE_LIMIT));
    limit_headers.insert(
        "x-ratelimit-reset",
        HeaderValue::from_str(&reset_text).expect("ascii"),
    );
    if *remaining == 0 {
        limit_headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
        let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        response.headers_mut().extend(limit_headers);
        return Err(Box::new(response));
    }
    *remaining -= 1;
    limit_headers.insert("x-ratelimit-remaining", HeaderValue::from(*remaining));
    Ok((account, limit_headers))
}

pub(crate) fn status_json(status: &Status, url: &str) -> Value {
    json!({
        "id": status.id,
        "uri": format!("{url}/users/{}/statuses/{}", status.account, status.id),
        "content": format!("<p>{}</p>", status.text),
        "in_reply_to_id": status.in_reply_to_id,
        "created_at": status.created_at.to_rfc3339(),
        "favourites_count": status.favourites,
        "reblogs_count": status.reblogs,
        "replies_count": 0,
        "account": { "id": status.account },
        "media_attachments": status.media.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(),
    })
}

pub(crate) fn ok(headers: HeaderMap, body: Value) -> Response {
    (StatusCode::OK, headers, body.to_string()).into_response()
}

/// "Verify account credentials": `GET /api/v1/accounts/verify_credentials`.
async fn verify_credentials(State(state): State<(Shared, String)>, headers: HeaderMap) -> Response {
    let (account, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let acct = state.0.lock().expect("state").accounts[&account].clone();
    ok(
        limits,
        json!({ "id": account, "username": acct, "acct": acct }),
    )
}

/// "Post a new status": `POST /api/v1/statuses`, form or JSON, with `Idempotency-Key`.
async fn post_status(
    State(state): State<(Shared, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (account, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let text = body
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut server = state.0.lock().expect("state");
    server
        .idempotency
        .retain(|_, (at, _)| at.elapsed() < IDEMPOTENCY_TTL);
    if let Some(key) = &key
        && let Some((_, id)) = server.idempotency.get(&(account.clone(), key.clone()))
    {
        // The same key again: the status the first request made, not a new one.
        let status = server.statuses.iter().find(|s| &s.id == id).expect("kept");
        return ok(limits, status_json(status, &state.1));
    }
    let media = match media::attach(&server, &account, &body) {
        Ok(ids) => ids,
        Err(refused) => return *refused,
    };
    if text.trim().is_empty() && media.is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Text can't be blank",
        );
    }
    if text.chars().count() > MAX_CHARACTERS {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Text character limit of 500 exceeded",
        );
    }
    server.next_id += 1;
    let status = Status {
        id: format!("{}", 110_000_000_000_000_000u64 + server.next_id),
        account: account.clone(),
        text,
        in_reply_to_id: body
            .get("in_reply_to_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        created_at: Utc::now(),
        favourites: 0,
        reblogs: 0,
        media,
    };
    for m in server.media.iter_mut() {
        if status.media.contains(&m.id) {
            m.status = Some(status.id.clone());
        }
    }
    if let Some(key) = key {
        server
            .idempotency
            .insert((account, key), (Instant::now(), status.id.clone()));
    }
    let answer = status_json(&status, &state.1);
    announce(&server, &status, &state.1);
    server.statuses.push(status);
    ok(limits, answer)
}

/// "View a single status": `GET /api/v1/statuses/:id`, with its counts.
async fn get_status(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (_, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let server = state.0.lock().expect("state");
    match server.statuses.iter().find(|s| s.id == id) {
        Some(status) => ok(limits, status_json(status, &state.1)),
        None => error(StatusCode::NOT_FOUND, "Record not found"),
    }
}

/// "Delete a status": `DELETE /api/v1/statuses/:id`; another's or a missing one is 404.
async fn delete_status(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (account, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let mut server = state.0.lock().expect("state");
    let Some(at) = server
        .statuses
        .iter()
        .position(|s| s.id == id && s.account == account)
    else {
        return error(StatusCode::NOT_FOUND, "Record not found");
    };
    let gone = server.statuses.remove(at);
    ok(limits, status_json(&gone, &state.1))
}

/// "Block account" and "Mute account": `POST /api/v1/accounts/:id/block` (or `/mute`), a
/// Relationship back; idempotent.
async fn relate(
    State(state): State<(Shared, String)>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (account, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let mut server = state.0.lock().expect("state");
    if !server.accounts.contains_key(&id) {
        return error(StatusCode::NOT_FOUND, "Record not found");
    }
    let (set, field) = match action.as_str() {
        "block" => (&mut server.blocks, "blocking"),
        "mute" => (&mut server.mutes, "muting"),
        _ => return error(StatusCode::NOT_FOUND, "Not found"),
    };
    set.insert((account, id.clone()));
    ok(limits, json!({ "id": id, field: true }))
}

/// "File a report": `POST /api/v1/reports` with `account_id` (required), `status_ids`,
/// `comment` (at most 1,000 characters) and `category`.
async fn report(
    State(state): State<(Shared, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (account, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(target) = body
        .get("account_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Account can't be blank",
        );
    };
    let comment = body
        .get("comment")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if comment.chars().count() > 1000 {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Comment is too long",
        );
    }
    let statuses: Vec<String> = body
        .get("status_ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut server = state.0.lock().expect("state");
    if !server.accounts.contains_key(&target) {
        return error(StatusCode::NOT_FOUND, "Record not found");
    }
    server.next_id += 1;
    let id = server.next_id.to_string();
    server
        .reports
        .push((account, target.clone(), statuses, comment));
    ok(
        limits,
        json!({ "id": id, "target_account": { "id": target } }),
    )
}

impl MastodonServer {
    /// Starts a server on a free port of 127.0.0.1, for the rest of the test.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state: Shared = Arc::default();
        state.lock().expect("state").stream = Some(tokio::sync::broadcast::channel(256).0);
        let app = Router::new()
            .route(
                "/api/v1/accounts/verify_credentials",
                get(verify_credentials),
            )
            .route("/api/v1/statuses", post(post_status))
            .route(
                "/api/v1/statuses/{id}",
                delete(delete_status).get(get_status),
            )
            .route("/api/v1/accounts/{id}/{action}", post(relate))
            .route("/api/v1/accounts/{id}/statuses", get(account_statuses))
            .route("/api/v1/statuses/{id}/source", get(status_source))
            .route("/api/v1/reports", post(report))
            .route("/api/v2/media", post(media::upload))
            .route("/api/v1/media/{id}", get(media::get))
            // Uploads as large as the network takes, not axum's default of 2 MB.
            .layer(axum::extract::DefaultBodyLimit::max(128 * 1024 * 1024))
            .route("/api/v1/notifications", get(notifications))
            .route("/api/v1/timelines/tag/{hashtag}", get(tag_timeline))
            .route("/api/v1/streaming/user/notification", get(streaming))
            .with_state((Arc::clone(&state), url.clone()));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, state }
    }

    /// The media of status `id`, in order: `(MIME type, bytes, description)`.
    pub fn attachments_of(&self, id: &str) -> Vec<(String, Vec<u8>, Option<String>)> {
        let server = self.state.lock().expect("state");
        let Some(status) = server.statuses.iter().find(|s| s.id == id) else {
            return Vec::new();
        };
        status
            .media
            .iter()
            .filter_map(|m| server.media.iter().find(|a| &a.id == m))
            .map(|a| (a.mime.clone(), a.bytes.clone(), a.description.clone()))
            .collect()
    }

    /// How many files the account uploaded, attached or not.
    pub fn uploads_of(&self, account: &str) -> usize {
        let server = self.state.lock().expect("state");
        server.media.iter().filter(|m| m.account == account).count()
    }

    /// Makes an account `username` and an access token for it: `(account id, token)`.
    pub fn create_account(&self, username: &str) -> (String, String) {
        let mut server = self.state.lock().expect("state");
        server.next_id += 1;
        let id = format!("{}", 109_000_000_000_000_000u64 + server.next_id);
        let token = uuid::Uuid::new_v4().simple().to_string();
        server.accounts.insert(id.clone(), username.to_owned());
        server.tokens.insert(token.clone(), id.clone());
        (id, token)
    }

    /// Posts `text` as the account with `token` (a person on the network, not Tagar).
    pub fn post_as(&self, account: &str, text: &str) -> String {
        let mut server = self.state.lock().expect("state");
        server.next_id += 1;
        let id = format!("{}", 110_000_000_000_000_000u64 + server.next_id);
        let status = Status {
            id: id.clone(),
            account: account.to_owned(),
            text: text.to_owned(),
            in_reply_to_id: None,
            created_at: Utc::now(),
            favourites: 0,
            reblogs: 0,
            media: Vec::new(),
        };
        announce(&server, &status, &self.url);
        server.statuses.push(status);
        id
    }

    /// People like and boost the status `id`.
    pub fn engage(&self, id: &str, favourites: u64, reblogs: u64) {
        let mut server = self.state.lock().expect("state");
        if let Some(status) = server.statuses.iter_mut().find(|s| s.id == id) {
            status.favourites += favourites;
            status.reblogs += reblogs;
        }
    }

    /// An hour goes by for the idempotency keys: the server forgets them all ("stored for up
    /// to 1 hour").
    pub fn forget_idempotency_keys(&self) {
        self.state.lock().expect("state").idempotency.clear();
    }

    /// The status `id` is deleted (by its author, or by the server's moderators).
    pub fn delete(&self, id: &str) {
        self.state
            .lock()
            .expect("state")
            .statuses
            .retain(|s| s.id != id);
    }

    /// Revokes `token`, as the user does under Preferences → Account → Authorized apps.
    pub fn revoke(&self, token: &str) {
        self.state
            .lock()
            .expect("state")
            .revoked
            .insert(token.to_owned());
    }

    /// Spends `account`'s rate limit: its requests get 429 until the window resets.
    pub fn spend_rate_limit(&self, account: &str) {
        let mut server = self.state.lock().expect("state");
        server.remaining.insert(account.to_owned(), 0);
        if server.reset.is_none_or(|r| r <= Utc::now()) {
            server.reset = Some(Utc::now() + chrono::Duration::minutes(5));
        }
    }

    /// When the current rate-limit window resets.
    pub fn rate_limit_reset(&self) -> Option<DateTime<Utc>> {
        self.state.lock().expect("state").reset
    }

    /// The texts of `account`'s statuses, oldest first.
    pub fn statuses_of(&self, account: &str) -> Vec<String> {
        let server = self.state.lock().expect("state");
        server
            .statuses
            .iter()
            .filter(|s| s.account == account)
            .map(|s| s.text.clone())
            .collect()
    }

    /// The replies to status `id`: each one's account and text, oldest first.
    pub fn replies_to(&self, id: &str) -> Vec<(String, String)> {
        let server = self.state.lock().expect("state");
        server
            .statuses
            .iter()
            .filter(|s| s.in_reply_to_id.as_deref() == Some(id))
            .map(|s| (s.account.clone(), s.text.clone()))
            .collect()
    }

    /// Whom `account` mutes.
    pub fn mutes_of(&self, account: &str) -> Vec<String> {
        let server = self.state.lock().expect("state");
        server
            .mutes
            .iter()
            .filter(|(who, _)| who == account)
            .map(|(_, whom)| whom.clone())
            .collect()
    }

    /// The reports `account` filed: `(reported account, status ids, comment)`.
    pub fn reports_by(&self, account: &str) -> Vec<(String, Vec<String>, String)> {
        let server = self.state.lock().expect("state");
        server
            .reports
            .iter()
            .filter(|(who, ..)| who == account)
            .map(|(_, target, statuses, comment)| {
                (target.clone(), statuses.clone(), comment.clone())
            })
            .collect()
    }

    /// Whom `account` blocks.
    pub fn blocks_of(&self, account: &str) -> Vec<String> {
        let server = self.state.lock().expect("state");
        server
            .blocks
            .iter()
            .filter(|(who, _)| who == account)
            .map(|(_, whom)| whom.clone())
            .collect()
    }
}
