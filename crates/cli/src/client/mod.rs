//! The client subcommands: each one talks gRPC to a running Tagar (standalone or one
//! service of a distributed deployment) with an API key, and prints a table or JSON.
//!
//! What they share lives here: where the server is ([`Connection`]), the credentials sent
//! with every call ([`Credentials`]), the output format ([`Output`]), and how a gRPC error
//! becomes the one line a person reads (`tagar: invalid argument: brand_id: is not a UUID`).

pub mod account;
pub mod brand;
pub mod output;
pub mod post;
pub mod push;
pub mod review;
pub mod rule;
pub mod trends;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

pub use output::Output;

/// How long a unary call may take before the client gives up.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The default server: a `tagar standalone` on this machine.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:50051";

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

/// The credentials interceptor: adds `x-api-key` and the current trace context to every call.
#[derive(Clone)]
pub struct Credentials {
    key: AsciiMetadataValue,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

impl Credentials {
    /// Credentials for an API key; refuses a key that cannot be sent as a header.
    pub fn api_key(key: &str) -> anyhow::Result<Self> {
        let key = MetadataValue::try_from(key.trim())
            .map_err(|_| anyhow::anyhow!("--api-key: is not a valid header value"))?;
        Ok(Self { key })
    }
}

impl tonic::service::Interceptor for Credentials {
    fn call(&mut self, request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let mut request = tagar_runtime::telemetry::propagate_current_span(request)?;
        request
            .metadata_mut()
            .insert(tagar_runtime::auth::API_KEY_HEADER, self.key.clone());
        Ok(request)
    }
}

/// A channel that sends the credentials with every call; the generated clients wrap it.
pub type AuthedChannel = InterceptedService<Channel, Credentials>;

/// A connected client session: the channel, the credentials, and the output format.
#[derive(Debug, Clone)]
pub struct Session {
    channel: Channel,
    credentials: Credentials,
    /// How results are printed.
    pub output: Output,
}

impl Session {
    /// Resolves the credentials and connects to the server.
    pub async fn connect(config: Option<&Path>, conn: &Connection) -> anyhow::Result<Self> {
        let key = resolve_api_key(config, conn)?;
        Self::open(&conn.server, &key, conn.output).await
    }

    /// Connects to `server` with `api_key` (e.g. the demo, which knows both already).
    pub async fn open(server: &str, api_key: &str, output: OutputFormat) -> anyhow::Result<Self> {
        let credentials = Credentials::api_key(api_key)?;
        let channel = connect_channel(server).await?;
        Ok(Self {
            channel,
            credentials,
            output: Output::new(output),
        })
    }

    /// The channel with credentials, for `XServiceClient::new`.
    pub fn channel(&self) -> AuthedChannel {
        InterceptedService::new(self.channel.clone(), self.credentials.clone())
    }

    /// The scheduling service's client.
    pub fn scheduling(
        &self,
    ) -> tagar_proto::v1::scheduling_service_client::SchedulingServiceClient<AuthedChannel> {
        tagar_proto::v1::scheduling_service_client::SchedulingServiceClient::new(self.channel())
    }

    /// The ingest service's client.
    pub fn ingest(
        &self,
    ) -> tagar_proto::v1::ingest_service_client::IngestServiceClient<AuthedChannel> {
        tagar_proto::v1::ingest_service_client::IngestServiceClient::new(self.channel())
    }

    /// The moderation service's client.
    pub fn moderation(
        &self,
    ) -> tagar_proto::v1::moderation_service_client::ModerationServiceClient<AuthedChannel> {
        tagar_proto::v1::moderation_service_client::ModerationServiceClient::new(self.channel())
    }

    /// The analytics service's client.
    pub fn analytics(
        &self,
    ) -> tagar_proto::v1::analytics_service_client::AnalyticsServiceClient<AuthedChannel> {
        tagar_proto::v1::analytics_service_client::AnalyticsServiceClient::new(self.channel())
    }
}

/// A unary request with the client's deadline.
pub fn unary<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(CALL_TIMEOUT);
    request
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
        None => tagar_host::load_settings(config)?.standalone.data_dir,
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

async fn connect_channel(server: &str) -> anyhow::Result<Channel> {
    let endpoint = Endpoint::from_shared(server.to_owned())
        .map_err(|_| anyhow::anyhow!("--server: {server:?} is not a URL like {DEFAULT_SERVER}"))?
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true);
    endpoint
        .connect()
        .await
        .map_err(|e| anyhow::anyhow!("unavailable: cannot reach {server}: {}", root_cause(&e)))
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Turns a gRPC status into the error a person reads: `<code>: <message>`.
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!("{}", describe_status(&status))
}

/// `<code>: <message>`, with the code in words (`invalid argument`, `not found`, …).
pub fn describe_status(status: &tonic::Status) -> String {
    let message = status.message().trim();
    let code = code_name(status.code());
    if message.is_empty() {
        code.to_owned()
    } else {
        format!("{code}: {message}")
    }
}

/// The gRPC code in lowercase words.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "ok",
        Code::Cancelled => "cancelled",
        Code::Unknown => "unknown",
        Code::InvalidArgument => "invalid argument",
        Code::DeadlineExceeded => "deadline exceeded",
        Code::NotFound => "not found",
        Code::AlreadyExists => "already exists",
        Code::PermissionDenied => "permission denied",
        Code::ResourceExhausted => "resource exhausted",
        Code::FailedPrecondition => "failed precondition",
        Code::Aborted => "aborted",
        Code::OutOfRange => "out of range",
        Code::Unimplemented => "unimplemented",
        Code::Internal => "internal",
        Code::Unavailable => "unavailable",
        Code::DataLoss => "data loss",
        Code::Unauthenticated => "unauthenticated",
    }
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
    fn a_status_reads_as_code_then_message() {
        let status = tonic::Status::invalid_argument("brand_id: is not a UUID");
        assert_eq!(
            describe_status(&status),
            "invalid argument: brand_id: is not a UUID"
        );
        assert_eq!(describe_status(&tonic::Status::not_found("")), "not found");
    }

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
