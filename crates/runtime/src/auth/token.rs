//! Self-contained bearer tokens: `tgr1.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`.
//!
//! A token names its tenant, role and brands, so verifying one needs no lookup; the price
//! is that a token cannot be revoked before it expires, which is why lifetimes are short.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::principal::{BrandScope, Principal};
use super::role::Role;

/// Version tag that starts every token; a new format gets a new tag.
pub const TOKEN_PREFIX: &str = "tgr1";
/// Shorter HMAC keys are refused: the key must be as strong as the hash.
const MIN_SECRET_BYTES: usize = 32;

/// What a token asserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The tenant the token acts for.
    pub tenant: Uuid,
    /// The role it grants.
    pub role: Role,
    /// The brands it may touch; `null` means all of the tenant's brands.
    pub brands: Option<BTreeSet<Uuid>>,
    /// Who it was issued to.
    pub sub: String,
    /// Expiry, in Unix seconds; the token is refused from this second on.
    pub exp: i64,
}

/// Why a token was not issued or not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The signing secret is shorter than 32 bytes.
    #[error("token secret must be at least {MIN_SECRET_BYTES} bytes, got {0}")]
    WeakSecret(usize),
    /// Not a `tgr1.<claims>.<signature>` token, or its claims do not decode.
    #[error("invalid token")]
    Malformed,
    /// The signature does not match: forged, altered, or signed with another secret.
    #[error("invalid token")]
    BadSignature,
    /// The token is past its expiry.
    #[error("token expired")]
    Expired,
}

/// Signs and verifies tokens with one HMAC-SHA256 key.
#[derive(Clone)]
pub struct TokenIssuer {
    mac: Hmac<Sha256>,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenIssuer { key: [REDACTED] }")
    }
}

impl TokenIssuer {
    /// An issuer keyed by `secret`, which must be at least 32 bytes.
    pub fn new(secret: &SecretString) -> Result<Self, TokenError> {
        let bytes = secret.expose_secret().as_bytes();
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TokenError::WeakSecret(bytes.len()));
        }
        let mac = Hmac::<Sha256>::new_from_slice(bytes).map_err(|_| TokenError::WeakSecret(0))?;
        Ok(Self { mac })
    }

    /// A token for `principal` valid for `ttl` from now.
    pub fn issue(&self, principal: &Principal, ttl: Duration) -> SecretString {
        self.issue_at(principal, ttl, Utc::now())
    }

    /// A token for `principal` valid for `ttl` from `now`.
    pub fn issue_at(
        &self,
        principal: &Principal,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> SecretString {
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = TokenClaims {
            tenant: *principal.tenant.as_uuid(),
            role: principal.role,
            brands: principal.brands.to_option(),
            sub: principal.subject.clone(),
            exp: now.timestamp().saturating_add(ttl),
        };
        // Serializing plain data with derived impls cannot fail.
        let json = serde_json::to_vec(&claims).unwrap_or_default();
        let signed = format!("{TOKEN_PREFIX}.{}", URL_SAFE_NO_PAD.encode(json));
        let signature = URL_SAFE_NO_PAD.encode(self.sign(&signed));
        SecretString::from(format!("{signed}.{signature}"))
    }

    /// The principal `token` names, if its signature is ours and it has not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Principal, TokenError> {
        let (signed, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (prefix, payload) = signed.split_once('.').ok_or(TokenError::Malformed)?;
        if prefix != TOKEN_PREFIX {
            return Err(TokenError::Malformed);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac.clone();
        mac.update(signed.as_bytes());
        // `verify_slice` compares in constant time.
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::BadSignature)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let claims: TokenClaims =
            serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
        if now.timestamp() >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(Principal {
            tenant: tagar_model::TenantId::from_uuid(claims.tenant),
            role: claims.role,
            brands: BrandScope::from_option(claims.brands),
            subject: claims.sub,
        })
    }

    fn sign(&self, signed: &str) -> Vec<u8> {
        let mut mac = self.mac.clone();
        mac.update(signed.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(secret: &str) -> TokenIssuer {
        TokenIssuer::new(&SecretString::from(secret)).unwrap()
    }

    fn principal() -> Principal {
        Principal {
            tenant: tagar_model::TenantId::from_uuid(Uuid::from_u128(7)),
            role: Role::Moderator,
            brands: BrandScope::Only([Uuid::from_u128(70)].into()),
            subject: "user:ana".into(),
        }
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn round_trip_keeps_the_principal() {
        let now = Utc::now();
        let token = issuer(SECRET).issue_at(&principal(), Duration::from_secs(60), now);
        assert!(token.expose_secret().starts_with("tgr1."));
        assert_eq!(
            issuer(SECRET).verify(token.expose_secret(), now),
            Ok(principal())
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let now = Utc::now();
        let token = issuer(SECRET).issue_at(&principal(), Duration::from_secs(60), now);
        let later = now + chrono::Duration::seconds(60);
        assert_eq!(
            issuer(SECRET).verify(token.expose_secret(), later),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn tampered_or_foreign_tokens_are_refused() {
        let now = Utc::now();
        let token = issuer(SECRET).issue_at(&principal(), Duration::from_secs(60), now);
        let token = token.expose_secret();
        let other = issuer("another-secret-another-secret-xx");
        assert_eq!(other.verify(token, now), Err(TokenError::BadSignature));

        // Swap in claims that widen the scope, keep the old signature.
        let mut widened = principal();
        widened.brands = BrandScope::All;
        let forged_payload = other.issue_at(&widened, Duration::from_secs(60), now);
        let forged_payload = forged_payload.expose_secret().split('.').nth(1).unwrap();
        let signature = token.rsplit('.').next().unwrap();
        let forged = format!("tgr1.{forged_payload}.{signature}");
        assert_eq!(
            issuer(SECRET).verify(&forged, now),
            Err(TokenError::BadSignature)
        );

        for garbage in ["", "tgr1", "tgr1.x", "tgr2.a.b", "tgr1.a.!!"] {
            assert!(issuer(SECRET).verify(garbage, now).is_err(), "{garbage:?}");
        }
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(
            TokenIssuer::new(&SecretString::from("short")).unwrap_err(),
            TokenError::WeakSecret(5)
        );
    }
}
