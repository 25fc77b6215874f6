//! Tokens: refreshing before expiry and on a 401, and keeping the newest pair per account
//! (refresh tokens rotate).

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tagar_model::Network;
use uuid::Uuid;

use super::X;
use super::answers::{refused, unavailable};
use crate::{Credentials, NetworkError};

/// Credentials this connector refreshed for an account.
pub(super) struct Cached {
    /// The refresh token of the credentials the caller gave when they were refreshed: while the
    /// caller still gives those, these are newer; once it gives others, someone else (another
    /// connector, another replica) refreshed and stored them, and those are the newest.
    given: String,
    /// The refreshed credentials.
    newest: Credentials,
    /// Whether the caller has yet to store them.
    unsaved: bool,
}

fn refresh_token_of(credentials: &Credentials) -> &str {
    match credentials {
        Credentials::X { refresh_token, .. } => refresh_token.expose_secret(),
        _ => "",
    }
}

impl X {
    /// The newest credentials known for `account`: the ones refreshed here, unless the
    /// caller now gives newer ones (refreshed and stored elsewhere), else `given`.
    pub(super) fn current(&self, account: Uuid, given: &Credentials) -> Credentials {
        let given_token = refresh_token_of(given);
        let tokens = self.tokens.lock().expect("tokens");
        match tokens.get(&account) {
            Some(cached)
                if cached.given == given_token
                    || refresh_token_of(&cached.newest) == given_token =>
            {
                cached.newest.clone()
            }
            _ => given.clone(),
        }
    }

    pub(super) async fn refresh(
        &self,
        account: Uuid,
        given: &Credentials,
        credentials: &Credentials,
    ) -> Result<Credentials, NetworkError> {
        let Credentials::X {
            api,
            client_id,
            refresh_token,
            ..
        } = credentials
        else {
            return Err(refused(format!(
                "{} credentials are not X's",
                credentials.network()
            )));
        };
        let url = api
            .join("/2/oauth2/token")
            .map_err(|e| refused(format!("bad API address: {e}")))?;
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", client_id.as_str()),
        ];
        let response = self
            .http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_server_error() {
            return Err(unavailable(format!("the token endpoint answered {status}")));
        }
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let (Some(access), Some(refresh)) = (text("access_token"), text("refresh_token")) else {
            // 400 invalid_request / invalid_grant: the refresh token was revoked or used.
            return Err(NetworkError::Unauthorized {
                network: Network::X,
                reason: format!(
                    "the token refresh was refused: {}",
                    text("error_description")
                        .or_else(|| text("error"))
                        .unwrap_or_default()
                ),
            });
        };
        let expires_in = body
            .get("expires_in")
            .and_then(Value::as_i64)
            .unwrap_or(7200);
        let refreshed = Credentials::X {
            api: api.clone(),
            client_id: client_id.clone(),
            access_token: SecretString::from(access),
            refresh_token: SecretString::from(refresh),
            expires_at: Some(Utc::now() + chrono::Duration::seconds(expires_in)),
        };
        self.tokens.lock().expect("tokens").insert(
            account,
            Cached {
                given: refresh_token_of(given).to_owned(),
                newest: refreshed.clone(),
                unsaved: true,
            },
        );
        Ok(refreshed)
    }

    /// Credentials refreshed here that the caller has not taken yet, once.
    pub(super) fn unsaved(&self, account: Uuid) -> Option<Credentials> {
        let mut tokens = self.tokens.lock().expect("tokens");
        let cached = tokens.get_mut(&account)?;
        std::mem::take(&mut cached.unsaved).then(|| cached.newest.clone())
    }
}
