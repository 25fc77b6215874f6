//! Turning the credential in a request's headers into a [`Principal`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tonic::Status;
use tracing::instrument;

use super::api_key::{ApiKey, ApiKeyError, KEY_PREFIX};
use super::directory::{DirectoryError, KeyDirectory};
use super::principal::Principal;
use super::token::{TokenError, TokenIssuer};
use crate::config::AuthConfig;

/// Metadata header carrying an API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Why a request was not authenticated. No variant carries a secret, so all are safe to log.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Neither `authorization` nor `x-api-key` was sent.
    #[error("missing credentials")]
    Missing,
    /// Both headers were sent; refusing beats guessing which one was meant.
    #[error("more than one credential sent")]
    Ambiguous,
    /// The header is not `Bearer <token>` or is not valid ASCII.
    #[error("malformed authorization header")]
    MalformedHeader,
    /// The API key is not shaped like one.
    #[error(transparent)]
    MalformedKey(#[from] ApiKeyError),
    /// No key has this id, or the secret does not match (told apart only in logs).
    #[error("invalid API key")]
    InvalidKey {
        /// Whether the key id exists at all.
        known_id: bool,
    },
    /// The key was right but has been revoked.
    #[error("API key revoked")]
    Revoked,
    /// A token was sent but this service has no token secret configured.
    #[error("token authentication is not enabled")]
    TokensDisabled,
    /// The token was refused.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The key directory could not be asked; the credential may well be fine.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

impl From<AuthError> for Status {
    fn from(error: AuthError) -> Self {
        match error {
            // The caller cannot fix a storage outage; tell them to retry instead.
            AuthError::Directory(_) => {
                Status::unavailable("credentials cannot be checked right now")
            }
            AuthError::Missing => Status::unauthenticated(
                "missing credentials: send `authorization: Bearer <token>` or `x-api-key: <key>`",
            ),
            other => Status::unauthenticated(other.to_string()),
        }
    }
}

/// How long a key id the directory did not know is answered from memory.
pub const UNKNOWN_KEY_TTL: Duration = Duration::from_secs(30);
/// The most unknown key ids remembered.
pub const UNKNOWN_KEYS_KEPT: usize = 10_000;

/// Key ids the directory said it does not know, remembered for [`UNKNOWN_KEY_TTL`]: a flood of
/// made-up keys is answered without asking the database each time. Key ids are random, so
/// none is asked for before it exists; a revocation is never cached.
#[derive(Debug, Default)]
struct UnknownKeys {
    seen: Mutex<HashMap<String, Instant>>,
}

impl UnknownKeys {
    fn contains(&self, key_id: &str) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.get(key_id)
            .is_some_and(|at| at.elapsed() < UNKNOWN_KEY_TTL)
    }

    fn insert(&self, key_id: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= UNKNOWN_KEYS_KEPT {
            seen.retain(|_, at| at.elapsed() < UNKNOWN_KEY_TTL);
            if seen.len() >= UNKNOWN_KEYS_KEPT {
                seen.clear();
            }
        }
        seen.insert(key_id.to_owned(), Instant::now());
    }
}

/// Checks API keys against a [`KeyDirectory`] and tokens against a [`TokenIssuer`].
#[derive(Clone)]
pub struct Authenticator {
    keys: Arc<dyn KeyDirectory>,
    tokens: Option<TokenIssuer>,
    unknown: Arc<UnknownKeys>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("tokens", &self.tokens.is_some())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Accepts API keys from `keys` and, when `tokens` is given, bearer tokens.
    pub fn new(keys: Arc<dyn KeyDirectory>, tokens: Option<TokenIssuer>) -> Self {
        Self {
            keys,
            tokens,
            unknown: Arc::default(),
        }
    }

