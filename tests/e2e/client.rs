//! gRPC clients with the test key, posts to push, and waiting for eventual outcomes.

use tagar_client::{AnalyticsClient, IngestClient, ModerationClient, SchedulingClient};
use tagar_kernel::testing::TestApp;
use tagar_proto::v1::{self as v1};

/// Clients of the four services, each on the process that serves it, with one key.
pub struct Clients {
    pub ingest: IngestClient,
    pub moderation: ModerationClient,
    pub scheduling: SchedulingClient,
    pub analytics: AnalyticsClient,
}

impl Clients {
    pub async fn connect(app: &TestApp, key: &str) -> Self {
        Self {
            ingest: app.connect_to("ingest", key).await.ingest(),
            moderation: app.connect_to("moderation", key).await.moderation(),
            scheduling: app.connect_to("scheduling", key).await.scheduling(),
            analytics: app.connect_to("analytics", key).await.analytics(),
        }
    }

    /// A new brand in `time_zone` with a rule listening for `#hashtag`: the brand's id.
    pub async fn brand_listening(&mut self, name: &str, time_zone: &str, hashtag: &str) -> String {
        let brand = self
            .scheduling
            .create_brand(v1::CreateBrandRequest {
                name: name.to_owned(),
                time_zone: time_zone.to_owned(),
            })
            .await
            .expect("create brand")
            .into_inner()
            .brand_id;
        self.ingest
            .add_listening_rule(v1::AddListeningRuleRequest {
                brand_id: brand.clone(),
                kind: v1::RuleKind::Hashtag as i32,
                pattern: hashtag.to_owned(),
            })
            .await
            .expect("add rule");
        brand
    }

    /// Connects the brand's X account `handle`: the account's id.
    pub async fn x_account(&mut self, brand: &str, handle: &str) -> String {
        self.scheduling
            .connect_account(v1::ConnectAccountRequest {
                brand_id: brand.to_owned(),
                network: v1::Network::X as i32,
                handle: handle.to_owned(),
            })
            .await
            .expect("connect account")
            .into_inner()
            .account_id
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
pub async fn totals(analytics: &mut AnalyticsClient, brand: &str) -> v1::MinuteActivity {
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

pub use tagar_kernel::testing::eventually;
