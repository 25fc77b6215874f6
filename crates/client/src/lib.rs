//! A Tagar client: what the `tagar` command, the demo and the tests use to talk to a running
//! Tagar over gRPC.
//!
//! - [`Session`]: a connection to a server with [`Credentials`] sent on every call (and the
//!   current trace context), and the four services' typed clients;
//! - [`status`]: a gRPC status as the one line a person reads;
//! - [`push`]: streaming posts into `PushPosts` with backpressure;
//! - [`jsonl`]: reading JSONL replays of posts, naming the line and field that is wrong.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tagar_client::ClientError> {
//! use tagar_client::{Credentials, Session};
//! let session = Session::connect("http://127.0.0.1:50051", Credentials::api_key("tgr_…")?).await?;
//! let brands = session
//!     .scheduling()
//!     .list_brands(tagar_client::unary(tagar_proto::v1::ListBrandsRequest {}))
//!     .await;
//! # Ok(()) }
//! ```

pub mod jsonl;
pub mod push;
pub mod status;

use std::time::Duration;

use tagar_proto::v1::analytics_service_client::AnalyticsServiceClient;
use tagar_proto::v1::ingest_service_client::IngestServiceClient;
use tagar_proto::v1::moderation_service_client::ModerationServiceClient;
use tagar_proto::v1::scheduling_service_client::SchedulingServiceClient;
use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

/// How long a unary call made with [`unary`] may take before the client gives up.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The default server: a `tagar standalone` on this machine.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:50051";

/// A client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server address is not a URL.
    #[error("server: {0:?} is not a URL like {DEFAULT_SERVER}")]
    BadServer(String),
    /// The credential cannot be sent as a header.
    #[error("{0}: is not a valid header value")]
    BadCredential(&'static str),
    /// The server could not be reached.
    #[error("unavailable: cannot reach {server}: {reason}")]
    Unreachable {
        /// The server.
        server: String,
        /// Why, the innermost cause.
        reason: String,
    },
}

/// What a session sends with every call: an API key (`x-api-key`) or a bearer token.
#[derive(Clone)]
pub struct Credentials {
    header: &'static str,
    value: AsciiMetadataValue,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}: <redacted>)", self.header)
    }
}

impl Credentials {
    /// An API key, `tgr_<key id>_<secret>`.
    pub fn api_key(key: &str) -> Result<Self, ClientError> {
        let value = MetadataValue::try_from(key.trim())
            .map_err(|_| ClientError::BadCredential("api key"))?;
        Ok(Self {
            header: tagar_runtime::auth::API_KEY_HEADER,
            value,
        })
    }

    /// A signed token, sent as `authorization: Bearer <token>`.
    pub fn bearer(token: &str) -> Result<Self, ClientError> {
        let value = MetadataValue::try_from(format!("Bearer {}", token.trim()))
            .map_err(|_| ClientError::BadCredential("token"))?;
        Ok(Self {
            header: "authorization",
            value,
        })
    }
}

impl tonic::service::Interceptor for Credentials {
    fn call(&mut self, request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let mut request = tagar_runtime::telemetry::propagate_current_span(request)?;
        request
            .metadata_mut()
            .insert(self.header, self.value.clone());
        Ok(request)
    }
}

/// A channel that sends the credentials with every call; the typed clients wrap it.
pub type AuthedChannel = InterceptedService<Channel, Credentials>;
/// `tagar.v1.IngestService`.
pub type IngestClient = IngestServiceClient<AuthedChannel>;
/// `tagar.v1.ModerationService`.
pub type ModerationClient = ModerationServiceClient<AuthedChannel>;
/// `tagar.v1.SchedulingService`.
pub type SchedulingClient = SchedulingServiceClient<AuthedChannel>;
/// `tagar.v1.AnalyticsService`.
pub type AnalyticsClient = AnalyticsServiceClient<AuthedChannel>;

/// A connection to a Tagar server and the credentials every call carries. Cheap to clone;
/// clones share the connection.
#[derive(Debug, Clone)]
pub struct Session {
    channel: Channel,
    credentials: Credentials,
}

impl Session {
    /// Connects to `server` (`http://host:port`).
    pub async fn connect(server: &str, credentials: Credentials) -> Result<Self, ClientError> {
        let endpoint = Endpoint::from_shared(server.to_owned())
            .map_err(|_| ClientError::BadServer(server.to_owned()))?
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true);
        let channel = endpoint
            .connect()
            .await
            .map_err(|e| ClientError::Unreachable {
                server: server.to_owned(),
                reason: root_cause(&e),
            })?;
        Ok(Self {
            channel,
            credentials,
        })
    }

    /// The same connection with other credentials.
    pub fn with_credentials(&self, credentials: Credentials) -> Self {
        Self {
            channel: self.channel.clone(),
            credentials,
        }
    }

    /// The channel with credentials, for any generated client.
    pub fn channel(&self) -> AuthedChannel {
        InterceptedService::new(self.channel.clone(), self.credentials.clone())
    }

    /// The channel without credentials (health, reflection).
    pub fn plain_channel(&self) -> Channel {
        self.channel.clone()
    }

    /// The ingest service.
    pub fn ingest(&self) -> IngestClient {
        IngestServiceClient::new(self.channel())
    }

    /// The moderation service.
    pub fn moderation(&self) -> ModerationClient {
        ModerationServiceClient::new(self.channel())
    }

    /// The scheduling service.
    pub fn scheduling(&self) -> SchedulingClient {
        SchedulingServiceClient::new(self.channel())
    }

    /// The analytics service.
    pub fn analytics(&self) -> AnalyticsClient {
        AnalyticsServiceClient::new(self.channel())
    }
}

/// A unary request with the client's deadline, [`CALL_TIMEOUT`].
pub fn unary<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(CALL_TIMEOUT);
    request
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
