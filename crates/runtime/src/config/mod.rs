//! Layered configuration: built-in defaults, then a TOML file, then `TAGAR__SECTION__KEY`
//! environment variables.
//!
//! Each service composes its own top-level settings struct from the sections defined here
//! (and the store and event-log sections defined in their crates), then calls [`load`].

mod sections;

pub use sections::{
    AdminConfig, AuthConfig, GrpcConfig, LogFormat, ShutdownConfig, TelemetryConfig,
};

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Environment variable naming the configuration file when no path is passed to [`load`].
pub const CONFIG_FILE_ENV: &str = "TAGAR_CONFIG";

/// Prefix of the environment variables that override single keys; `__` separates the
/// section from the key, as in `TAGAR__GRPC__LISTEN`.
pub const ENV_PREFIX: &str = "TAGAR__";

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file was asked for explicitly but does not exist.
    #[error("configuration file {0} does not exist")]
    FileNotFound(PathBuf),
    /// A key holds a value that does not fit its type, or a required key is missing.
    #[error("configuration key `{key}` is invalid: {reason}{origin}")]
    Invalid {
        /// Dotted path of the offending key, e.g. `grpc.listen`.
        key: String,
        /// What was wrong with it.
        reason: String,
        /// Where the value came from (file or environment variable), when known.
        origin: String,
    },
}

/// Loads `T` from defaults, then the TOML file (`file`, else `$TAGAR_CONFIG` if set), then
/// `TAGAR__…` environment variables, later layers winning.
///
/// Keys are lowercase: `TAGAR__AUTH__TOKEN_TTL_SECONDS` sets `auth.token_ttl_seconds`.
pub fn load<T>(file: Option<&Path>) -> Result<T, ConfigError>
where
    T: DeserializeOwned + Serialize + Default,
{
    figment::<T>(file)?.extract().map_err(ConfigError::from)
}

/// The layered [`Figment`] behind [`load`], for callers that need to extract a sub-tree
/// (for example one section with [`Figment::extract_inner`]).
pub fn figment<T>(file: Option<&Path>) -> Result<Figment, ConfigError>
where
    T: Serialize + Default,
{
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    let file = file
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os(CONFIG_FILE_ENV).map(PathBuf::from));
    if let Some(path) = file {
        // A named file that is missing is an operator mistake, not "use the defaults".
        if !path.is_file() {
            return Err(ConfigError::FileNotFound(path));
        }
        figment = figment.merge(Toml::file_exact(path));
    }
    Ok(figment.merge(Env::prefixed(ENV_PREFIX).split("__")))
}

impl From<figment::Error> for ConfigError {
    fn from(error: figment::Error) -> Self {
        let key = error.path.join(".");
        let origin = error
            .metadata
            .as_ref()
            .map(|meta| match &meta.source {
                Some(source) => format!(" (from {source})"),
                // Name the exact variable to fix, which figment's own label does not.
                None if meta.name.contains(ENV_PREFIX) && !error.path.is_empty() => {
                    format!(
                        " (from {ENV_PREFIX}{})",
                        error.path.join("__").to_uppercase()
                    )
                }
                None => format!(" (from {})", meta.name),
            })
            .unwrap_or_default();
        // Type errors quote the offending value; for a secret that value is the secret.
        let reason = if is_secret_key(&key) {
            "the value has the wrong type or format (value hidden)".to_owned()
        } else {
            error.kind.to_string()
        };
        ConfigError::Invalid {
            key: if key.is_empty() { "<root>".into() } else { key },
            reason,
            origin,
        }
    }
}

fn is_secret_key(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    ["secret", "password", "master_key"]
        .iter()
        .any(|word| last.contains(word))
}
