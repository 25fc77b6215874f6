//! An account's credentials for its network, kept as secrets.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tagar_model::Network;
use url::Url;

/// The longest password or token accepted.
const MAX_SECRET_CHARS: usize = 4096;
/// The longest identifier (a handle, an email or a DID) accepted.
const MAX_IDENTIFIER_CHARS: usize = 512;

/// Credentials that are not usable, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct CredentialsError {
    /// The field, as the API names it.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> CredentialsError {
    CredentialsError {
        field,
        reason: reason.into(),
    }
}

/// How Tagar signs in to one account. `Debug` shows no secret.
#[derive(Clone)]
pub enum Credentials {
    /// A Bluesky account: its PDS, its handle (or DID or email), and an app password
    /// (Settings → App passwords; never the account's main password).
    Bluesky {
        /// The PDS the account lives on (`https://bsky.social` for most accounts).
        service: Url,
        /// Handle, DID or email.
        identifier: String,
        /// The app password.
        app_password: SecretString,
    },
    /// A Mastodon account: its server and an OAuth access token with the `read` and `write`
    /// scopes (Preferences → Development → New application, or the OAuth flow).
    Mastodon {
        /// The account's server (`https://mastodon.social`).
        instance: Url,
        /// The access token.
        access_token: SecretString,
    },
    /// An X account: an OAuth 2.0 user token pair for the app `client_id` (scopes
    /// `tweet.read tweet.write users.read offline.access`).
    X {
        /// The API's address (`https://api.x.com`).
        api: Url,
        /// The app's OAuth 2.0 client id.
        client_id: String,
        /// The access token.
        access_token: SecretString,
        /// The refresh token (rotated at every refresh).
        refresh_token: SecretString,
        /// When the access token expires, if known.
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Bluesky {
                service,
                identifier,
                ..
            } => f
                .debug_struct("Bluesky")
                .field("service", &service.as_str())
                .field("identifier", identifier)
                .field("app_password", &"[hidden]")
                .finish(),
            Credentials::Mastodon { instance, .. } => f
                .debug_struct("Mastodon")
                .field("instance", &instance.as_str())
                .field("access_token", &"[hidden]")
                .finish(),
            Credentials::X {
                api,
                client_id,
                expires_at,
                ..
            } => f
                .debug_struct("X")
                .field("api", &api.as_str())
                .field("client_id", client_id)
                .field("access_token", &"[hidden]")
                .field("refresh_token", &"[hidden]")
                .field("expires_at", expires_at)
                .finish(),
        }
    }
}

/// The stored form, only ever written into the vault.
#[derive(Serialize, Deserialize)]
#[serde(tag = "network", rename_all = "lowercase")]
enum Stored {
    Bluesky {
        service: String,
        identifier: String,
        app_password: String,
    },
    Mastodon {
        instance: String,
        access_token: String,
    },
    X {
        api: String,
        client_id: String,
        access_token: String,
        refresh_token: String,
        expires_at: Option<i64>,
    },
}

impl Credentials {
    /// Bluesky credentials, checked for shape: `service` an `http(s)` URL, `identifier` and
    /// `app_password` present and not too long.
    pub fn bluesky(
        service: &str,
        identifier: &str,
        app_password: SecretString,
    ) -> Result<Self, CredentialsError> {
        let service = Url::parse(service.trim())
            .map_err(|e| invalid("service", format!("is not a URL ({e})")))?;
        if !matches!(service.scheme(), "http" | "https") || service.host().is_none() {
            return Err(invalid("service", "must be an http(s) URL of a PDS"));
        }
        let identifier = identifier.trim().trim_start_matches('@');
        if identifier.is_empty() {
            return Err(invalid("identifier", "is required"));
        }
        if identifier.chars().count() > MAX_IDENTIFIER_CHARS {
            return Err(invalid(
                "identifier",
                format!("is longer than {MAX_IDENTIFIER_CHARS} characters"),
            ));
        }
        let password = app_password.expose_secret();
        if password.is_empty() {
            return Err(invalid("app_password", "is required"));
        }
        if password.chars().count() > MAX_SECRET_CHARS {
            return Err(invalid(
                "app_password",
                format!("is longer than {MAX_SECRET_CHARS} characters"),
            ));
        }
        Ok(Credentials::Bluesky {
            service,
            identifier: identifier.to_owned(),
            app_password,
        })
    }

