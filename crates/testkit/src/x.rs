//! An X API v2 server for tests: the endpoints Tagar's connector uses, with the semantics X's
//! documentation gives them (docs.x.com; each handler names its page). X runs nowhere but at
//! X, so this stands in for it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

mod media;
mod search;

#[derive(Debug, Clone)]
struct Tweet {
    id: String,
    author: String,
    /// The text as X shows it: links shortened, `&<>` escaped, a link to the media last.
    text: String,
    /// The text as its author wrote it.
    written: String,
    media: Vec<String>,
    in_reply_to: Option<String>,
    created_at: DateTime<Utc>,
    likes: u64,
    impressions: u64,
}

#[derive(Default)]
struct Server {
    users: HashMap<String, String>,
    /// access token → (user, expiry)
    access: HashMap<String, (String, DateTime<Utc>)>,
    /// refresh token → user; a refresh token works once (they rotate)
    refresh: HashMap<String, String>,
    tweets: Vec<Tweet>,
    blocks: HashSet<(String, String)>,
    mutes: HashSet<(String, String)>,
    hidden: HashSet<String>,
    limited: HashMap<String, DateTime<Utc>>,
    refreshes: u32,
    uploads: Vec<media::Upload>,
    next_id: u64,
}

type Shared = Arc<Mutex<Server>>;

/// A running test server.
#[derive(Clone)]
pub struct XServer {
    /// Its base URL, `http://127.0.0.1:<port>`.
    pub url: String,
    state: Shared,
}

/// Problem details, as X API v2 answers errors ("Response codes and errors").
fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    (
        status,
        json!({ "title": title, "detail": detail, "type": "about:blank", "status": status.as_u16() })
            .to_string(),
    )
        .into_response()
}

fn user_of(state: &Shared, headers: &HeaderMap) -> Result<String, Box<Response>> {
    let mut server = state.lock().expect("state");
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let Some((user, expires)) = server.access.get(token).cloned() else {
        return Err(Box::new(problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized",
        )));
    };
    if expires <= Utc::now() {
        return Err(Box::new(problem(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized",
        )));
    }
    // "Rate limits": 429 with x-rate-limit-reset, the Unix second the window resets.
    if let Some(reset) = server.limited.get(&user).copied() {
        if reset > Utc::now() {
            let mut response = problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Too Many Requests",
            );
            response
                .headers_mut()
                .insert("x-rate-limit-reset", HeaderValue::from(reset.timestamp()));
            return Err(Box::new(response));
        }
        server.limited.remove(&user);
    }
    Ok(user)
}

/// "OAuth 2.0 Authorization Code Flow with PKCE", refreshing: `POST /2/oauth2/token` with
/// `grant_type=refresh_token`; the refresh token is spent and a new pair is issued.
async fn token(State(state): State<(Shared, String)>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let mut server = state.0.lock().expect("state");
    if form.get("grant_type").map(String::as_str) != Some("refresh_token")
        || form.get("client_id").is_none_or(String::is_empty)
    {
        return (StatusCode::BAD_REQUEST, json!({ "error": "invalid_request", "error_description": "Missing required parameter" }).to_string()).into_response();
    }
    let Some(user) = form
        .get("refresh_token")
        .and_then(|t| server.refresh.remove(t))
    else {
        return (
            StatusCode::BAD_REQUEST,
            json!({ "error": "invalid_request", "error_description": "Value passed for the token was invalid." }).to_string(),
        )
            .into_response();
    };
    server.refreshes += 1;
    let (access, refresh) = (
        uuid::Uuid::new_v4().simple().to_string(),
        uuid::Uuid::new_v4().simple().to_string(),
    );
    server.access.insert(
        access.clone(),
        (user.clone(), Utc::now() + chrono::Duration::hours(2)),
    );
    server.refresh.insert(refresh.clone(), user);
    (
        StatusCode::OK,
        json!({ "token_type": "bearer", "expires_in": 7200, "access_token": access, "refresh_token": refresh, "scope": "tweet.read tweet.write users.read offline.access" }).to_string(),
    )
        .into_response()
}

/// "Users lookup": `GET /2/users/me`.
async fn me(State(state): State<(Shared, String)>, headers: HeaderMap) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let name = state.0.lock().expect("state").users[&user].clone();
    (
        StatusCode::OK,
        json!({ "data": { "id": user, "username": name, "name": name } }).to_string(),
    )
        .into_response()
}

