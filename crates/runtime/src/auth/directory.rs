//! Where stored API keys are looked up. The store crate implements [`KeyDirectory`] over
//! its database; [`StaticKeyDirectory`] serves tests and bootstrap keys.

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;

use super::api_key::StoredKey;

/// The key directory could not answer (as opposed to "no such key").
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The backing store is unreachable or failed.
    #[error("key directory unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl DirectoryError {
    /// Wraps a backend error.
    pub fn unavailable(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        DirectoryError::Unavailable(error.into())
    }
}

/// Looks up stored API keys by their public id.
#[async_trait]
pub trait KeyDirectory: Send + Sync {
    /// The key with this id, revoked or not; `None` if there is no such key.
    async fn find_key(&self, key_id: &str) -> Result<Option<StoredKey>, DirectoryError>;
}

/// An in-memory [`KeyDirectory`].
#[derive(Debug, Default)]
pub struct StaticKeyDirectory {
    keys: RwLock<HashMap<String, StoredKey>>,
}

impl StaticKeyDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a key.
    pub fn insert(&self, key: StoredKey) {
        self.write().insert(key.key_id.clone(), key);
    }

    /// Marks a key revoked; returns whether it existed.
    pub fn revoke(&self, key_id: &str) -> bool {
        self.write()
            .get_mut(key_id)
            .map(|key| key.revoked = true)
            .is_some()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, StoredKey>> {
        self.keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl FromIterator<StoredKey> for StaticKeyDirectory {
    fn from_iter<I: IntoIterator<Item = StoredKey>>(keys: I) -> Self {
        let directory = Self::new();
        keys.into_iter().for_each(|key| directory.insert(key));
        directory
    }
}

#[async_trait]
impl KeyDirectory for StaticKeyDirectory {
    async fn find_key(&self, key_id: &str) -> Result<Option<StoredKey>, DirectoryError> {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(keys.get(key_id).cloned())
    }
}
