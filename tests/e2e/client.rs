//! gRPC clients with the test key, posts to push, and waiting for eventual outcomes.

use tagar_proto::v1::analytics_service_client::AnalyticsServiceClient;
use tagar_proto::v1::ingest_service_client::IngestServiceClient;
use tagar_proto::v1::moderation_service_client::ModerationServiceClient;
use tagar_proto::v1::scheduling_service_client::SchedulingServiceClient;
use tagar_proto::v1::{self as v1};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::system::{Role, System};

/// Adds the API key to every call.
#[derive(Clone)]
pub struct Key(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for Key {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request.metadata_mut().insert("x-api-key", self.0.clone());
        Ok(request)
    }
}

type Authed = InterceptedService<Channel, Key>;

async fn channel(system: &System, role: Role) -> (Channel, Key) {
    let channel = Channel::from_shared(system.endpoint(role))
        .unwrap()
        .connect()
        .await
        .expect("connect");
    (channel, Key(system.api_key.parse().unwrap()))
}

/// Clients of the four services.
pub struct Clients {
    pub ingest: IngestServiceClient<Authed>,
    pub moderation: ModerationServiceClient<Authed>,
    pub scheduling: SchedulingServiceClient<Authed>,
    pub analytics: AnalyticsServiceClient<Authed>,
}

impl Clients {
    pub async fn connect(system: &System) -> Self {
        let (c, k) = channel(system, Role::Ingest).await;
        let ingest = IngestServiceClient::with_interceptor(c, k);
        let (c, k) = channel(system, Role::Moderation).await;
        let moderation = ModerationServiceClient::with_interceptor(c, k);
        let (c, k) = channel(system, Role::Scheduling).await;
        let scheduling = SchedulingServiceClient::with_interceptor(c, k);
        let (c, k) = channel(system, Role::Analytics).await;
        let analytics = AnalyticsServiceClient::with_interceptor(c, k);
        Self {
            ingest,
            moderation,
            scheduling,
            analytics,
        }
    }

    /// Pushes posts in one stream and returns the response.
    pub async fn push(
        &mut self,
        posts: Vec<v1::Post>,
    ) -> Result<v1::PushPostsResponse, tonic::Status> {
        let requests: Vec<_> = posts
            .chunks(500)
            .map(|c| v1::PushPostsRequest { posts: c.to_vec() })
            .collect();
        Ok(self
            .ingest
            .push_posts(tokio_stream::iter(requests))
            .await?
            .into_inner())
    }
}

/// The brand's totals over the last day (and the next hour, for clock skew).
pub async fn totals(
    analytics: &mut AnalyticsServiceClient<Authed>,
    brand: &str,
) -> v1::MinuteActivity {
    let now = chrono::Utc::now();
    let request = v1::GetBrandActivityRequest {
        brand_id: brand.to_owned(),
        from: Some(tagar_proto::convert::time_to_wire(
            now - chrono::Duration::hours(24),
        )),
        to: Some(tagar_proto::convert::time_to_wire(
            now + chrono::Duration::hours(1),
        )),
    };
    analytics
        .get_brand_activity(request)
        .await
        .expect("activity")
        .into_inner()
        .total
        .unwrap_or_default()
}

/// A post by `author` on X, created now, with `text`.
pub fn post(native_id: &str, author: &str, text: &str) -> v1::Post {
    v1::Post {
        network: v1::Network::X as i32,
        native_id: native_id.to_owned(),
        author: Some(v1::Author {
            id: format!("id-{author}"),
            handle: author.to_owned(),
            display_name: author.to_owned(),
            followers: 120,
            account_created_at: Some(tagar_proto::convert::time_to_wire(
                chrono::Utc::now() - chrono::Duration::days(900),
            )),
            ..Default::default()
        }),
        text: text.to_owned(),
        created_at: Some(tagar_proto::convert::time_to_wire(chrono::Utc::now())),
        metrics: Some(v1::PostMetrics {
            likes: 3,
            reposts: 1,
            replies: 0,
            quotes: 0,
            views: 100,
        }),
        ..Default::default()
    }
}

pub use tagar_host::testing::eventually;
