//! Scheduling on the shared test harness: the system, and callers of its API.

#![allow(dead_code)]

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use tagar_client::SchedulingClient;
use tagar_kernel::Mode;
use tagar_kernel::testing::TestApp;
use tagar_model::TenantId;
use tagar_runtime::auth::{BrandScope, Role};

/// Scheduling in `mode`, in `processes` processes on one database (and, distributed, one
/// broker). Standalone runs one process (SQLite is a one-process database).
pub async fn start(mode: Mode, processes: usize) -> TestApp {
    let mut app = TestApp::start(mode, vec![Arc::new(tagar_scheduling::Scheduling)]).await;
    for _ in 1..processes {
        app.replica().await;
    }
    app
}

/// A caller of the scheduling API with a key of its own.
pub struct Agent {
    /// Its tenant.
    pub tenant: TenantId,
    /// Its key.
    pub key: String,
    api: SchedulingClient,
}

impl Deref for Agent {
    type Target = SchedulingClient;
    fn deref(&self) -> &SchedulingClient {
        &self.api
    }
}

impl DerefMut for Agent {
    fn deref_mut(&mut self) -> &mut SchedulingClient {
        &mut self.api
    }
}

impl Agent {
    /// Creates a Jakarta brand, "Kopi Kita", with an account on `network`.
    pub async fn kopi_kita(
        &mut self,
        network: tagar_proto::v1::Network,
        handle: &str,
    ) -> (tagar_proto::v1::Brand, tagar_proto::v1::SocialAccount) {
        use tagar_client::unary;
        use tagar_proto::v1;
        let brand = self
            .create_brand(unary(v1::CreateBrandRequest {
                name: "Kopi Kita".into(),
                time_zone: "Asia/Jakarta".into(),
            }))
            .await
            .expect("create the brand")
            .into_inner();
        let account = self
            .connect_account(unary(v1::ConnectAccountRequest {
                brand_id: brand.brand_id.clone(),
                network: network as i32,
                handle: handle.into(),
                credentials: None,
            }))
            .await
            .expect("connect the account")
            .into_inner();
        (brand, account)
    }

    /// The same key, on process `i`.
    pub async fn on(&self, app: &TestApp, i: usize) -> SchedulingClient {
        app.connect(i, &self.key).await.scheduling()
    }
}

/// A caller with a new key of `role` and `brands`, for a new tenant or `tenant`.
pub async fn agent(
    app: &TestApp,
    tenant: Option<TenantId>,
    role: Role,
    brands: BrandScope,
) -> Agent {
    let tenant = tenant.unwrap_or_default();
    let key = app.key(tenant, role, brands).await;
    let api = app.connect(0, &key).await.scheduling();
    Agent { tenant, key, api }
}

/// The envelopes on `topic` whose causation id is `cause`: every one that arrives up to
/// `settle` after the first (which must come within a minute).
pub async fn caused_by(
    app: &TestApp,
    topic: &str,
    cause: &str,
    settle: std::time::Duration,
) -> Vec<tagar_proto::v1::Envelope> {
    let mut reader = app.reader(topic).await;
    let first = reader
        .find(std::time::Duration::from_secs(60), cause, |e| {
            (e.causation_id == cause).then(|| e.clone())
        })
        .await;
    let mut found = vec![first];
    found.extend(
        reader
            .for_a_while(settle)
            .await
            .into_iter()
            .filter(|e| e.causation_id == cause),
    );
    reader.close().await;
    found
}

/// A connector that makes its network call, and then the process dies: the call got
/// through, the commit never happens (the dispatcher's task is dropped mid-await, the state
/// a SIGKILL at that point leaves in the database and on the network).
pub struct DiesAfterTheCall {
    inner: Arc<dyn tagar_networks::Connector>,
    /// Set once the call got through.
    pub called: std::sync::atomic::AtomicBool,
}

impl DiesAfterTheCall {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn tagar_networks::Connector>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            called: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Waits until the call got through.
    pub async fn until_called(&self) {
        tagar_kernel::testing::eventually(std::time::Duration::from_secs(20), "the call", || {
            let called = self.called.load(std::sync::atomic::Ordering::SeqCst);
            async move { called.then_some(()) }
        })
        .await;
    }
}

#[async_trait::async_trait]
impl tagar_networks::Connector for DiesAfterTheCall {
    fn network(&self) -> tagar_model::Network {
        self.inner.network()
    }
    fn limits(&self) -> tagar_networks::Limits {
        self.inner.limits()
    }
    async fn verify(
        &self,
        credentials: &tagar_networks::Credentials,
    ) -> Result<tagar_networks::Identity, tagar_networks::NetworkError> {
        self.inner.verify(credentials).await
    }
    async fn publish(
        &self,
        account: &tagar_networks::Account<'_>,
        post: &tagar_networks::Publication<'_>,
    ) -> Result<tagar_networks::Delivered, tagar_networks::NetworkError> {
        self.inner.publish(account, post).await?;
        self.called.store(true, std::sync::atomic::Ordering::SeqCst);
        std::future::pending().await
    }
    async fn delete(
        &self,
        account: &tagar_networks::Account<'_>,
        native_id: &str,
    ) -> Result<(), tagar_networks::NetworkError> {
        self.inner.delete(account, native_id).await
    }
    async fn block(
        &self,
        account: &tagar_networks::Account<'_>,
        author: &str,
    ) -> Result<String, tagar_networks::NetworkError> {
        self.inner.block(account, author).await
    }
    fn refreshed(&self, account: uuid::Uuid) -> Option<tagar_networks::Credentials> {
        self.inner.refreshed(account)
    }
}

