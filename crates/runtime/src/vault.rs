//! Secrets at rest (network credentials): envelope encryption with AES-256-GCM.
//!
//! Each tenant has a **data key** of its own, stored only wrapped: encrypted under a
//! **master key** that comes from configuration and never reaches the database. A secret is
//! sealed under its tenant's data key, with associated data that names what it is (the
//! tenant, the account, the kind of secret), so a sealed value copied onto another row, or
//! another tenant's, does not open. Rotating the master key re-wraps the data keys and
//! touches no secret: [`Vault::rewrap`] opens a wrapped key under whichever configured master
//! key wrapped it and wraps it again under the current one.
//!
//! Master keys are configured as `id:base64` (32 bytes), the current one first, older ones
//! after it until every data key is re-wrapped. Nothing here implements `Debug` with key
//! material, and opened secrets are zeroed when dropped.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::{Deserialize, Serialize};
use tagar_model::TenantId;

/// The length of every key, in bytes.
pub const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 12;
/// The most bytes a secret may have (tokens and passwords are far smaller).
pub const MAX_SECRET_BYTES: usize = 64 * 1024;
/// The most bytes a master key id may have.
pub const MAX_KEY_ID_BYTES: usize = 64;

/// Why the vault refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// A configured master key is not `id:base64` of 32 bytes.
    #[error("vault.master_keys: {0}")]
    Config(String),
    /// The value was wrapped under a master key that is not configured.
    #[error("wrapped under master key {0:?}, which is not configured")]
    UnknownMasterKey(String),
    /// The secret is larger than [`MAX_SECRET_BYTES`].
    #[error("the secret is {0} bytes; the limit is {MAX_SECRET_BYTES}")]
    TooLarge(usize),
    /// The value does not open: tampered, truncated, or sealed for something else.
    #[error("{0} does not open: it was changed, or sealed for another tenant or account")]
    DoesNotOpen(&'static str),
}

/// A master key: its id and its bytes.
struct MasterKey {
    id: String,
    cipher: Aes256Gcm,
}

/// The configured master keys; the first one wraps every new data key.
pub struct Vault {
    current: MasterKey,
    older: Vec<MasterKey>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("current", &self.current.id)
            .field(
                "older",
                &self.older.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A tenant's data key as stored: wrapped under master key `master_key_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The id of the master key that wrapped it.
    pub master_key_id: String,
    /// The nonce and the ciphertext with its tag.
    pub sealed: Vec<u8>,
}

/// A tenant's data key, opened: seals and opens that tenant's secrets.
pub struct DataKey {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl Vault {
    /// A vault over master keys written `id:base64`, the current one first.
    pub fn from_config(keys: &[SecretString]) -> Result<Self, VaultError> {
        let mut parsed = keys
            .iter()
            .map(|k| parse_master_key(k.expose_secret()))
            .collect::<Result<Vec<_>, _>>()?;
        if parsed.is_empty() {
            return Err(VaultError::Config(
                "no master key: set at least one `id:base64` of 32 bytes".into(),
            ));
        }
        let current = parsed.remove(0);
        if let Some(dup) = parsed.iter().find(|k| k.id == current.id) {
            return Err(VaultError::Config(format!(
                "master key id {:?} is given twice",
                dup.id
            )));
        }
        Ok(Self {
            current,
            older: parsed,
        })
    }

    /// The id of the master key new data keys are wrapped under.
    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    /// A new data key for `tenant`, and its wrapped form to store.
    pub fn new_data_key(&self, tenant: TenantId) -> (DataKey, WrappedKey) {
        let key = Aes256Gcm::generate_key(OsRng);
        let wrapped = self.wrap(tenant, &key);
        (
            DataKey {
                cipher: Aes256Gcm::new(&key),
            },
            wrapped,
        )
    }

    /// Opens `tenant`'s wrapped data key.
    pub fn unwrap(&self, tenant: TenantId, wrapped: &WrappedKey) -> Result<DataKey, VaultError> {
        let key = self.unwrap_bytes(tenant, wrapped)?;
        Ok(DataKey {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.expose_secret())),
        })
    }