    /// Like [`Authenticator::new`], with tokens enabled iff `auth.token_secret` is set.
    pub fn from_config(
        keys: Arc<dyn KeyDirectory>,
        config: &AuthConfig,
    ) -> Result<Self, TokenError> {
        let tokens = config
            .token_secret
            .as_ref()
            .map(TokenIssuer::new)
            .transpose()?;
        Ok(Self::new(keys, tokens))
    }

    /// The token issuer, for services that mint tokens.
    pub fn tokens(&self) -> Option<&TokenIssuer> {
        self.tokens.as_ref()
    }

    /// Authenticates the one credential in `headers`.
    #[instrument(skip_all, fields(key_id), err(level = "info"))]
    pub async fn authenticate(&self, headers: &http::HeaderMap) -> Result<Principal, AuthError> {
        let bearer = headers.get(http::header::AUTHORIZATION);
        let api_key = headers.get(API_KEY_HEADER);
        match (bearer, api_key) {
            (None, None) => Err(AuthError::Missing),
            (Some(_), Some(_)) => Err(AuthError::Ambiguous),
            (None, Some(key)) => {
                let key = key.to_str().map_err(|_| AuthError::MalformedHeader)?;
                self.authenticate_key(key.trim()).await
            }
            (Some(value), None) => {
                let value = value.to_str().map_err(|_| AuthError::MalformedHeader)?;
                let credential = bearer_credential(value).ok_or(AuthError::MalformedHeader)?;
                // An API key is also accepted as a bearer credential: many clients can only
                // set `authorization`.
                if credential.starts_with(KEY_PREFIX) {
                    self.authenticate_key(credential).await
                } else {
                    self.authenticate_token(credential)
                }
            }
        }
    }

    /// Authenticates a presented API key `tgr_<key_id>_<secret>`.
    pub async fn authenticate_key(&self, presented: &str) -> Result<Principal, AuthError> {
        let key = ApiKey::parse(presented)?;
        tracing::Span::current().record("key_id", key.key_id());
        if self.unknown.contains(key.key_id()) {
            return Err(AuthError::InvalidKey { known_id: false });
        }
        let stored = self.keys.find_key(key.key_id()).await?;
        let Some(stored) = stored else {
            self.unknown.insert(key.key_id());
            return Err(AuthError::InvalidKey { known_id: false });
        };
        // The secret is checked before revocation so only the key's holder learns it was revoked.
        if !key.matches(&stored) {
            return Err(AuthError::InvalidKey { known_id: true });
        }
        if stored.revoked {
            return Err(AuthError::Revoked);
        }
        Ok(stored.principal())
    }

    /// Authenticates a bearer token against the current time.
    pub fn authenticate_token(&self, token: &str) -> Result<Principal, AuthError> {
        let issuer = self.tokens.as_ref().ok_or(AuthError::TokensDisabled)?;
        Ok(issuer.verify(token, Utc::now())?)
    }
}

fn bearer_credential(value: &str) -> Option<&str> {
    let (scheme, credential) = value.trim().split_once(' ')?;
    let credential = credential.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credential.is_empty()).then_some(credential)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;

    use super::*;
    use crate::auth::StoredKey;

    /// A directory that knows no key and counts how often it is asked.
    #[derive(Default)]
    struct Empty(AtomicUsize);

    #[async_trait]
    impl KeyDirectory for Empty {
        async fn find_key(&self, _key_id: &str) -> Result<Option<StoredKey>, DirectoryError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(None)
        }
    }

    #[tokio::test]
    async fn an_unknown_key_id_is_asked_for_once() {
        let directory = Arc::new(Empty::default());
        let auth = Authenticator::new(Arc::clone(&directory) as Arc<dyn KeyDirectory>, None);
        let made_up = format!("{KEY_PREFIX}{}_{}", "0".repeat(16), "a".repeat(64));
        for _ in 0..100 {
            assert!(matches!(
                auth.authenticate_key(&made_up).await,
                Err(AuthError::InvalidKey { known_id: false })
            ));
        }
        assert_eq!(directory.0.load(Ordering::SeqCst), 1);
    }
}
