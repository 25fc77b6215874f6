//! Publishing's parts beyond the status itself: uploading media, and finding a status an
//! earlier attempt made once the server has forgotten its idempotency key.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::Value;
use tagar_model::Network;

use super::{Mastodon, PAGE, answer, id_of, path_segment};
use crate::{Account, Attachment, Connector, Credentials, Delivered, NetworkError};

impl Mastodon {
    /// Uploads one item ("Upload media as an attachment": `POST /api/v2/media`, multipart
    /// `file` and `description`) and waits until the server has processed it: a `202` answer
    /// has no `url` yet, and `GET /api/v1/media/:id` answers `206` until it has ("Get media
    /// attachment"); a status naming unprocessed media is refused. The attachment's id.
    pub(super) async fn upload(
        &self,
        credentials: &Credentials,
        item: &Attachment,
    ) -> Result<String, NetworkError> {
        let file = reqwest::multipart::Part::stream(item.bytes.clone())
            .file_name(item.file_name())
            .mime_str(item.mime)
            .map_err(|e| NetworkError::Refused {
                network: Network::Mastodon,
                reason: format!("media type {}: {e}", item.mime),
            })?;
        let mut form = reqwest::multipart::Form::new().part("file", file);
        if let Some(alt) = &item.alt_text {
            form = form.text("description", alt.clone());
        }
        let request = self
            .request(credentials, Method::POST, "/api/v2/media")?
            .timeout(crate::media::UPLOAD_TIMEOUT)
            .multipart(form);
        let mut media = answer(request)
            .await?
            .ok_or_else(|| NetworkError::Refused {
                network: Network::Mastodon,
                reason: "POST /api/v2/media is not served".into(),
            })?;
        let id = id_of(&media, "POST /api/v2/media")?;
        let path = format!("/api/v1/media/{}", path_segment(&id)?);
        let mut wait = Duration::from_millis(250);
        let started = std::time::Instant::now();
        while media.get("url").is_none_or(Value::is_null) {
            if started.elapsed() > crate::media::UPLOAD_TIMEOUT {
                return Err(NetworkError::Unavailable {
                    network: Network::Mastodon,
                    reason: format!("media {id} still processing after {:?}", started.elapsed()),
                });
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
            media = self
                .call(credentials, Method::GET, &path, None, None)
                .await?
                .ok_or_else(|| NetworkError::Refused {
                    network: Network::Mastodon,
                    reason: format!("media {id} is gone"),
                })?;
        }
        Ok(id)
    }

    /// The account's status with exactly `text` posted since `since` (a minute's leeway for
    /// clocks), if there is one: "Get account's statuses" (`GET
    /// /api/v1/accounts/:id/statuses`, newest first) for the candidates, and "View status
    /// source" (`GET /api/v1/statuses/:id/source`) for each one's plain text.
    pub(super) async fn find_posted(
        &self,
        account: &Account<'_>,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Delivered>, NetworkError> {
        let me = self.verify(account.credentials).await?;
        let path = format!(
            "/api/v1/accounts/{}/statuses?limit={PAGE}",
            path_segment(&me.native_id)?
        );
        let statuses = self
            .call(account.credentials, Method::GET, &path, None, None)
            .await?
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default();
        let from = since - chrono::Duration::minutes(1);
        for status in &statuses {
            let created = status
                .get("created_at")
                .and_then(Value::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc));
            if created.is_some_and(|at| at < from) {
                break;
            }
            let id = id_of(status, "GET /api/v1/accounts/:id/statuses")?;
            let source_path = format!("/api/v1/statuses/{}/source", path_segment(&id)?);
            let source = self
                .call(account.credentials, Method::GET, &source_path, None, None)
                .await?;
            if source
                .as_ref()
                .and_then(|s| s.get("text"))
                .and_then(Value::as_str)
                == Some(text)
            {
                return Ok(Some(Delivered {
                    native_id: id,
                    version: status.get("uri").and_then(Value::as_str).map(str::to_owned),
                    already: true,
                }));
            }
        }
        Ok(None)
    }
}