/// A dispatcher of the system's store publishing through `connector` alone (media fetched
/// from the test's own servers too), with a 30 s lease and `backoff` before the first retry.
pub fn dispatcher(
    system: &TestApp,
    connector: Arc<dyn tagar_networks::Connector>,
    backoff: std::time::Duration,
) -> tagar_scheduling::dispatcher::Dispatcher {
    let networks = tagar_scheduling::network::Networks::default()
        .with(connector)
        .with_media(tagar_networks::MediaFetcher::allowing_private_addresses());
    dispatcher_over(system, networks, backoff)
}

/// The same, publishing through `networks`.
pub fn dispatcher_over(
    system: &TestApp,
    networks: tagar_scheduling::network::Networks,
    backoff: std::time::Duration,
) -> tagar_scheduling::dispatcher::Dispatcher {
    let platform = system.platform();
    let config = tagar_scheduling::dispatcher::DispatcherConfig {
        lease: std::time::Duration::from_secs(30),
        backoff,
        ..Default::default()
    };
    tagar_scheduling::dispatcher::Dispatcher::new(
        platform.store.clone(),
        Arc::new(tagar_scheduling::network::Loopback),
        &platform.metrics,
        config,
    )
    .expect("a dispatcher")
    .with_networks(networks, platform.vault.clone())
}

/// Drafts, approves and schedules `text` for `account` `ahead` of now (Jakarta wall clock);
/// the post's id.
pub async fn schedule(
    admin: &mut Agent,
    brand: &str,
    account: &str,
    text: &str,
    ahead: chrono::Duration,
) -> String {
    schedule_with_media(admin, brand, account, text, vec![], ahead).await
}

/// The same, with `media`.
pub async fn schedule_with_media(
    admin: &mut Agent,
    brand: &str,
    account: &str,
    text: &str,
    media: Vec<tagar_proto::v1::Media>,
    ahead: chrono::Duration,
) -> String {
    use tagar_client::unary;
    use tagar_proto::v1;
    let draft = admin
        .create_draft(unary(v1::CreateDraftRequest {
            brand_id: brand.into(),
            account_id: account.into(),
            text: text.into(),
            media,
        }))
        .await
        .expect("draft")
        .into_inner();
    admin
        .approve_post(unary(v1::ApprovePostRequest {
            brand_id: brand.into(),
            post_id: draft.post_id.clone(),
            expected_version: draft.version,
        }))
        .await
        .expect("approve");
    let at = (chrono::Utc::now() + ahead).with_timezone(&chrono_tz::Asia::Jakarta);
    admin
        .schedule_post(unary(v1::SchedulePostRequest {
            brand_id: brand.into(),
            post_id: draft.post_id.clone(),
            local_time: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            expected_version: 0,
        }))
        .await
        .expect("schedule");
    draft.post_id
}

/// The post as the API shows it.
pub async fn get(admin: &mut Agent, brand: &str, post: &str) -> tagar_proto::v1::ScheduledPost {
    admin
        .get_scheduled_post(tagar_client::unary(
            tagar_proto::v1::GetScheduledPostRequest {
                brand_id: brand.into(),
                post_id: post.into(),
            },
        ))
        .await
        .expect("get the post")
        .into_inner()
}

/// Waits until the system's own dispatcher has published `post`.
pub async fn published(admin: &Agent, brand: &str, post: &str) -> tagar_proto::v1::ScheduledPost {
    tagar_kernel::testing::eventually(
        std::time::Duration::from_secs(30),
        "the post published",
        || {
            let mut api: SchedulingClient = (**admin).clone();
            let (brand, post) = (brand.to_owned(), post.to_owned());
            async move {
                let now = api
                    .get_scheduled_post(tagar_client::unary(
                        tagar_proto::v1::GetScheduledPostRequest {
                            brand_id: brand,
                            post_id: post,
                        },
                    ))
                    .await
                    .ok()?
                    .into_inner();
                (now.state() == tagar_proto::v1::PostState::Published).then_some(now)
            }
        },
    )
    .await
}

/// Creates "Kopi Kita", a Jakarta brand; its id.
pub async fn jakarta_brand(admin: &mut Agent) -> String {
    admin
        .create_brand(tagar_client::unary(tagar_proto::v1::CreateBrandRequest {
            name: "Kopi Kita".into(),
            time_zone: "Asia/Jakarta".into(),
        }))
        .await
        .expect("create the brand")
        .into_inner()
        .brand_id
}

/// Connects the Mastodon account `kopikita` on the server at `instance` with `token` to
/// `brand`.
pub async fn connect_mastodon(
    admin: &mut Agent,
    brand: &str,
    instance: &str,
    token: String,
) -> tagar_proto::v1::SocialAccount {
    use tagar_proto::v1;
    admin
        .connect_account(tagar_client::unary(v1::ConnectAccountRequest {
            brand_id: brand.into(),
            network: v1::Network::Mastodon as i32,
            handle: "kopikita".into(),
            credentials: Some(v1::connect_account_request::Credentials::Mastodon(
                v1::MastodonCredentials {
                    instance: instance.into(),
                    access_token: token,
                },
            )),
        }))
        .await
        .expect("connected")
        .into_inner()
}
