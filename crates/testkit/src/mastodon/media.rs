//! Media attachments: "Upload media as an attachment" (`POST /api/v2/media`), "Get media
//! attachment" (`GET /api/v1/media/:id`), and their use by a new status (`media_ids`).

use std::time::{Duration, Instant};

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Server, Shared, authorize, error};

/// Video and audio are processed after the upload answers: this long, here.
const PROCESSING: Duration = Duration::from_millis(1_500);
/// "Media attachment" limit of a status (`max_media_attachments`, "Instance" entity).
const MAX_ATTACHMENTS: usize = 4;
/// "description": up to 1,500 characters (`description_limit`).
const DESCRIPTION_LIMIT: usize = 1_500;

/// One uploaded file.
#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    pub(crate) id: String,
    pub(crate) account: String,
    /// `image`, `gifv`, `video` or `audio`.
    pub(crate) kind: &'static str,
    pub(crate) mime: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) description: Option<String>,
    ready_at: Instant,
    /// The status it is attached to, once it is.
    pub(crate) status: Option<String>,
}

fn json_of(attachment: &Attachment, url: &str) -> Value {
    let ready = attachment.ready_at <= Instant::now();
    json!({
        "id": attachment.id,
        "type": attachment.kind,
        "url": ready.then(|| format!("{url}/system/media/{}", attachment.id)),
        "description": attachment.description,
    })
}

/// `POST /api/v2/media`: multipart `file` and optional `description`. Images are processed
/// at once (200, with a `url`); video and audio later (202, `url` null until then).
pub(super) async fn upload(
    State(state): State<(Shared, String)>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let (account, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let (mut file, mut description) = (None, None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("file") => {
                let mime = field.content_type().unwrap_or("").to_owned();
                match field.bytes().await {
                    Ok(bytes) => file = Some((mime, bytes.to_vec())),
                    Err(_) => return error(StatusCode::UNPROCESSABLE_ENTITY, "Unreadable file"),
                }
            }
            Some("description") => description = field.text().await.ok(),
            _ => {}
        }
    }
    let Some((mime, bytes)) = file else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: File can't be blank",
        );
    };
    let kind = match mime.split('/').next() {
        Some("image") if mime == "image/gif" => "gifv",
        Some("image") => "image",
        Some("video") => "video",
        Some("audio") => "audio",
        _ => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Validation failed: File content type is invalid",
            );
        }
    };
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > DESCRIPTION_LIMIT)
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Description is too long (maximum is 1500 characters)",
        );
    }
    let mut server = state.0.lock().expect("state");
    server.next_id += 1;
    let later = matches!(kind, "video" | "audio");
    let attachment = Attachment {
        id: format!("{}", 109_000_000_000_000_000u64 + server.next_id),
        account,
        kind,
        mime,
        bytes,
        description,
        ready_at: Instant::now() + if later { PROCESSING } else { Duration::ZERO },
        status: None,
    };
    let answer = json_of(&attachment, &state.1);
    server.media.push(attachment);
    let status = if later {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    (status, limits, answer.to_string()).into_response()
}

/// `GET /api/v1/media/:id`: 206 while it is processed, 200 once it is; the caller's own only.
pub(super) async fn get(
    State(state): State<(Shared, String)>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (account, limits) = match authorize(&state.0, &headers) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let server = state.0.lock().expect("state");
    match server
        .media
        .iter()
        .find(|m| m.id == id && m.account == account)
    {
        Some(m) => {
            let status = if m.ready_at <= Instant::now() {
                StatusCode::OK
            } else {
                StatusCode::PARTIAL_CONTENT
            };
            (status, limits, json_of(m, &state.1).to_string()).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "Record not found"),
    }
}

/// The status's `media_ids` checked as the server's status validation does: at most four,
/// the caller's own, processed, not attached elsewhere, and a video or audio alone.
pub(super) fn attach(
    server: &Server,
    account: &str,
    body: &Value,
) -> Result<Vec<String>, Box<Response>> {
    let ids: Vec<String> = body
        .get("media_ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let refuse = |message: &str| Err(Box::new(error(StatusCode::UNPROCESSABLE_ENTITY, message)));
    if ids.len() > MAX_ATTACHMENTS {
        return refuse("Validation failed: Media attachments too many");
    }
    let mut kinds = Vec::with_capacity(ids.len());
    for id in &ids {
        let Some(m) = server
            .media
            .iter()
            .find(|m| &m.id == id && m.account == account && m.status.is_none())
        else {
            return refuse("Validation failed: Media attachment ids is invalid");
        };
        if m.ready_at > Instant::now() {
            return refuse(
                "Cannot attach files that have not finished processing. Try again in a moment!",
            );
        }
        kinds.push(m.kind);
    }
    if kinds.len() > 1 && kinds.iter().any(|k| matches!(*k, "video" | "audio")) {
        return refuse(
            "Validation failed: You can't attach a video to a post that already contains images",
        );
    }
    Ok(ids)
}