    /// Mastodon credentials, checked for shape: `instance` an `http(s)` URL, `access_token`
    /// present and not too long.
    pub fn mastodon(instance: &str, access_token: SecretString) -> Result<Self, CredentialsError> {
        let instance = Url::parse(instance.trim())
            .map_err(|e| invalid("instance", format!("is not a URL ({e})")))?;
        if !matches!(instance.scheme(), "http" | "https") || instance.host().is_none() {
            return Err(invalid(
                "instance",
                "must be an http(s) URL of a Mastodon server",
            ));
        }
        let token = access_token.expose_secret();
        if token.trim().is_empty() {
            return Err(invalid("access_token", "is required"));
        }
        if token.chars().count() > MAX_SECRET_CHARS || !token.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(invalid(
                "access_token",
                format!("must be at most {MAX_SECRET_CHARS} visible ASCII characters"),
            ));
        }
        Ok(Credentials::Mastodon {
            instance,
            access_token,
        })
    }

    /// X credentials, checked for shape: `api` an `http(s)` URL (`https://api.x.com`), a
    /// client id, and the two tokens present.
    pub fn x(
        api: &str,
        client_id: &str,
        access_token: SecretString,
        refresh_token: SecretString,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Self, CredentialsError> {
        let api =
            Url::parse(api.trim()).map_err(|e| invalid("api", format!("is not a URL ({e})")))?;
        if !matches!(api.scheme(), "http" | "https") || api.host().is_none() {
            return Err(invalid("api", "must be an http(s) URL"));
        }
        let client_id = client_id.trim();
        if client_id.is_empty() || client_id.len() > MAX_IDENTIFIER_CHARS {
            return Err(invalid(
                "client_id",
                "is required (the app's OAuth 2.0 client id)",
            ));
        }
        for (field, token) in [
            ("access_token", &access_token),
            ("refresh_token", &refresh_token),
        ] {
            let token = token.expose_secret();
            if token.trim().is_empty() {
                return Err(invalid(field, "is required"));
            }
            if token.chars().count() > MAX_SECRET_CHARS
                || !token.chars().all(|c| c.is_ascii_graphic())
            {
                return Err(invalid(
                    field,
                    format!("must be at most {MAX_SECRET_CHARS} visible ASCII characters"),
                ));
            }
        }
        Ok(Credentials::X {
            api,
            client_id: client_id.to_owned(),
            access_token,
            refresh_token,
            expires_at,
        })
    }

    /// The network they are for.
    pub fn network(&self) -> Network {
        match self {
            Credentials::Bluesky { .. } => Network::Bluesky,
            Credentials::Mastodon { .. } => Network::Mastodon,
            Credentials::X { .. } => Network::X,
        }
    }

    /// The bytes to seal in the vault; the only way the secret leaves this type.
    pub fn to_sealable(&self) -> Vec<u8> {
        let stored = match self {
            Credentials::Bluesky {
                service,
                identifier,
                app_password,
            } => Stored::Bluesky {
                service: service.as_str().to_owned(),
                identifier: identifier.clone(),
                app_password: app_password.expose_secret().to_owned(),
            },
            Credentials::Mastodon {
                instance,
                access_token,
            } => Stored::Mastodon {
                instance: instance.as_str().to_owned(),
                access_token: access_token.expose_secret().to_owned(),
            },
            Credentials::X {
                api,
                client_id,
                access_token,
                refresh_token,
                expires_at,
            } => Stored::X {
                api: api.as_str().to_owned(),
                client_id: client_id.clone(),
                access_token: access_token.expose_secret().to_owned(),
                refresh_token: refresh_token.expose_secret().to_owned(),
                expires_at: expires_at.map(|t| t.timestamp()),
            },
        };
        serde_json::to_vec(&stored).expect("credentials serialize")
    }

    /// Inverse of [`Credentials::to_sealable`].
    pub fn from_sealed(bytes: &[u8]) -> Result<Self, CredentialsError> {
        let stored: Stored = serde_json::from_slice(bytes)
            .map_err(|e| invalid("credentials", format!("cannot be read ({e})")))?;
        match stored {
            Stored::Bluesky {
                service,
                identifier,
                app_password,
            } => Credentials::bluesky(&service, &identifier, SecretString::from(app_password)),
            Stored::Mastodon {
                instance,
                access_token,
            } => Credentials::mastodon(&instance, SecretString::from(access_token)),
            Stored::X {
                api,
                client_id,
                access_token,
                refresh_token,
                expires_at,
            } => Credentials::x(
                &api,
                &client_id,
                SecretString::from(access_token),
                SecretString::from(refresh_token),
                expires_at.and_then(|s| chrono::DateTime::from_timestamp(s, 0)),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_round_trip_through_their_sealable_form_and_never_debug_the_secret() {
        let creds = Credentials::bluesky(
            "https://bsky.social",
            "@kopi.bsky.social",
            SecretString::from("abcd-efgh-ijkl-mnop"),
        )
        .unwrap();
        let debug = format!("{creds:?}");
        assert!(!debug.contains("abcd-efgh"), "{debug}");
        assert!(debug.contains("kopi.bsky.social"), "{debug}");
        let back = Credentials::from_sealed(&creds.to_sealable()).unwrap();
        let Credentials::Bluesky { app_password, .. } = back else {
            panic!("{back:?}")
        };
        assert_eq!(app_password.expose_secret(), "abcd-efgh-ijkl-mnop");
        let token = Credentials::mastodon("https://mastodon.social", SecretString::from("tok-123"))
            .unwrap();
        assert!(!format!("{token:?}").contains("tok-123"));
        let back = Credentials::from_sealed(&token.to_sealable()).unwrap();
        assert_eq!(back.network(), Network::Mastodon);
        let err =
            Credentials::mastodon("https://m.example", SecretString::from("a b")).unwrap_err();
        assert_eq!(err.field, "access_token");
    }

    #[test]
    fn bad_credentials_name_their_field() {
        let pw = || SecretString::from("x");
        let err = Credentials::bluesky("ftp://pds", "kopi", pw()).unwrap_err();
        assert_eq!(err.field, "service");
        let err = Credentials::bluesky("not a url", "kopi", pw()).unwrap_err();
        assert_eq!(err.field, "service");
        let err = Credentials::bluesky("https://bsky.social", " @ ", pw()).unwrap_err();
        assert_eq!(err.field, "identifier");
        let err = Credentials::bluesky("https://bsky.social", "kopi", SecretString::from(""))
            .unwrap_err();
        assert_eq!(err.to_string(), "app_password: is required");
    }
}
