//! What the server tells an account of its mentions: the notifications list (polled) and
//! the streaming API (pushed).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Server, Shared, Status, authorize, error, ok, status_json};

/// Tells the streaming API's listeners of `status`'s mentions.
pub(super) fn announce(server: &Server, status: &Status, url: &str) {
    for (id, name) in &server.accounts {
        let mention = format!("@{name}");
        if *id != status.account && status.text.split_whitespace().any(|w| w == mention) {
            let note =
                json!({ "id": status.id, "type": "mention", "status": status_json(status, url) });
            if let Some(stream) = &server.stream {
                let _ = stream.send((id.clone(), note));
            }
        }
    }
}

/// "Streaming API": `GET /api/v1/streaming/user/notification`, server-sent events: an
/// `event: notification` per new notification of the caller, and `:thump` heartbeats.
pub(super) async fn streaming(
    State(state): State<(Shared, String)>,
    headers: HeaderMap,
) -> Response {
    let (account, _) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let Some(rx) = state
        .0
        .lock()
        .expect("state")
        .stream
        .as_ref()
        .map(|s| s.subscribe())
    else {
        return error(StatusCode::NOT_FOUND, "Streaming is not available");
    };
    let events =
        futures::stream::unfold((rx, account, true), |(mut rx, account, first)| async move {
            if first {
                let chunk = Bytes::from_static(b":thump\n\n");
                return Some((
                    Ok::<_, std::convert::Infallible>(chunk),
                    (rx, account, false),
                ));
            }
            loop {
                match rx.recv().await {
                    Ok((to, note)) if to == account => {
                        let chunk = Bytes::from(format!("event: notification\ndata: {note}\n\n"));
                        return Some((Ok(chunk), (rx, account, false)));
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
    (
        StatusCode::OK,
        [("content-type", "text/event-stream")],
        axum::body::Body::from_stream(events),
    )
        .into_response()
}

/// A status as others see it, its author's account filled in ("Status" entity).
fn public_status(server: &Server, status: &Status, url: &str) -> Value {
    let author = &server.accounts[&status.account];
    let mut shown = status_json(status, url);
    shown["account"] = json!({
        "id": status.account, "acct": author, "display_name": author,
        "followers_count": 12, "created_at": "2024-01-01T00:00:00.000Z",
    });
    shown["language"] = json!("id");
    shown
}

/// "Get all notifications": `GET /api/v1/notifications?types[]=mention&since_id=…&limit=…`:
/// the statuses that mention the caller (`@username` in their text), newest first, each
/// notification with its own id (ids grow).
pub(super) async fn notifications(
    State(state): State<(Shared, String)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let (account, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let since: u64 = query
        .iter()
        .find(|(k, _)| k == "since_id")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let limit: usize = query
        .iter()
        .find(|(k, _)| k == "limit")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(40)
        .min(80);
    let server = state.0.lock().expect("state");
    let username = server.accounts[&account].clone();
    let mention = format!("@{username}");
    let notes: Vec<Value> = server
        .statuses
        .iter()
        .filter(|s| s.account != account && s.text.split_whitespace().any(|w| w == mention))
        .filter_map(|s| {
            // A notification's id grows with its status's (here: the same number).
            let id = s.id.parse::<u64>().ok()?;
            (id > since).then(|| {
                let status = public_status(&server, s, &state.1);
                json!({ "id": id.to_string(), "type": "mention", "created_at": status["created_at"], "status": status })
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .take(limit)
        .collect();
    ok(limits, Value::Array(notes))
}

/// "View hashtag timeline": `GET /api/v1/timelines/tag/:hashtag?limit=…&min_id=…&since_id=…`:
/// public statuses with the hashtag (any case), newest first; `min_id` gives the page
/// immediately newer than it, `since_id` the newest page after it.
pub(super) async fn tag_timeline(
    State(state): State<(Shared, String)>,
    axum::extract::Path(tag): axum::extract::Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let (_, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let number = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let limit = number("limit").map_or(20, |n| n.min(40) as usize);
    let wanted = format!("#{}", tag.to_lowercase());
    let server = state.0.lock().expect("state");
    let mut tagged: Vec<&Status> = server
        .statuses
        .iter()
        .filter(|s| {
            s.text
                .to_lowercase()
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '!' | '?'))
                .any(|w| w == wanted)
        })
        .filter(|s| {
            let id = s.id.parse::<u64>().unwrap_or(0);
            id > number("min_id").or(number("since_id")).unwrap_or(0)
        })
        .collect();
    // Oldest first: `min_id` takes the oldest `limit` after it, `since_id` the newest.
    tagged.sort_by_key(|s| s.id.parse::<u64>().unwrap_or(0));
    let page: Vec<&Status> = if number("min_id").is_some() {
        tagged.into_iter().take(limit).collect()
    } else {
        let skip = tagged.len().saturating_sub(limit);
        tagged.into_iter().skip(skip).collect()
    };
    let statuses: Vec<Value> = page
        .iter()
        .rev()
        .map(|s| public_status(&server, s, &state.1))
        .collect();
    ok(limits, Value::Array(statuses))
}

/// "Get account's statuses": `GET /api/v1/accounts/:id/statuses?limit=…`, newest first.
pub(super) async fn account_statuses(
    State(state): State<(Shared, String)>,
    axum::extract::Path(id): axum::extract::Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let (_, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let limit = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "limit")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(20)
        .min(40);
    let server = state.0.lock().expect("state");
    let statuses: Vec<Value> = server
        .statuses
        .iter()
        .rev()
        .filter(|s| s.account == id)
        .take(limit)
        .map(|s| public_status(&server, s, &state.1))
        .collect();
    ok(limits, Value::Array(statuses))
}

/// "View status source": `GET /api/v1/statuses/:id/source`, the plain text as written; the
/// caller's own statuses only.
pub(super) async fn status_source(
    State(state): State<(Shared, String)>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let (account, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let server = state.0.lock().expect("state");
    match server
        .statuses
        .iter()
        .find(|s| s.id == id && s.account == account)
    {
        Some(s) => ok(
            limits,
            json!({ "id": s.id, "text": s.text, "spoiler_text": "" }),
        ),
        None => error(StatusCode::NOT_FOUND, "Record not found"),
    }
}
