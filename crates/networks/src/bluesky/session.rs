//! Signing in to a PDS: sessions from an app password, kept per account and refreshed five
//! minutes before the access token's JWT `exp`; a new session when the refresh is refused.

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use tagar_model::Network;
use url::Url;

use super::{Bluesky, REFRESH_MARGIN_SECONDS, Xrpc};
use crate::{Account, Credentials, NetworkError};

#[derive(Clone)]
pub(super) struct Session {
    pub(super) service: Url,
    pub(super) did: String,
    pub(super) handle: String,
    pub(super) access: SecretString,
    refresh: SecretString,
    access_expires: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionBody {
    did: String,
    handle: String,
    access_jwt: String,
    refresh_jwt: String,
}

impl Bluesky {
    pub(super) async fn create_session(
        &self,
        credentials: &Credentials,
    ) -> Result<Session, NetworkError> {
        let Credentials::Bluesky {
            service,
            identifier,
            app_password,
        } = credentials
        else {
            return Err(NetworkError::Refused {
                network: Network::Bluesky,
                reason: format!("{} credentials are not Bluesky's", credentials.network()),
            });
        };
        let body = json!({ "identifier": identifier, "password": app_password.expose_secret() });
        let answer = self
            .call(
                Method::POST,
                service,
                "com.atproto.server.createSession",
                None,
                &[],
                Some(&body),
            )
            .await
            .map_err(|e| match e {
                // createSession answers 401 for a wrong identifier or password.
                e @ Xrpc::Status { status, .. } if status == StatusCode::UNAUTHORIZED => {
                    NetworkError::Unauthorized {
                        network: Network::Bluesky,
                        reason: e.describe(),
                    }
                }
                e => e.into_network_error(),
            })?;
        session_from(service.clone(), answer)
    }

    async fn refresh_session(&self, session: &Session) -> Result<Session, Xrpc> {
        let answer = self
            .call(
                Method::POST,
                &session.service,
                "com.atproto.server.refreshSession",
                Some(&session.refresh),
                &[],
                None,
            )
            .await?;
        session_from(session.service.clone(), answer).map_err(|e| Xrpc::Transport(e.to_string()))
    }

    /// `call` with a session of `account`, once more with a new session when the PDS refuses
    /// the cached one's token.
    pub(super) async fn signed_in<T, F, Fut>(
        &self,
        account: &Account<'_>,
        call: F,
    ) -> Result<T, NetworkError>
    where
        F: Fn(Session) -> Fut,
        Fut: std::future::Future<Output = Result<T, Xrpc>>,
    {
        for fresh in [false, true] {
            let session = self.session(account, fresh).await?;
            match call(session).await {
                Err(e) if e.is_auth() && !fresh => continue,
                other => return other.map_err(Xrpc::into_network_error),
            }
        }
        unreachable!("the second attempt returns")
    }

    /// A usable session for `account`: the cached one, refreshed when close to expiry, or a
    /// new one. `fresh` drops the cached one first (after the PDS refused it).
    pub(super) async fn session(
        &self,
        account: &Account<'_>,
        fresh: bool,
    ) -> Result<Session, NetworkError> {
        let cached = {
            let mut sessions = self.sessions.lock().expect("sessions lock");
            if fresh {
                sessions.remove(&account.id);
            }
            sessions.get(&account.id).cloned()
        };
        let session = match cached {
            Some(s) if !expires_soon(&s) => s,
            Some(s) => match self.refresh_session(&s).await {
                Ok(refreshed) => refreshed,
                Err(e) if e.is_auth() => self.create_session(account.credentials).await?,
                Err(e) => return Err(e.into_network_error()),
            },
            None => self.create_session(account.credentials).await?,
        };
        self.sessions
            .lock()
            .expect("sessions lock")
            .insert(account.id, session.clone());
        Ok(session)
    }
}

fn session_from(service: Url, answer: Value) -> Result<Session, NetworkError> {
    let body: SessionBody =
        serde_json::from_value(answer).map_err(|e| NetworkError::Unavailable {
            network: Network::Bluesky,
            reason: format!("unreadable session: {e}"),
        })?;
    Ok(Session {
        service,
        access_expires: jwt_expiry(&body.access_jwt),
        did: body.did,
        handle: body.handle,
        access: SecretString::from(body.access_jwt),
        refresh: SecretString::from(body.refresh_jwt),
    })
}

fn expires_soon(session: &Session) -> bool {
    session
        .access_expires
        .is_some_and(|at| at - Utc::now() < chrono::Duration::seconds(REFRESH_MARGIN_SECONDS))
}

/// The `exp` of a JWT, read without checking its signature (the PDS checks it; Tagar only
/// wants to know when to refresh).
fn jwt_expiry(jwt: &str) -> Option<DateTime<Utc>> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64url_decode(payload)?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(claims.get("exp")?.as_i64()?, 0)
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            b'=' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_expiry_is_read_from_its_payload() {
        // {"exp":1796199951} in base64url, between two dummy parts.
        let jwt = "e30.eyJleHAiOjE3OTYxOTk5NTF9.sig";
        assert_eq!(jwt_expiry(jwt), DateTime::from_timestamp(1_796_199_951, 0));
        assert_eq!(jwt_expiry("nonsense"), None);
    }
}