/// "Manage Posts": `POST /2/tweets`; the same text again from the same user is refused as
/// duplicate content (403).
async fn create(
    State(state): State<(Shared, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let text = body["text"].as_str().unwrap_or("").to_owned();
    let mut server = state.0.lock().expect("state");
    if server
        .tweets
        .iter()
        .any(|t| t.author == user && t.written == text)
    {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You are not allowed to create a Tweet with duplicate content.",
        );
    }
    let media = match media::attach(&server, &user, &body) {
        Ok(ids) => ids,
        Err(refused) => return *refused,
    };
    server.next_id += 1;
    let id = format!("{}", 1_800_000_000_000_000_000u64 + server.next_id);
    let shown = shown(&text, &media);
    server.tweets.push(Tweet {
        id: id.clone(),
        author: user,
        text: shown.clone(),
        written: text,
        media,
        in_reply_to: body["reply"]["in_reply_to_tweet_id"]
            .as_str()
            .map(str::to_owned),
        created_at: Utc::now(),
        likes: 0,
        impressions: 0,
    });
    (
        StatusCode::CREATED,
        json!({ "data": { "id": id, "text": shown } }).to_string(),
    )
        .into_response()
}

/// A post's text as X shows it ("Post object", "URLs and t.co"): every link shortened to
/// `https://t.co/…`, `&`, `<` and `>` as HTML entities, and a post with media ending in a
/// link to it.
fn shown(text: &str, media: &[String]) -> String {
    let mut words: Vec<String> = text
        .split(' ')
        .map(|word| {
            if word.starts_with("http://") || word.starts_with("https://") {
                format!("https://t.co/{:08x}", word.len() * 7919)
            } else {
                word.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            }
        })
        .collect();
    if let Some(first) = media.first() {
        words.push(format!(
            "https://t.co/m{}",
            &first[first.len().saturating_sub(8)..]
        ));
    }
    words.retain(|w| !w.is_empty());
    words.join(" ")
}

/// "Posts lookup": `GET /2/tweets/:id?tweet.fields=public_metrics`.
async fn lookup(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = user_of(&state.0, &headers) {
        return *r;
    }
    let server = state.0.lock().expect("state");
    let Some(t) = server.tweets.iter().find(|t| t.id == id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found Error",
            "Could not find tweet",
        );
    };
    let replies = server
        .tweets
        .iter()
        .filter(|r| r.in_reply_to.as_deref() == Some(id.as_str()))
        .count();
    let metrics = json!({ "like_count": t.likes, "retweet_count": 0, "reply_count": replies, "quote_count": 0, "impression_count": t.impressions });
    (
        StatusCode::OK,
        json!({ "data": { "id": t.id, "text": t.text, "public_metrics": metrics } }).to_string(),
    )
        .into_response()
}

/// "Manage Posts": `DELETE /2/tweets/:id`.
async fn remove(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let mut server = state.0.lock().expect("state");
    server.tweets.retain(|t| !(t.id == id && t.author == user));
    (
        StatusCode::OK,
        json!({ "data": { "deleted": true } }).to_string(),
    )
        .into_response()
}

/// "Blocks" and "Mutes": `POST /2/users/:id/blocking` (or `/muting`) with
/// `target_user_id`, from the caller's own account.
async fn relate(
    State(state): State<(Shared, String)>,
    Path((id, relation)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    if user != id {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You can only block or mute from your own account.",
        );
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let target = body["target_user_id"].as_str().unwrap_or("").to_owned();
    let mut server = state.0.lock().expect("state");
    let set = match relation.as_str() {
        "blocking" => &mut server.blocks,
        "muting" => &mut server.mutes,
        _ => return problem(StatusCode::NOT_FOUND, "Not Found Error", "No such endpoint"),
    };
    set.insert((user, target));
    (
        StatusCode::OK,
        json!({ "data": { relation: true } }).to_string(),
    )
        .into_response()
}

/// "Hide replies": `PUT /2/tweets/:id/hidden {hidden}`; only the author of the conversation's
/// first post may hide a reply in it (here: a reply to one of the caller's posts).
async fn hide(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let mut server = state.0.lock().expect("state");
    let Some(reply) = server.tweets.iter().find(|t| t.id == id).cloned() else {
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found Error",
            "Could not find tweet",
        );
    };
    let parent_author = reply
        .in_reply_to
        .as_ref()
        .and_then(|p| server.tweets.iter().find(|t| &t.id == p))
        .map(|t| t.author.clone());
    if parent_author.as_deref() != Some(user.as_str()) {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You can only hide replies to your own conversations.",
        );
    }
    server.hidden.insert(id);
    (
        StatusCode::OK,
        json!({ "data": { "hidden": true } }).to_string(),
    )
        .into_response()
}

/// A user's tokens, as an app holds them after the user authorized it.
#[derive(Debug, Clone)]
pub struct XTokens {
    /// The user's id.
    pub user: String,
    /// An access token.
    pub access_token: String,
    /// Its refresh token.
    pub refresh_token: String,
}

/// A post's media item, as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XMedia {
    /// `tweet_image`, `tweet_gif` or `tweet_video`.
    pub category: String,
    /// The `media_type` the upload declared.
    pub mime: String,
    /// The file.
    pub bytes: Vec<u8>,
    /// Its alt text, if set.
    pub alt_text: Option<String>,
}

