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
        tagar_kernel::testing::brand_listening(
            &mut self.scheduling,
            &mut self.ingest,
            (name, time_zone),
            hashtag,
        )
        .await
    }

    /// Connects the brand's X account `handle`: the account's id.
    pub async fn x_account(&mut self, brand: &str, handle: &str) -> String {
        self.scheduling
            .connect_account(v1::ConnectAccountRequest {
                brand_id: brand.to_owned(),
                network: v1::Network::X as i32,
                handle: handle.to_owned(),
                credentials: None,
            })
            .await
            .expect("connect account")
            .into_inner()
            .account_id
    }

    /// Drafts, approves and schedules `text` on `account` `seconds` from now (Jakarta wall
    /// clock): the post's id.
    pub async fn schedule_in(
        &mut self,
        brand: &str,
        account: String,
        text: &str,
        seconds: i64,
    ) -> String {
        let draft = self
            .scheduling
            .create_draft(v1::CreateDraftRequest {
                brand_id: brand.to_owned(),
                account_id: account,
                text: text.into(),
                media: vec![],
            })
            .await
            .expect("draft")
            .into_inner();
        let approved = self
            .scheduling
            .approve_post(v1::ApprovePostRequest {
                brand_id: brand.to_owned(),
                post_id: draft.post_id.clone(),
                expected_version: draft.version,
            })
            .await
            .expect("approve")
            .into_inner();
        let at = (chrono::Utc::now() + chrono::Duration::seconds(seconds))
            .with_timezone(&chrono_tz::Asia::Jakarta)
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string();
        self.scheduling
            .schedule_post(v1::SchedulePostRequest {
                brand_id: brand.to_owned(),
                post_id: draft.post_id.clone(),
                local_time: at,
                expected_version: approved.version,
            })
            .await
            .expect("schedule");
        draft.post_id
    }

    /// The post once it is published (waiting at most `wait`).
    pub async fn published(
        &self,
        brand: &str,
        post: &str,
        wait: std::time::Duration,
    ) -> v1::ScheduledPost {
        eventually(wait, "the scheduled post published", || {
            let mut scheduling = self.scheduling.clone();
            let request = v1::GetScheduledPostRequest {
                brand_id: brand.to_owned(),
                post_id: post.to_owned(),
            };
            async move {
                let p = scheduling
                    .get_scheduled_post(request)
                    .await
                    .ok()?
                    .into_inner();
                (p.state() == v1::PostState::Published).then_some(p)
            }
        })
        .await
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

pub use tagar_kernel::testing::eventually;
