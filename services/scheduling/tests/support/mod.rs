//! Starting scheduling in either mode and calling it as a client would.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use prost::Message as _;
use tagar_host::testing;
use tagar_host::{Mode, Running, ServiceModule};
use tagar_proto::v1::Envelope;
use tagar_proto::v1::scheduling_service_client::SchedulingServiceClient;
use tagar_runtime::auth::{BrandScope, Role};
use tonic::transport::Channel;
use uuid::Uuid;

/// A running system: one or more processes sharing one database (and, distributed, one broker).
pub struct System {
    /// The processes.
    pub processes: Vec<Running>,
    _settings: testing::TestSettings,
}

/// Starts `processes` processes of scheduling in `mode` on one database. Standalone runs
/// one process (SQLite is a one-process database).
pub async fn start(mode: Mode, processes: usize) -> System {
    let test = testing::settings(mode).await;
    let settings = &test.settings;
    let modules: Vec<Arc<dyn ServiceModule>> = vec![Arc::new(tagar_scheduling::Scheduling)];
    let mut running = Vec::new();
    for _ in 0..processes {
        running.push(
            tagar_host::start(settings, mode, &modules)
                .await
                .expect("start"),
        );
    }
    System {
        processes: running,
        _settings: test,
    }
}

impl System {
    /// The first process.
    pub fn first(&self) -> &Running {
        &self.processes[0]
    }

    /// A client of the first process.
    pub async fn client(&self) -> Client {
        self.client_of(0).await
    }

    /// A client of process `i`.
    pub async fn client_of(&self, i: usize) -> Client {
        let addr = self.processes[i].grpc_addr;
        let channel = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        SchedulingServiceClient::new(channel)
    }

    /// A new API key: for a new tenant, or `tenant`'s.
    pub async fn key(&self, tenant: Option<Uuid>, role: Role, brands: BrandScope) -> Key {
        let tenant = tenant.unwrap_or_else(Uuid::now_v7);
        let secret = testing::mint_key(&self.first().platform, tenant, role, brands).await;
        Key { tenant, secret }
    }

    /// Stops every process.
    pub async fn stop(self) {
        for p in self.processes {
            tokio::time::timeout(Duration::from_secs(30), p.stop())
                .await
                .expect("drains")
                .expect("stops");
        }
    }
}

/// A scheduling client.
pub type Client = SchedulingServiceClient<Channel>;

/// An API key and its tenant.
#[derive(Clone)]
pub struct Key {
    /// The tenant.
    pub tenant: Uuid,
    /// `tgr_…`.
    pub secret: String,
}

impl Key {
    /// `message` with this key in `x-api-key`.
    pub fn call<T>(&self, message: T) -> tonic::Request<T> {
        testing::with_key(&self.secret, message)
    }
}

/// Reads `topic` from the start with a fresh group, and returns the envelopes whose
/// causation id is `cause`: all that arrive up to `settle` after the first one (at most 60 s).
pub async fn envelopes_caused_by(
    running: &Running,
    topic: &str,
    cause: &str,
    settle: Duration,
) -> Vec<Envelope> {
    let group = tagar_testkit::unique("scheduling-test");
    let mut consumer = running
        .platform
        .log
        .subscribe(&group, &[topic])
        .await
        .unwrap();
    let mut found = Vec::new();
    let mut deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::time::Instant::now() < deadline {
        for record in consumer
            .poll(500, Duration::from_millis(500))
            .await
            .unwrap()
        {
            let envelope = Envelope::decode(&record.value[..]).unwrap();
            if envelope.causation_id == cause {
                if found.is_empty() {
                    deadline = tokio::time::Instant::now() + settle;
                }
                found.push(envelope);
            }
        }
    }
    consumer.close().await.unwrap();
    found
}
