//! The client subcommands: each one talks gRPC to a running Tagar (standalone or one
//! service of a distributed deployment) with an API key, and prints a table or JSON.
//!
//! What they share lives here: where the server is ([`Connection`]), the credentials sent
//! with every call ([`Credentials`]), the output format ([`Output`]), and how a gRPC error
//! becomes the one line a person reads (`tagar: invalid argument: brand_id: is not a UUID`).

pub mod account;
pub mod brand;
pub mod chat;
pub mod chat_views;
pub mod crisis;
pub mod inbox;
pub mod output;
pub mod post;
pub mod push;
pub mod review;
pub mod rule;
pub mod trends;

use std::ops::Deref;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use tagar_client::{Credentials, DEFAULT_SERVER};

pub use output::Output;
pub use tagar_client::status::describe as describe_status;
pub use tagar_client::unary;

/// Where the server is, who we are, and how to print: the flags every client command takes.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// The Tagar gRPC endpoint.
    #[arg(long, global = true, env = "TAGAR_SERVER", default_value = DEFAULT_SERVER, value_name = "URL")]
    pub server: String,
    /// The API key sent as `x-api-key`. Without it, the key `tagar standalone` wrote to
    /// `<data dir>/admin.key` is used.
    #[arg(
        long,
        global = true,
        env = "TAGAR_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// The standalone data directory holding `admin.key` (default: `[standalone] data_dir`,
    /// which is `data`).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `table` for people, `json` for scripts (one JSON document per command).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table, env = "TAGAR_OUTPUT")]
    pub output: OutputFormat,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// One JSON document with stable field names, for scripts.
    Json,
}

/// A connected client session (`tagar_client::Session`) and how its results are printed.
#[derive(Debug, Clone)]
pub struct Session {
    client: tagar_client::Session,
    /// How results are printed.
    pub output: Output,
}

impl Deref for Session {
    type Target = tagar_client::Session;
    fn deref(&self) -> &tagar_client::Session {
        &self.client
    }
}

impl Session {
    /// Resolves the credentials and connects to the server.
    pub async fn connect(config: Option<&Path>, conn: &Connection) -> anyhow::Result<Self> {
        let key = resolve_api_key(config, conn)?;
        Self::open(&conn.server, &key, conn.output).await
    }

    /// Connects to `server` with `api_key` (e.g. the demo, which knows both already).
    pub async fn open(server: &str, api_key: &str, output: OutputFormat) -> anyhow::Result<Self> {
        let credentials = Credentials::api_key(api_key)
            .map_err(|_| anyhow::anyhow!("--api-key: is not a valid header value"))?;
        let client = tagar_client::Session::connect(server, credentials)
            .await
            .map_err(|e| match e {
                tagar_client::ClientError::BadServer(s) => {
                    anyhow::anyhow!("--server: {s:?} is not a URL like {DEFAULT_SERVER}")
                }
                other => anyhow::anyhow!("{other}"),
            })?;
        Ok(Self {
            client,
            output: Output::new(output),
        })
    }
}

/// The key from `--api-key`/`TAGAR_API_KEY`, else from `admin.key` in the data directory.
pub fn resolve_api_key(config: Option<&Path>, conn: &Connection) -> anyhow::Result<String> {
    if let Some(key) = conn
        .api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        return Ok(key.to_owned());
    }
    let dir = match &conn.data_dir {
        Some(dir) => dir.clone(),
        None => tagar_kernel::load_settings(config)?.standalone.data_dir,
    };
    let path = dir.join("admin.key");
    let key = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no API key: pass --api-key or set TAGAR_API_KEY, or point --data-dir at the \
             directory where `tagar standalone` wrote admin.key (reading {})",
            path.display()
        )
    })?;
    let key = key.trim();
    anyhow::ensure!(!key.is_empty(), "{} is empty", path.display());
    Ok(key.to_owned())
}

/// Turns a gRPC status into the error a person reads: `<code>: <message>`.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{}", describe_status(&status))
}

/// Lifts a tonic result into the CLI's error.
pub trait StatusExt<T> {
    /// Maps a gRPC status to `<code>: <message>`.
    fn or_status(self) -> anyhow::Result<T>;
}

impl<T> StatusExt<T> for Result<tonic::Response<T>, tonic::Status> {
    fn or_status(self) -> anyhow::Result<T> {
        self.map(tonic::Response::into_inner).map_err(status_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_comes_from_the_flag_before_the_data_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("admin.key"), "tgr_file_key\n").unwrap();
        let mut conn = Connection {
            server: DEFAULT_SERVER.into(),
            api_key: Some("tgr_flag".into()),
            data_dir: Some(dir.path().to_owned()),
            output: OutputFormat::Table,
        };
        assert_eq!(resolve_api_key(None, &conn).unwrap(), "tgr_flag");
        conn.api_key = None;
        assert_eq!(resolve_api_key(None, &conn).unwrap(), "tgr_file_key");
        conn.data_dir = Some(dir.path().join("missing"));
        let err = resolve_api_key(None, &conn).unwrap_err().to_string();
        assert!(
            err.contains("--api-key") && err.contains("admin.key"),
            "{err}"
        );
    }
}