    /// `tenant`'s wrapped data key wrapped again under the current master key (the same data
    /// key, so every secret sealed under it still opens).
    pub fn rewrap(&self, tenant: TenantId, wrapped: &WrappedKey) -> Result<WrappedKey, VaultError> {
        let key = self.unwrap_bytes(tenant, wrapped)?;
        Ok(self.wrap(tenant, Key::<Aes256Gcm>::from_slice(key.expose_secret())))
    }

    fn wrap(&self, tenant: TenantId, key: &Key<Aes256Gcm>) -> WrappedKey {
        WrappedKey {
            master_key_id: self.current.id.clone(),
            sealed: seal(
                &self.current.cipher,
                &wrap_aad(tenant, &self.current.id),
                key,
            ),
        }
    }

    fn unwrap_bytes(
        &self,
        tenant: TenantId,
        wrapped: &WrappedKey,
    ) -> Result<SecretBox<[u8]>, VaultError> {
        let master = std::iter::once(&self.current)
            .chain(&self.older)
            .find(|k| k.id == wrapped.master_key_id)
            .ok_or_else(|| VaultError::UnknownMasterKey(wrapped.master_key_id.clone()))?;
        let key = open(
            &master.cipher,
            &wrap_aad(tenant, &master.id),
            &wrapped.sealed,
            "the data key",
        )?;
        if key.expose_secret().len() != KEY_BYTES {
            return Err(VaultError::DoesNotOpen("the data key"));
        }
        Ok(key)
    }
}

impl DataKey {
    /// Seals `secret`, bound to `context` (what it is: tenant, account, kind).
    pub fn seal(&self, context: &[u8], secret: &[u8]) -> Result<Vec<u8>, VaultError> {
        if secret.len() > MAX_SECRET_BYTES {
            return Err(VaultError::TooLarge(secret.len()));
        }
        Ok(seal(&self.cipher, context, secret))
    }

    /// Opens a value sealed with the same `context`.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<SecretBox<[u8]>, VaultError> {
        open(&self.cipher, context, sealed, "the secret")
    }
}

/// Nonce, then ciphertext and tag.
fn seal(cipher: &Aes256Gcm, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce = Aes256Gcm::generate_nonce(OsRng);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        // AES-GCM refuses only plaintexts past 64 GiB; callers seal 64 KiB at most.
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

fn open(
    cipher: &Aes256Gcm,
    aad: &[u8],
    sealed: &[u8],
    what: &'static str,
) -> Result<SecretBox<[u8]>, VaultError> {
    if sealed.len() < NONCE_BYTES + 16 {
        return Err(VaultError::DoesNotOpen(what));
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(|plain| SecretBox::new(plain.into_boxed_slice()))
        .map_err(|_| VaultError::DoesNotOpen(what))
}

/// What a wrapped data key is bound to: its tenant and the master key's id.
fn wrap_aad(tenant: TenantId, master_key_id: &str) -> Vec<u8> {
    format!("tagar.vault.data-key\0{tenant}\0{master_key_id}").into_bytes()
}

fn parse_master_key(text: &str) -> Result<MasterKey, VaultError> {
    let (id, encoded) = text.split_once(':').ok_or_else(|| {
        VaultError::Config("a master key is written `id:base64` (no `:` found)".into())
    })?;
    let id = id.trim();
    if id.is_empty() || id.len() > MAX_KEY_ID_BYTES || !id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(VaultError::Config(format!(
            "a master key id is 1 to {MAX_KEY_ID_BYTES} visible ASCII characters"
        )));
    }
    let bytes = STANDARD
        .decode(encoded.trim())
        .map_err(|_| VaultError::Config(format!("master key {id:?} is not base64")))?;
    if bytes.len() != KEY_BYTES {
        return Err(VaultError::Config(format!(
            "master key {id:?} is {} bytes; it must be {KEY_BYTES}",
            bytes.len()
        )));
    }
    Ok(MasterKey {
        id: id.to_owned(),
        cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)),
    })
}

