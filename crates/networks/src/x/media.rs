//! Media uploads: images in one request, GIFs and videos in segments, alt text by the
//! metadata call.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tagar_model::MediaKind;

use super::answers::{Failure, as_failure, path_segment, refused, unavailable};
use super::{Body, X};
use crate::{Account, Attachment};

/// The largest piece of a chunked upload ("Chunked media upload": up to 5 MB a segment).
const SEGMENT_BYTES: usize = 4 * 1024 * 1024;

impl X {
    /// Uploads one item; its media id. Images in one request ("Media upload": `POST
    /// /2/media/upload`, multipart `media` and `media_category=tweet_image`); GIFs and videos
    /// in segments ("Chunked media upload": `POST /2/media/upload/initialize`, `…/{id}/append`
    /// per segment with its `segment_index`, `…/{id}/finalize`), then, while the answer's
    /// `processing_info.state` is `pending` or `in_progress`, `GET /2/media/upload?command=
    /// STATUS&media_id={id}` after `check_after_secs`. Alt text: `POST /2/media/metadata`.
    pub(super) async fn upload(
        &self,
        account: &Account<'_>,
        item: &Attachment,
    ) -> Result<String, Failure> {
        let who = Some(account.id);
        let given = account.credentials;
        let category = match item.kind {
            MediaKind::Image => "tweet_image",
            MediaKind::Gif => "tweet_gif",
            MediaKind::Video => "tweet_video",
            MediaKind::Audio => return Err(as_failure(refused("X takes no audio"))),
        };
        let id_in = |answer: &Value, what: &str| {
            answer["data"]["id"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| as_failure(unavailable(format!("{what} answered without an id"))))
        };
        let id = if item.kind == MediaKind::Image {
            let form = Body::Form {
                media: item.bytes.clone(),
                fields: vec![
                    ("media_category", category.to_owned()),
                    ("media_type", item.mime.to_owned()),
                ],
            };
            let answer = self
                .send(who, given, Method::POST, "/2/media/upload", &[], &form)
                .await?;
            id_in(&answer, "POST /2/media/upload")?
        } else {
            let init = json!({
                "media_type": item.mime,
                "total_bytes": item.bytes.len(),
                "media_category": category,
            });
            let answer = self
                .call(
                    who,
                    given,
                    Method::POST,
                    "/2/media/upload/initialize",
                    &[],
                    Some(&init),
                )
                .await?;
            let id = id_in(&answer, "POST /2/media/upload/initialize")?;
            let segment = path_segment(&id).map_err(as_failure)?;
            let append = format!("/2/media/upload/{segment}/append");
            for (index, start) in (0..item.bytes.len()).step_by(SEGMENT_BYTES).enumerate() {
                let end = (start + SEGMENT_BYTES).min(item.bytes.len());
                let form = Body::Form {
                    media: item.bytes.slice(start..end),
                    fields: vec![("segment_index", index.to_string())],
                };
                self.send(who, given, Method::POST, &append, &[], &form)
                    .await?;
            }
            let finalize = format!("/2/media/upload/{segment}/finalize");
            let mut answer = self
                .call(who, given, Method::POST, &finalize, &[], None)
                .await?;
            let started = std::time::Instant::now();
            loop {
                let info = &answer["data"]["processing_info"];
                match info["state"].as_str() {
                    None | Some("succeeded") => break,
                    Some("failed") => {
                        let why = info["error"]["message"]
                            .as_str()
                            .unwrap_or("no reason given");
                        return Err(as_failure(refused(format!(
                            "X could not process the media: {why}"
                        ))));
                    }
                    Some(_) if started.elapsed() > crate::media::UPLOAD_TIMEOUT => {
                        return Err(as_failure(unavailable(format!(
                            "media {id} still processing after {:?}",
                            started.elapsed()
                        ))));
                    }
                    Some(_) => {
                        let secs = info["check_after_secs"].as_u64().unwrap_or(1).clamp(1, 30);
                        tokio::time::sleep(Duration::from_secs(secs)).await;
                    }
                }
                let query = [("command", "STATUS".to_owned()), ("media_id", id.clone())];
                answer = self
                    .call(who, given, Method::GET, "/2/media/upload", &query, None)
                    .await?;
            }
            id
        };
        if let Some(alt) = &item.alt_text {
            let metadata = json!({ "id": id, "metadata": { "alt_text": { "text": alt } } });
            self.call(
                who,
                given,
                Method::POST,
                "/2/media/metadata",
                &[],
                Some(&metadata),
            )
            .await?;
        }
        Ok(id)
    }
}
