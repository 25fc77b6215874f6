//! Media: "Media upload" (`POST /2/media/upload`, one request), "Chunked media upload"
//! (`POST /2/media/upload/initialize`, `…/{id}/append`, `…/{id}/finalize`, and `GET
//! /2/media/upload?command=STATUS`), "Media metadata" (`POST /2/media/metadata`), and their
//! use by a new post (`media.media_ids`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Server, Shared, problem, user_of};

/// Videos and GIFs are processed after `finalize`: this long, here.
const PROCESSING: Duration = Duration::from_millis(1_500);
/// "Uploading media": images up to 5 MB.
const IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// "Chunked media upload": a segment up to 5 MB.
const SEGMENT_BYTES: usize = 5 * 1024 * 1024;
/// "Media metadata": alt text up to 1,000 characters.
const ALT_TEXT_CHARS: usize = 1_000;

/// One uploaded (or uploading) file.
#[derive(Debug, Clone)]
pub(super) struct Upload {
    pub(super) id: String,
    user: String,
    pub(super) category: String,
    pub(super) mime: String,
    declared_bytes: Option<usize>,
    segments: HashMap<usize, Vec<u8>>,
    pub(super) bytes: Vec<u8>,
    pub(super) alt_text: Option<String>,
    /// When it can be posted; `None` until finalized.
    ready_at: Option<Instant>,
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, body.to_string()).into_response()
}

fn bad(detail: &str) -> Response {
    problem(StatusCode::BAD_REQUEST, "Invalid Request", detail)
}

/// The form's text fields and its `media` bytes.
async fn read_form(mut form: Multipart) -> (HashMap<String, String>, Option<Vec<u8>>) {
    let (mut fields, mut media) = (HashMap::new(), None);
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or("").to_owned();
        if name == "media" {
            media = field.bytes().await.ok().map(|b| b.to_vec());
        } else if let Ok(text) = field.text().await {
            fields.insert(name, text);
        }
    }
    (fields, media)
}

fn new_upload(server: &mut Server, user: String, category: &str, mime: &str) -> Upload {
    server.next_id += 1;
    Upload {
        id: format!("{}", 1_900_000_000_000_000_000u64 + server.next_id),
        user,
        category: category.to_owned(),
        mime: mime.to_owned(),
        declared_bytes: None,
        segments: HashMap::new(),
        bytes: Vec::new(),
        alt_text: None,
        ready_at: None,
    }
}

fn data_of(upload: &Upload) -> Value {
    let mut data = json!({
        "id": upload.id,
        "media_key": format!("3_{}", upload.id),
        "size": upload.bytes.len(),
        "expires_after_secs": 86_400,
    });
    if let Some(ready) = upload.ready_at {
        let state = if ready <= Instant::now() {
            "succeeded"
        } else {
            "in_progress"
        };
        if upload.category != "tweet_image" {
            data["processing_info"] = json!({ "state": state, "check_after_secs": 1 });
        }
    }
    data
}

/// `POST /2/media/upload`, multipart `media` and `media_category`: an image at once.
pub(super) async fn upload(
    State(state): State<(Shared, String)>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let (fields, media) = read_form(form).await;
    let Some(media) = media else {
        return bad("The media field is required.");
    };
    let category = fields
        .get("media_category")
        .map_or("tweet_image", String::as_str);
    if category == "tweet_image" && media.len() > IMAGE_BYTES {
        return bad("File size exceeds 5242880 bytes.");
    }
    let mime = fields
        .get("media_type")
        .map_or("", String::as_str)
        .to_owned();
    let mut server = state.0.lock().expect("state");
    let mut upload = new_upload(&mut server, user, category, &mime);
    upload.bytes = media;
    let later = category != "tweet_image";
    upload.ready_at = Some(Instant::now() + if later { PROCESSING } else { Duration::ZERO });
    let answer = json!({ "data": data_of(&upload) });
    server.uploads.push(upload);
    ok(answer)
}

/// `POST /2/media/upload/initialize`, JSON `media_type`, `total_bytes`, `media_category`.
pub(super) async fn initialize(
    State(state): State<(Shared, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (Some(mime), Some(total)) = (body["media_type"].as_str(), body["total_bytes"].as_u64())
    else {
        return bad("media_type and total_bytes are required.");
    };
    let category = body["media_category"].as_str().unwrap_or("tweet_video");
    let mut server = state.0.lock().expect("state");
    let mut upload = new_upload(&mut server, user, category, mime);
    upload.declared_bytes = usize::try_from(total).ok();
    let answer = json!({ "data": data_of(&upload) });
    server.uploads.push(upload);
    ok(answer)
}

fn own<'s>(server: &'s mut Server, id: &str, user: &str) -> Option<&'s mut Upload> {
    server
        .uploads
        .iter_mut()
        .find(|u| u.id == id && u.user == user)
}

