//! The timelines: a user's posts, their mentions, "Search Posts" (`GET
//! /2/tweets/search/recent`), and the paging every timeline shares
//! ("Pagination": `max_results`, `pagination_token`, `meta.next_token`, `since_id`).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Server, Shared, Tweet, problem, user_of};

/// The query language's part Tagar uses: `(t1 OR t2 …) -is:retweet`, where a term is
/// `#hashtag` (a hashtag of the post, any case), `@handle` (a mention) or `"a phrase"` (in
/// the text, any case).
fn matches(query: &str, tweet: &Tweet) -> bool {
    let inner = query
        .trim()
        .trim_end_matches("-is:retweet")
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')');
    let text = tweet.written.to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '!' | '?'))
        .collect();
    inner.split(" OR ").any(|term| {
        let term = term.trim().to_lowercase();
        if let Some(phrase) = term.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            text.contains(phrase)
        } else {
            words.contains(&term.as_str())
        }
    })
}

/// `GET /2/tweets/search/recent?query=…`: the last seven days' posts matching, newest first;
/// a query over 512 characters is refused (Basic access).
pub(super) async fn recent(
    State(state): State<(Shared, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = user_of(&state.0, &headers) {
        return *r;
    }
    let query = query_of(&uri);
    let Some(q) = query.get("query").filter(|q| !q.trim().is_empty()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Invalid Request",
            "The `query` query parameter can not be empty",
        );
    };
    if q.chars().count() > 512 {
        return problem(
            StatusCode::BAD_REQUEST,
            "Invalid Request",
            "The `query` query parameter value is too long",
        );
    }
    let week_ago = chrono::Utc::now() - chrono::Duration::days(7);
    let server = state.0.lock().expect("state");
    let found: Vec<&Tweet> = server
        .tweets
        .iter()
        .rev()
        .filter(|t| t.created_at > week_ago && matches(q, t))
        .collect();
    page(&server, found, &query)
}

pub(super) fn query_of(uri: &Uri) -> HashMap<String, String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// One page of `found` (newest first) after `since_id`, from `pagination_token` (an offset
/// here), `max_results` long (10 to 100, default 10), with the authors expanded.
pub(super) fn page(
    server: &Server,
    found: Vec<&Tweet>,
    query: &HashMap<String, String>,
) -> Response {
    let since: u64 = query
        .get("since_id")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let size = query
        .get("max_results")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(10, 100);
    let from = query
        .get("pagination_token")
        .and_then(|v| v.strip_prefix("page-"))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let newer: Vec<&Tweet> = found
        .into_iter()
        .filter(|t| t.id.parse::<u64>().is_ok_and(|n| n > since))
        .collect();
    let shown: Vec<&Tweet> = newer.iter().skip(from).take(size).copied().collect();
    let data: Vec<Value> = shown
        .iter()
        .map(|t| {
            let mut tweet = json!({
                "id": t.id, "text": t.text, "author_id": t.author,
                "created_at": t.created_at.to_rfc3339(), "conversation_id": t.id, "lang": "id",
            });
            if let Some(parent) = &t.in_reply_to {
                tweet["referenced_tweets"] = json!([{ "type": "replied_to", "id": parent }]);
            }
            tweet
        })
        .collect();
    let users: Vec<Value> = shown
        .iter()
        .map(|t| json!({ "id": t.author, "username": server.users[&t.author], "name": server.users[&t.author], "public_metrics": { "followers_count": 7 } }))
        .collect();
    let mut body = json!({ "data": data, "includes": { "users": users }, "meta": { "result_count": shown.len() } });
    // "newest_id": the newest of the whole result, on every page.
    if let Some(newest) = newer.first() {
        body["meta"]["newest_id"] = json!(newest.id);
    }
    if from + size < newer.len() {
        body["meta"]["next_token"] = json!(format!("page-{}", from + size));
    }
    (StatusCode::OK, body.to_string()).into_response()
}

/// "Timelines": `GET /2/users/:id/tweets?start_time=…&max_results=…`, newest first.
pub(super) async fn timeline(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = user_of(&state.0, &headers) {
        return *r;
    }
    let query = query_of(&uri);
    let since = query
        .get("start_time")
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let max = query
        .get("max_results")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(5, 100);
    let server = state.0.lock().expect("state");
    let data: Vec<Value> = server
        .tweets
        .iter()
        .rev()
        .filter(|t| t.author == id && since.is_none_or(|s| t.created_at >= s))
        .take(max)
        .map(|t| json!({ "id": t.id, "text": t.text }))
        .collect();
    (
        StatusCode::OK,
        json!({ "data": data, "meta": { "result_count": data.len() } }).to_string(),
    )
        .into_response()
}

/// "Timelines": `GET /2/users/:id/mentions?since_id=…` with `expansions=author_id`: the posts
/// whose text has `@username`, newest first, their authors in `includes.users`, and
/// `meta.newest_id`.
pub(super) async fn mentions(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = user_of(&state.0, &headers) {
        return *r;
    }
    let query = query_of(&uri);
    let server = state.0.lock().expect("state");
    let Some(name) = server.users.get(&id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found Error",
            "Could not find user",
        );
    };
    let mention = format!("@{name}");
    let found: Vec<&Tweet> = server
        .tweets
        .iter()
        .rev()
        .filter(|t| t.author != id && t.text.split_whitespace().any(|w| w == mention))
        .collect();
    page(&server, found, &query)
}