/// `[vault]`: the master keys that wrap the tenants' data keys.
///
/// The keys are never serialized, so printing or dumping settings cannot reveal them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VaultConfig {
    /// Master keys written `id:base64` (32 bytes), the current one first, older ones after it
    /// until `tagar vault rotate` has re-wrapped everything under the current one;
    /// `TAGAR__VAULT__MASTER_KEYS='["k2:…", "k1:…"]'`.
    #[serde(skip_serializing)]
    pub master_keys: Vec<SecretString>,
    /// A file holding the master keys instead, one `id:base64` per line, the current one
    /// first (`#` starts a comment). The standalone mode uses `<data_dir>/vault.keys` when
    /// neither is set, and creates it with a new key on its first start.
    pub master_keys_file: Option<PathBuf>,
}

impl Vault {
    /// The vault `config` names: its keys, else its file; `None` when it names neither.
    pub fn from_settings(config: &VaultConfig) -> Result<Option<Self>, VaultError> {
        if !config.master_keys.is_empty() {
            return Self::from_config(&config.master_keys).map(Some);
        }
        match &config.master_keys_file {
            Some(path) => Self::from_file(path).map(Some),
            None => Ok(None),
        }
    }

    /// The vault of the keys in `path` (one `id:base64` per line, the current one first).
    pub fn from_file(path: &Path) -> Result<Self, VaultError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| VaultError::Config(format!("cannot read {}: {e}", path.display())))?;
        let keys: Vec<SecretString> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(SecretString::from)
            .collect();
        Self::from_config(&keys).map_err(|e| VaultError::Config(format!("{}: {e}", path.display())))
    }

    /// The vault of the keys in `path`, creating the file (mode 0600) with one new key
    /// `k1` first when it does not exist.
    pub fn from_file_or_create(path: &Path) -> Result<Self, VaultError> {
        if !path.exists() {
            write_key_file(path, &[generate_master_key("k1")])?;
        }
        Self::from_file(path)
    }
}

/// Writes `keys` to `path`, readable by its owner only.
pub fn write_key_file(path: &Path, keys: &[SecretString]) -> Result<(), VaultError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let cannot =
        |e: std::io::Error| VaultError::Config(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(cannot)?;
    }
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(cannot)?;
    let mut text = String::from(
        "# Tagar's vault master keys, the current one first. Keep this file secret and backed up:\n\
         # without it, stored network credentials cannot be opened.\n",
    );
    for key in keys {
        text.push_str(key.expose_secret());
        text.push('\n');
    }
    file.write_all(text.as_bytes()).map_err(cannot)?;
    file.sync_all().map_err(cannot)?;
    std::fs::rename(&tmp, path).map_err(cannot)
}