/// `POST /2/media/upload/{id}/append`, multipart `media` and `segment_index`.
pub(super) async fn append(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let (fields, media) = read_form(form).await;
    let (Some(media), Some(index)) = (
        media,
        fields
            .get("segment_index")
            .and_then(|i| i.parse::<usize>().ok()),
    ) else {
        return bad("media and segment_index are required.");
    };
    if media.len() > SEGMENT_BYTES {
        return bad("A segment exceeds 5242880 bytes.");
    }
    let mut server = state.0.lock().expect("state");
    let Some(upload) = own(&mut server, &id, &user).filter(|u| u.ready_at.is_none()) else {
        return bad("The media id is invalid or already finalized.");
    };
    upload.segments.insert(index, media);
    ok(json!({ "data": { "expires_at": chrono::Utc::now().timestamp() + 86_400 } }))
}

/// `POST /2/media/upload/{id}/finalize`: the segments, in order, must add up to
/// `total_bytes`; processing starts.
pub(super) async fn finalize(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let mut server = state.0.lock().expect("state");
    let Some(upload) = own(&mut server, &id, &user).filter(|u| u.ready_at.is_none()) else {
        return bad("The media id is invalid or already finalized.");
    };
    let mut bytes = Vec::new();
    for index in 0..upload.segments.len() {
        match upload.segments.get(&index) {
            Some(segment) => bytes.extend_from_slice(segment),
            None => return bad("A segment is missing."),
        }
    }
    if Some(bytes.len()) != upload.declared_bytes {
        return bad("File size does not match total_bytes.");
    }
    upload.bytes = bytes;
    upload.segments.clear();
    upload.ready_at = Some(Instant::now() + PROCESSING);
    ok(json!({ "data": data_of(upload) }))
}

/// `GET /2/media/upload?command=STATUS&media_id={id}`.
pub(super) async fn status(
    State(state): State<(Shared, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    if query.get("command").map(String::as_str) != Some("STATUS") {
        return bad("command must be STATUS.");
    }
    let id = query.get("media_id").cloned().unwrap_or_default();
    let mut server = state.0.lock().expect("state");
    match own(&mut server, &id, &user) {
        Some(upload) => ok(json!({ "data": data_of(upload) })),
        None => bad("The media id is invalid."),
    }
}

/// `POST /2/media/metadata`, JSON `{id, metadata: {alt_text: {text}}}`.
pub(super) async fn metadata(
    State(state): State<(Shared, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match user_of(&state.0, &headers) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let id = body["id"].as_str().unwrap_or("");
    let Some(text) = body["metadata"]["alt_text"]["text"].as_str() else {
        return bad("metadata.alt_text.text is required.");
    };
    if text.chars().count() > ALT_TEXT_CHARS {
        return bad("Alt text exceeds 1000 characters.");
    }
    let mut server = state.0.lock().expect("state");
    let Some(upload) = own(&mut server, id, &user) else {
        return bad("The media id is invalid.");
    };
    upload.alt_text = Some(text.to_owned());
    ok(json!({ "data": { "id": id, "associated_metadata": true } }))
}

/// The post's `media.media_ids`, checked as "Manage Posts" does: at most four, the caller's,
/// processed, and a video or GIF alone. `Err` is the answer to give.
pub(super) fn attach(
    server: &Server,
    user: &str,
    body: &Value,
) -> Result<Vec<String>, Box<Response>> {
    let ids: Vec<String> = body["media"]["media_ids"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if ids.len() > 4 {
        return Err(Box::new(bad("A post takes at most 4 media.")));
    }
    let mut alone = false;
    for id in &ids {
        let ready = server.uploads.iter().find(|u| {
            &u.id == id && u.user == user && u.ready_at.is_some_and(|at| at <= Instant::now())
        });
        match ready {
            Some(u) => alone |= u.category != "tweet_image",
            None => return Err(Box::new(bad("Your media IDs are invalid."))),
        }
    }
    if alone && ids.len() > 1 {
        return Err(Box::new(bad("A video or GIF goes alone in a post.")));
    }
    Ok(ids)
}