impl XServer {
    /// Starts a server on a free port of 127.0.0.1, for the rest of the test.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state: Shared = Arc::default();
        let app = Router::new()
            .route("/2/oauth2/token", post(token))
            .route("/2/users/me", get(me))
            .route("/2/tweets", post(create))
            .route("/2/tweets/{id}", delete(remove).get(lookup))
            .route("/2/users/{id}/tweets", get(search::timeline))
            .route("/2/users/{id}/{relation}", post(relate))
            .route("/2/users/{id}/mentions", get(search::mentions))
            .route("/2/tweets/{id}/hidden", axum::routing::put(hide))
            .route("/2/tweets/search/recent", get(search::recent))
            .route("/2/media/upload", post(media::upload).get(media::status))
            .route("/2/media/upload/initialize", post(media::initialize))
            .route("/2/media/upload/{id}/append", post(media::append))
            .route("/2/media/upload/{id}/finalize", post(media::finalize))
            .route("/2/media/metadata", post(media::metadata))
            // Uploads as large as the network takes, not axum's default of 2 MB.
            .layer(axum::extract::DefaultBodyLimit::max(128 * 1024 * 1024))
            .with_state((Arc::clone(&state), url.clone()));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, state }
    }

    /// The media of post `id`, in order.
    pub fn media_of(&self, id: &str) -> Vec<XMedia> {
        let server = self.state.lock().expect("state");
        let Some(tweet) = server.tweets.iter().find(|t| t.id == id) else {
            return Vec::new();
        };
        tweet
            .media
            .iter()
            .filter_map(|m| server.uploads.iter().find(|u| &u.id == m))
            .map(|u| XMedia {
                category: u.category.clone(),
                mime: u.mime.clone(),
                bytes: u.bytes.clone(),
                alt_text: u.alt_text.clone(),
            })
            .collect()
    }

    /// A user `username` who authorized the app; its access token expires in `expires_in`.
    pub fn create_user(&self, username: &str, expires_in: chrono::Duration) -> XTokens {
        let mut server = self.state.lock().expect("state");
        server.next_id += 1;
        let user = format!("{}", 1_500_000_000_000_000_000u64 + server.next_id);
        let (access, refresh) = (
            uuid::Uuid::new_v4().simple().to_string(),
            uuid::Uuid::new_v4().simple().to_string(),
        );
        server.users.insert(user.clone(), username.to_owned());
        server
            .access
            .insert(access.clone(), (user.clone(), Utc::now() + expires_in));
        server.refresh.insert(refresh.clone(), user.clone());
        XTokens {
            user,
            access_token: access,
            refresh_token: refresh,
        }
    }

    /// Revokes every token of `user`, as the user does under "Connected apps".
    pub fn revoke(&self, user: &str) {
        let mut server = self.state.lock().expect("state");
        server.access.retain(|_, (u, _)| u != user);
        server.refresh.retain(|_, u| u != user);
    }

    /// Lets every access token of `user` expire, as two hours passing would (refresh tokens
    /// keep working).
    pub fn expire_access_tokens(&self, user: &str) {
        let mut server = self.state.lock().expect("state");
        let past = Utc::now() - chrono::Duration::seconds(1);
        for (who, expires) in server.access.values_mut() {
            if who == user {
                *expires = past;
            }
        }
    }

    /// Spends `user`'s rate limit until `reset`.
    pub fn limit(&self, user: &str, reset: DateTime<Utc>) {
        self.state
            .lock()
            .expect("state")
            .limited
            .insert(user.to_owned(), reset);
    }

    /// The texts of `user`'s posts, oldest first.
    pub fn posts_of(&self, user: &str) -> Vec<String> {
        let server = self.state.lock().expect("state");
        server
            .tweets
            .iter()
            .filter(|t| t.author == user)
            .map(|t| t.written.clone())
            .collect()
    }

    /// People like and see the post `id`.
    pub fn engage(&self, id: &str, likes: u64, impressions: u64) {
        let mut server = self.state.lock().expect("state");
        if let Some(t) = server.tweets.iter_mut().find(|t| t.id == id) {
            t.likes += likes;
            t.impressions += impressions;
        }
    }

    /// Whom `user` mutes.
    pub fn mutes_of(&self, user: &str) -> Vec<String> {
        let server = self.state.lock().expect("state");
        server
            .mutes
            .iter()
            .filter(|(who, _)| who == user)
            .map(|(_, whom)| whom.clone())
            .collect()
    }

    /// Whether the post `id` is hidden as a reply.
    pub fn is_hidden(&self, id: &str) -> bool {
        self.state.lock().expect("state").hidden.contains(id)
    }

    /// Whom `user` blocks.
    pub fn blocks_of(&self, user: &str) -> Vec<String> {
        let server = self.state.lock().expect("state");
        server
            .blocks
            .iter()
            .filter(|(who, _)| who == user)
            .map(|(_, whom)| whom.clone())
            .collect()
    }

    /// How many token refreshes the server granted.
    pub fn refreshes(&self) -> u32 {
        self.state.lock().expect("state").refreshes
    }
}
