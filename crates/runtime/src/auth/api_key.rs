//! API keys: `tgr_<key_id>_<secret>`, stored as a SHA-256 hash of the secret.
//!
//! The secret is 32 random bytes from the OS, so a single fast hash is enough: there is
//! nothing to brute-force the way there is with a human password, and verification stays
//! cheap on every call. Only the hash is ever stored; the plaintext is shown once.

use std::fmt;

use chrono::{DateTime, Utc};
use rand::RngCore;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::principal::{BrandScope, Principal};
use super::role::Role;

/// Every API key starts with this, so leaked keys are easy to recognise and scan for.
pub const KEY_PREFIX: &str = "tgr_";
const KEY_ID_HEX_LEN: usize = 16;
const SECRET_BYTES: usize = 32;
const MIN_SECRET_LEN: usize = 32;

/// Why a presented API key could not even be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    /// The key does not have the `tgr_<16 hex>_<secret>` shape.
    #[error("malformed API key: {0}")]
    Malformed(&'static str),
}

/// A presented API key, split into its public id and its secret.
#[derive(Debug)]
pub struct ApiKey {
    key_id: String,
    secret: SecretString,
}

/// A freshly generated key in plaintext, to show its owner exactly once. `Debug` shows
/// only the key id.
pub struct PlaintextKey {
    key_id: String,
    full: SecretString,
}

/// What is persisted about a key: everything but the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// Public identifier: 16 lowercase hex characters; safe to log.
    pub key_id: String,
    /// The tenant the key acts for.
    pub tenant: tagar_model::TenantId,
    /// The role it grants.
    pub role: Role,
    /// The brands it may touch.
    pub brands: BrandScope,
    /// Lowercase hex SHA-256 of the secret part.
    pub secret_hash: String,
    /// When it was generated.
    pub created_at: DateTime<Utc>,
    /// A revoked key is refused even with the right secret.
    pub revoked: bool,
}

impl ApiKey {
    /// Splits `tgr_<key_id>_<secret>`. The key id is fixed-length, so a secret that itself
    /// contains `_` (base64url) is still read correctly.
    pub fn parse(presented: &str) -> Result<ApiKey, ApiKeyError> {
        let rest = presented
            .strip_prefix(KEY_PREFIX)
            .ok_or(ApiKeyError::Malformed("it must start with `tgr_`"))?;
        let (key_id, secret) = (rest.get(..KEY_ID_HEX_LEN), rest.get(KEY_ID_HEX_LEN..));
        let (Some(key_id), Some(secret)) = (key_id, secret) else {
            return Err(ApiKeyError::Malformed("it is too short"));
        };
        if !key_id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(ApiKeyError::Malformed(
                "the key id must be 16 lowercase hex characters",
            ));
        }
        let secret = secret
            .strip_prefix('_')
            .ok_or(ApiKeyError::Malformed("`_` must follow the key id"))?;
        let charset_ok = secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if secret.len() < MIN_SECRET_LEN || !charset_ok {
            return Err(ApiKeyError::Malformed(
                "the secret part is too short or has invalid characters",
            ));
        }
        Ok(ApiKey {
            key_id: key_id.to_owned(),
            secret: SecretString::from(secret),
        })
    }

    /// The public key id, to look the key up and to log.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Whether this key's secret hashes to `stored.secret_hash`, compared in constant time.
    pub fn matches(&self, stored: &StoredKey) -> bool {
        let presented = hash_secret(self.secret.expose_secret());
        presented
            .as_bytes()
            .ct_eq(stored.secret_hash.as_bytes())
            .into()
    }

    /// Generates a new key for `tenant`: the plaintext for its owner and the record to
    /// store. The secret is 32 bytes from the OS random source, hex-encoded.
    pub fn generate(
        tenant: tagar_model::TenantId,
        role: Role,
        brands: BrandScope,
    ) -> (PlaintextKey, StoredKey) {
        let mut id_bytes = [0u8; KEY_ID_HEX_LEN / 2];
        let mut secret_bytes = [0u8; SECRET_BYTES];
        OsRng.fill_bytes(&mut id_bytes);
        OsRng.fill_bytes(&mut secret_bytes);
        let key_id = hex::encode(id_bytes);
        let secret = hex::encode(secret_bytes);
        let stored = StoredKey {
            key_id: key_id.clone(),
            tenant,
            role,
            brands,
            secret_hash: hash_secret(&secret),
            created_at: Utc::now(),
            revoked: false,
        };
        let full = SecretString::from(format!("{KEY_PREFIX}{key_id}_{secret}"));
        (PlaintextKey { key_id, full }, stored)
    }
}

impl PlaintextKey {
    /// The whole key, `tgr_<key_id>_<secret>`, to hand to its owner.
    pub fn expose(&self) -> &str {
        self.full.expose_secret()
    }

    /// The public key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

impl fmt::Debug for PlaintextKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlaintextKey({KEY_PREFIX}{}_[REDACTED])", self.key_id)
    }
}

impl StoredKey {
    /// The principal this key authenticates as; the subject names the key, never its secret.
    pub fn principal(&self) -> Principal {
        Principal {
            tenant: self.tenant,
            role: self.role,
            brands: self.brands.clone(),
            subject: format!("key:{}", self.key_id),
        }
    }
}

fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_parses_and_matches_only_its_record() {
        let (plain, stored) = ApiKey::generate(
            tagar_model::TenantId::from_uuid(uuid::Uuid::from_u128(1)),
            Role::Manager,
            BrandScope::All,
        );
        let key = ApiKey::parse(plain.expose()).unwrap();
        assert_eq!(key.key_id(), stored.key_id);
        assert!(key.matches(&stored));
        assert_eq!(stored.secret_hash.len(), 64);
        assert!(!plain.expose().contains(&stored.secret_hash));

        let (_, other) = ApiKey::generate(
            tagar_model::TenantId::from_uuid(uuid::Uuid::from_u128(1)),
            Role::Manager,
            BrandScope::All,
        );
        assert!(!key.matches(&other));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let (plain, _) = ApiKey::generate(
            tagar_model::TenantId::from_uuid(uuid::Uuid::from_u128(1)),
            Role::Admin,
            BrandScope::All,
        );
        let secret = plain.expose().rsplit('_').next().unwrap().to_owned();
        assert!(!format!("{plain:?}").contains(&secret));
        let parsed = ApiKey::parse(plain.expose()).unwrap();
        assert!(!format!("{parsed:?}").contains(&secret));
    }

    #[test]
    fn malformed_keys_are_rejected() {
        for bad in [
            "",
            "tgr_",
            "abc_0123456789abcdef_0123456789abcdef0123456789abcdef",
            "tgr_0123456789ABCDEF_0123456789abcdef0123456789abcdef",
            "tgr_0123456789abcdef0123456789abcdef0123456789abcdef",
            "tgr_0123456789abcdef_short",
            "tgr_0123456789abcdef_0123456789abcdef0123456789abcdef!",
        ] {
            assert!(ApiKey::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn secret_may_contain_underscores() {
        let key =
            ApiKey::parse("tgr_0123456789abcdef_abc_def-ghi_jkl_mno_pqr_stu_vwx_yz012").unwrap();
        assert_eq!(key.key_id(), "0123456789abcdef");
    }
}
