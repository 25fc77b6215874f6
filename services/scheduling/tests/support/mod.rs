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