/// A new master key, written `id:base64` as configuration takes it.
pub fn generate_master_key(id: &str) -> SecretString {
    let key = Aes256Gcm::generate_key(OsRng);
    SecretString::from(format!("{id}:{}", STANDARD.encode(key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_created_once_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/vault.keys");
        let first = Vault::from_file_or_create(&path).unwrap();
        assert_eq!(first.current_key_id(), "k1");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let tenant = TenantId::new();
        let (_, wrapped) = first.new_data_key(tenant);
        let again = Vault::from_file_or_create(&path).unwrap();
        again
            .unwrap(tenant, &wrapped)
            .expect("the same key, read back");
        std::fs::write(&path, "# nothing\nk1:not-base64\n").unwrap();
        let err = Vault::from_file(&path).unwrap_err().to_string();
        assert!(
            err.contains("vault.keys") && err.contains("not base64"),
            "{err}"
        );
    }

    fn vault(keys: &[&SecretString]) -> Vault {
        let keys: Vec<SecretString> = keys.iter().map(|k| (*k).clone()).collect();
        Vault::from_config(&keys).expect("a vault")
    }

    #[test]
    fn a_secret_opens_only_for_its_tenant_and_context() {
        let master = generate_master_key("2026-12");
        let v = vault(&[&master]);
        let (tenant, other) = (TenantId::new(), TenantId::new());
        let (key, wrapped) = v.new_data_key(tenant);
        assert_eq!(wrapped.master_key_id, "2026-12");
        let sealed = key
            .seal(b"account-1/app-password", b"hunter2-app-password")
            .unwrap();
        assert!(
            !sealed.windows(7).any(|w| w == b"hunter2"),
            "no plaintext at rest"
        );

        let opened = v.unwrap(tenant, &wrapped).unwrap();
        let secret = opened.open(b"account-1/app-password", &sealed).unwrap();
        assert_eq!(secret.expose_secret(), b"hunter2-app-password");
        // Another account's row, another tenant's key: nothing opens.
        assert_eq!(
            opened.open(b"account-2/app-password", &sealed).unwrap_err(),
            VaultError::DoesNotOpen("the secret")
        );
        assert_eq!(
            v.unwrap(other, &wrapped).unwrap_err(),
            VaultError::DoesNotOpen("the data key")
        );
        // One changed byte, or a truncated value.
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(opened.open(b"account-1/app-password", &tampered).is_err());
        assert!(
            opened
                .open(b"account-1/app-password", &sealed[..10])
                .is_err()
        );
    }

    #[test]
    fn rotation_rewraps_data_keys_and_secrets_still_open() {
        let (old, new) = (generate_master_key("old"), generate_master_key("new"));
        let before = vault(&[&old]);
        let tenant = TenantId::new();
        let (key, wrapped) = before.new_data_key(tenant);
        let sealed = key.seal(b"ctx", b"token").unwrap();
        assert_eq!(
            key.seal(b"ctx", &vec![0; MAX_SECRET_BYTES + 1])
                .unwrap_err(),
            VaultError::TooLarge(MAX_SECRET_BYTES + 1)
        );

        // The new key first, the old one kept until everything is re-wrapped.
        let during = vault(&[&new, &old]);
        let rewrapped = during.rewrap(tenant, &wrapped).unwrap();
        assert_eq!(rewrapped.master_key_id, "new");
        assert_ne!(rewrapped.sealed, wrapped.sealed);

        // Once the old key is gone, only the re-wrapped key opens.
        let after = vault(&[&new]);
        assert_eq!(
            after.unwrap(tenant, &wrapped).unwrap_err(),
            VaultError::UnknownMasterKey("old".into())
        );
        let opened = after.unwrap(tenant, &rewrapped).unwrap();
        assert_eq!(
            opened.open(b"ctx", &sealed).unwrap().expose_secret(),
            b"token"
        );
        // A wrapped key relabelled with another master key's id does not open either.
        let relabelled = WrappedKey {
            master_key_id: "new".into(),
            sealed: wrapped.sealed.clone(),
        };
        assert!(after.unwrap(tenant, &relabelled).is_err());
    }

    #[test]
    fn bad_master_keys_are_refused_naming_the_setting() {
        let short = SecretString::from(format!("k1:{}", STANDARD.encode([7u8; 16])));
        for (key, says) in [
            ("no-colon", "no `:` found"),
            (":AAAA", "1 to 64 visible ASCII"),
            ("k1:not base64!", "not base64"),
        ] {
            let err = Vault::from_config(&[SecretString::from(key)]).unwrap_err();
            assert!(err.to_string().starts_with("vault.master_keys: "), "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
        let err = Vault::from_config(&[short]).unwrap_err();
        assert!(err.to_string().contains("16 bytes; it must be 32"), "{err}");
        assert!(Vault::from_config(&[]).is_err());
        let k = generate_master_key("same");
        assert!(
            Vault::from_config(&[k.clone(), k])
                .unwrap_err()
                .to_string()
                .contains("given twice")
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        let master = generate_master_key("k1");
        let encoded = master.expose_secret().split_once(':').unwrap().1.to_owned();
        let v = vault(&[&master]);
        let (key, _) = v.new_data_key(TenantId::new());
        let shown = format!("{v:?} {key:?}");
        assert!(shown.contains("k1") && !shown.contains(&encoded), "{shown}");
    }
}
