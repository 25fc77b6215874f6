//! XRPC calls to a PDS, and their failures read as what to do next.

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tagar_model::Network;
use url::Url;

use super::Bluesky;
use crate::NetworkError;

/// A failed XRPC call, before it is read as a [`NetworkError`].
#[derive(Debug)]
pub(super) enum Xrpc {
    Status {
        status: StatusCode,
        error: String,
        message: String,
        reset: Option<DateTime<Utc>>,
    },
    Transport(String),
}

impl Xrpc {
    pub(super) fn is_auth(&self) -> bool {
        matches!(self, Xrpc::Status { status, .. } if *status == StatusCode::UNAUTHORIZED)
            || matches!(self, Xrpc::Status { error, .. }
                if matches!(error.as_str(), "ExpiredToken" | "InvalidToken"))
    }

    pub(super) fn into_network_error(self) -> NetworkError {
        let network = Network::Bluesky;
        match self {
            Xrpc::Transport(reason) => NetworkError::Unavailable { network, reason },
            Xrpc::Status { status, reset, .. } if status == StatusCode::TOO_MANY_REQUESTS => {
                NetworkError::RateLimited {
                    network,
                    retry_at: reset.unwrap_or_else(|| Utc::now() + chrono::Duration::seconds(60)),
                }
            }
            e @ Xrpc::Status { .. } if e.is_auth() => NetworkError::Unauthorized {
                network,
                reason: e.describe(),
            },
            Xrpc::Status { status, .. }
                if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT =>
            {
                NetworkError::Unavailable {
                    network,
                    reason: format!("the PDS answered {status}"),
                }
            }
            e => NetworkError::Refused {
                network,
                reason: e.describe(),
            },
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Xrpc::Status {
                status,
                error,
                message,
                ..
            } => format!("{status} {error}: {message}"),
            Xrpc::Transport(reason) => reason.clone(),
        }
    }
}

/// What a call sends.
enum Payload<'a> {
    Nothing,
    Json(&'a Value),
    Bytes { mime: &'a str, bytes: bytes::Bytes },
}

impl Bluesky {
    pub(super) async fn call(
        &self,
        method: Method,
        service: &Url,
        nsid: &str,
        bearer: Option<&SecretString>,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value, Xrpc> {
        let payload = body.map_or(Payload::Nothing, Payload::Json);
        self.send(method, service, nsid, bearer, query, payload)
            .await
    }

    /// `com.atproto.repo.uploadBlob`: the bytes as the body, their type as `Content-Type`;
    /// the answer's `blob`, to reference from a record.
    pub(super) async fn upload_blob(
        &self,
        service: &Url,
        bearer: &SecretString,
        mime: &str,
        bytes: bytes::Bytes,
    ) -> Result<Value, Xrpc> {
        let nsid = "com.atproto.repo.uploadBlob";
        let answer = self
            .send(
                Method::POST,
                service,
                nsid,
                Some(bearer),
                &[],
                Payload::Bytes { mime, bytes },
            )
            .await?;
        answer
            .get("blob")
            .cloned()
            .ok_or_else(|| Xrpc::Transport(format!("the answer to {nsid} has no blob")))
    }

    async fn send(
        &self,
        method: Method,
        service: &Url,
        nsid: &str,
        bearer: Option<&SecretString>,
        query: &[(&str, &str)],
        payload: Payload<'_>,
    ) -> Result<Value, Xrpc> {
        let mut url = service
            .join(&format!("xrpc/{nsid}"))
            .map_err(|e| Xrpc::Transport(format!("bad PDS address: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut request = self.http.request(method, url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token.expose_secret());
        }
        match payload {
            Payload::Nothing => {}
            Payload::Json(body) => request = request.json(body),
            Payload::Bytes { mime, bytes } => {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, mime)
                    .timeout(crate::media::UPLOAD_TIMEOUT)
                    .body(bytes);
            }
        }
        let response = request.send().await.map_err(|e| {
            // reqwest's message names the URL, never a header: no token in it.
            Xrpc::Transport(e.without_url().to_string())
        })?;
        let status = response.status();
        let reset = response
            .headers()
            .get("ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|secs| DateTime::from_timestamp(secs, 0));
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Xrpc::Transport(e.without_url().to_string()))?;
        if status.is_success() {
            if bytes.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&bytes)
                .map_err(|e| Xrpc::Transport(format!("unreadable answer to {nsid}: {e}")));
        }
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let text = |key: &str| {
            body.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        Err(Xrpc::Status {
            status,
            error: text("error"),
            message: text("message"),
            reset,
        })
    }
}
