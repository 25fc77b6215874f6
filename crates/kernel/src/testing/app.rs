//! [`TestApp`]: a running Tagar for a test, in either mode, hosted in the test process or as
//! the real `tagar` binary's processes.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use tagar_client::{Credentials, Session};
use tagar_eventlog::EventLog;
use tagar_eventlog::kafka::KafkaLog;
use tagar_model::TenantId;
use tagar_proto::v1::Envelope;
use tagar_runtime::auth::{ApiKey, BrandScope, Role};
use tagar_store::{SqlLog, SqlLogConfig, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::reader::TopicReader;
use super::{TestSettings, settings};
use crate::{Mode, Platform, Running, ServiceModule};

/// How a test's Tagar runs.
#[derive(Clone)]
pub enum Launch {
    /// These services, in the test's own process (one process, or several replicas with
    /// [`TestApp::replica`]).
    Hosted(Vec<Arc<dyn ServiceModule>>),
    /// The `tagar` binary at this path, as a user runs it: `tagar standalone`, or one
    /// `tagar serve <service>` process per service (distributed).
    Binary(PathBuf),
}

/// The services `tagar serve` runs, each in a process of its own.
const SERVICES: [&str; 4] = ["scheduling", "ingest", "moderation", "analytics"];

enum Process {
    Hosted(Box<Running>),
    Child(ChildProcess),
}

struct ChildProcess {
    service: &'static str,
    child: Child,
    grpc: u16,
    admin: u16,
}

/// A running Tagar for one test: its processes, its storage, and clients for it.
///
/// Stop it with [`TestApp::stop`] (a clean drain, which the test then asserts); dropped
/// without, its child processes are killed and, when the test failed, their logs printed.
pub struct TestApp {
    /// The mode it runs in.
    pub mode: Mode,
    launch: Launch,
    test: TestSettings,
    processes: Vec<Process>,
    store: Store,
    log: Arc<dyn EventLog>,
}

impl TestApp {
    /// Starts `modules` in `mode`, hosted in this process.
    pub async fn start(mode: Mode, modules: Vec<Arc<dyn ServiceModule>>) -> Self {
        Self::launch(mode, Launch::Hosted(modules)).await
    }

    /// Starts the `tagar` binary at `binary` in `mode`: the end-to-end tests' system.
    pub async fn binary(mode: Mode, binary: impl Into<PathBuf>) -> Self {
        Self::launch(mode, Launch::Binary(binary.into())).await
    }

    /// Starts Tagar as `launch` says, in `mode`, on fresh storage.
    pub async fn launch(mode: Mode, launch: Launch) -> Self {
        Self::launch_with(mode, launch, |_| {}).await
    }

    /// Starts `modules` hosted in this process, with settings `configure` changes (limits,
    /// say).
    pub async fn start_with(
        mode: Mode,
        modules: Vec<Arc<dyn ServiceModule>>,
        configure: impl FnOnce(&mut crate::Settings),
    ) -> Self {
        Self::launch_with(mode, Launch::Hosted(modules), configure).await
    }

    /// Starts Tagar as `launch` says, in `mode`, on fresh storage, with settings `configure`
    /// changes. Child processes get the changes that travel in their environment (storage,
    /// `networks.*`).
    pub async fn launch_with(
        mode: Mode,
        launch: Launch,
        configure: impl FnOnce(&mut crate::Settings),
    ) -> Self {
        Self::launch_only(mode, launch, &SERVICES, configure).await
    }

    /// Starts only `services` of the `tagar` binary at `binary` (distributed, one process
    /// each), with settings `configure` changes: a part of the system, for a benchmark.
    pub async fn binary_services(
        binary: impl Into<PathBuf>,
        services: &[&'static str],
        configure: impl FnOnce(&mut crate::Settings),
    ) -> Self {
        Self::launch_only(
            Mode::Distributed,
            Launch::Binary(binary.into()),
            services,
            configure,
        )
        .await
    }

    async fn launch_only(
        mode: Mode,
        launch: Launch,
        distributed: &[&'static str],
        configure: impl FnOnce(&mut crate::Settings),
    ) -> Self {
        let mut test = settings(mode).await;
        configure(&mut test.settings);
        let processes = match &launch {
            Launch::Hosted(modules) => {
                vec![Process::Hosted(Box::new(host(&test, mode, modules).await))]
            }
            Launch::Binary(binary) => {
                let services: &[&'static str] = match mode {
                    Mode::Standalone => &["standalone"],
                    Mode::Distributed => distributed,
                };
                let mut children = Vec::new();
                for service in services {
                    let child = spawn_child(binary, &test, service, free_port(), free_port());
                    children.push(Process::Child(wait_healthy(child, &test).await));
                }
                children
            }
        };
        let (store, log) = match processes.first() {
            Some(Process::Hosted(running)) => (
                running.platform.store.clone(),
                Arc::clone(&running.platform.log),
            ),
            _ => connect_storage(&test, mode).await,
        };
        Self {
            mode,
            launch,
            test,
            processes,
            store,
            log,
        }
    }

    /// Starts another hosted process of the same services on the same storage (distributed:
    /// another replica). Returns its index.
    pub async fn replica(&mut self) -> usize {
        let Launch::Hosted(modules) = &self.launch else {
            panic!("replicas are for hosted systems");
        };
        let running = host(&self.test, self.mode, modules).await;
        self.processes.push(Process::Hosted(Box::new(running)));
        self.processes.len() - 1
    }

    /// Starts another `tagar serve <service>` process on the same storage (child processes,
    /// distributed): another replica of that service. Returns its index.
    pub async fn spawn_replica(&mut self, service: &str) -> usize {
        let Launch::Binary(binary) = &self.launch else {
            panic!("spawn_replica is for child processes; use replica");
        };
        let name = SERVICES
            .into_iter()
            .find(|s| *s == service)
            .unwrap_or_else(|| panic!("no service {service}"));
        let child = spawn_child(binary, &self.test, name, free_port(), free_port());
        let child = wait_healthy(child, &self.test).await;
        self.processes.push(Process::Child(child));
        self.processes.len() - 1
    }

    /// The indexes of the processes that serve `service`, in the order they started.
    pub fn processes_of(&self, service: &str) -> Vec<usize> {
        (0..self.processes.len())
            .filter(|&i| match &self.processes[i] {
                Process::Child(c) => c.service == service || c.service == "standalone",
                Process::Hosted(_) => true,
            })
            .collect()
    }

    /// The admin address (`/healthz`, `/metrics`) of process `i`.
    pub fn admin_url(&self, i: usize) -> String {
        match &self.processes[i] {
            Process::Hosted(running) => format!("http://{}", running.admin_addr),
            Process::Child(child) => format!("http://127.0.0.1:{}", child.admin),
        }
    }

    /// What process `i` serves on `/metrics` (the Prometheus text format).
    pub async fn metrics(&self, i: usize) -> String {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let url = self.admin_url(i);
        let address = url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: tagar\r\nConnection: close\r\n\r\n")
            .await
            .expect("ask for the metrics");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .await
            .expect("read the metrics");
        response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default()
    }

    /// The first hosted process's platform: its store, log, metrics.
    pub fn platform(&self) -> &Platform {
        match self.processes.first() {
            Some(Process::Hosted(running)) => &running.platform,
            _ => panic!("the platform is only at hand in hosted systems"),
        }
    }

    /// Process `i` (hosted).
    pub fn running(&self, i: usize) -> &Running {
        match &self.processes[i] {
            Process::Hosted(running) => running,
            Process::Child(_) => panic!("process {i} is a child process"),
        }
    }

    /// The store the system writes (a connection of the test's own for child processes).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The event log the system uses.
    pub fn log(&self) -> Arc<dyn EventLog> {
        Arc::clone(&self.log)
    }

    /// The settings the system was started with (its storage, its broker).
    pub fn settings(&self) -> &crate::Settings {
        &self.test.settings
    }

    /// The test's own directory (the standalone data directory).
    pub fn dir(&self) -> &Path {
        self.test.dir()
    }

    /// A new API key of `tenant` with `role` and `brands`.
    pub async fn key(&self, tenant: TenantId, role: Role, brands: BrandScope) -> String {
        let (plain, stored) = ApiKey::generate(tenant, role, brands);
        self.store
            .save_key(&stored, "test")
            .await
            .expect("save the test key");
        plain.expose().to_owned()
    }

    /// The gRPC address of process `i`.
    pub fn grpc_url(&self, i: usize) -> String {
        match &self.processes[i] {
            Process::Hosted(running) => format!("http://{}", running.grpc_addr),
            Process::Child(child) => format!("http://127.0.0.1:{}", child.grpc),
        }
    }

    /// The gRPC address that serves `service` (`ingest`, …): the one process when it runs
    /// every service.
    pub fn url_of(&self, service: &str) -> String {
        let index = self
            .processes
            .iter()
            .position(|p| match p {
                Process::Child(c) => c.service == service || c.service == "standalone",
                Process::Hosted(_) => true,
            })
            .unwrap_or_else(|| panic!("no process serves {service}"));
        self.grpc_url(index)
    }

    /// A session of `key` on process `i`.
    pub async fn connect(&self, i: usize, key: &str) -> Session {
        session(&self.grpc_url(i), key).await
    }

    /// A session of `key` on the process that serves `service`.
    pub async fn connect_to(&self, service: &str, key: &str) -> Session {
        session(&self.url_of(service), key).await
    }

    /// A session of a new key of `tenant` with `role` and `brands`, on the first process.
    pub async fn session(&self, tenant: TenantId, role: Role, brands: BrandScope) -> Session {
        let key = self.key(tenant, role, brands).await;
        self.connect(0, &key).await
    }

    /// Publishes `envelopes` to `topic` as the service writing it would, each keyed by `key`.
    pub async fn publish(
        &self,
        topic: &str,
        envelopes: &[Envelope],
        key: impl Fn(&Envelope) -> String,
    ) {
        let records: Vec<_> = envelopes
            .iter()
            .map(|e| crate::events::outgoing(e, key(e)))
            .collect();
        self.log
            .publish(topic, &records)
            .await
            .expect("publish to the test log");
    }

    /// Reads `topic` from its start with a consumer group of its own.
    pub async fn reader(&self, topic: &str) -> TopicReader {
        TopicReader::open(self.log(), topic).await
    }

    /// Stops every process and starts them again on the same storage: hosted processes
    /// drain; child processes are killed with SIGKILL, as a crash would.
    pub async fn restart(&mut self) {
        let count = self.processes.len();
        let old = std::mem::take(&mut self.processes);
        for process in old {
            match process {
                Process::Hosted(running) => stop_hosted(*running).await,
                Process::Child(mut child) => {
                    let _ = child.child.kill();
                    let _ = child.child.wait();
                }
            }
        }
        match &self.launch {
            Launch::Hosted(modules) => {
                for _ in 0..count {
                    let running = host(&self.test, self.mode, modules).await;
                    self.processes.push(Process::Hosted(Box::new(running)));
                }
                if let Some(Process::Hosted(running)) = self.processes.first() {
                    self.store = running.platform.store.clone();
                    self.log = Arc::clone(&running.platform.log);
                }
            }
            Launch::Binary(_) => panic!("restart a child process with kill_and_restart"),
        }
    }

    /// Kills the child process serving `service` with SIGKILL (no drain, no goodbye), starts
    /// it again on the same ports and storage, and waits until it is healthy.
    pub async fn kill_and_restart(&mut self, service: &str) {
        let Launch::Binary(binary) = self.launch.clone() else {
            panic!("kill_and_restart is for child processes; use restart");
        };
        let index = self
            .processes
            .iter()
            .position(|p| matches!(p, Process::Child(c) if c.service == service))
            .unwrap_or_else(|| panic!("no process serves {service}"));
        let Process::Child(child) = &mut self.processes[index] else {
            unreachable!("found as a child")
        };
        child.child.kill().expect("kill");
        child.child.wait().expect("reap");
        let (name, grpc, admin) = (child.service, child.grpc, child.admin);
        let fresh = spawn_child(&binary, &self.test, name, grpc, admin);
        self.processes[index] = Process::Child(wait_healthy(fresh, &self.test).await);
    }

    /// What child process `service` wrote to its log so far.
    pub fn child_log(&self, service: &str) -> String {
        std::fs::read_to_string(log_path(&self.test, service)).unwrap_or_default()
    }

    /// Stops every process: hosted ones must drain within 30 s and stop cleanly.
    pub async fn stop(mut self) {
        for process in std::mem::take(&mut self.processes) {
            match process {
                Process::Hosted(running) => stop_hosted(*running).await,
                Process::Child(mut child) => {
                    let _ = child.child.kill();
                    let _ = child.child.wait();
                }
            }
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        for process in &mut self.processes {
            let Process::Child(child) = process else {
                continue;
            };
            if panicking {
                // Show what the process said, so a failure can be read from the test output.
                let log = std::fs::read_to_string(log_path(&self.test, child.service))
                    .unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                eprintln!(
                    "---- {} log (last {} lines) ----",
                    child.service,
                    tail.len()
                );
                for line in tail.iter().rev() {
                    eprintln!("{line}");
                }
            }
            let _ = child.child.kill();
            let _ = child.child.wait();
        }
    }
}

async fn host(test: &TestSettings, mode: Mode, modules: &[Arc<dyn ServiceModule>]) -> Running {
    crate::start(&test.settings, mode, modules)
        .await
        .expect("the test system starts")
}

async fn stop_hosted(running: Running) {
    tokio::time::timeout(Duration::from_secs(30), running.stop())
        .await
        .expect("drains within 30 s")
        .expect("stops cleanly");
}

async fn session(url: &str, key: &str) -> Session {
    let credentials = Credentials::api_key(key).expect("a test key is ASCII");
    Session::connect(url, credentials)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

/// The store and log of a system run by child processes, opened by the test itself.
async fn connect_storage(test: &TestSettings, mode: Mode) -> (Store, Arc<dyn EventLog>) {
    let database = match mode {
        Mode::Standalone => test.settings.standalone.database(),
        Mode::Distributed => test.settings.database.clone(),
    };
    let store = Store::connect(&database)
        .await
        .expect("open the system's store");
    let log: Arc<dyn EventLog> = match mode {
        Mode::Standalone => Arc::new(SqlLog::new(store.clone(), SqlLogConfig::default())),
        Mode::Distributed => Arc::new(
            KafkaLog::connect(test.settings.kafka.clone()).expect("connect to the test broker"),
        ),
    };
    (store, log)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn log_path(test: &TestSettings, service: &str) -> PathBuf {
    test.dir().join(format!("{service}.log"))
}

/// Starts `tagar standalone` or `tagar serve <service>` with the test's storage in its
/// environment, its output appended to `<dir>/<service>.log`.
fn spawn_child(
    binary: &Path,
    test: &TestSettings,
    service: &'static str,
    grpc: u16,
    admin: u16,
) -> ChildProcess {
    let mut command = Command::new(binary);
    match service {
        "standalone" => command.args(["standalone", "--data-dir"]).arg(test.dir()),
        name => command.args(["serve", name]),
    };
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(test, service))
        .expect("process log");
    command
        .args(["--grpc-listen", &format!("127.0.0.1:{grpc}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")]);
    if service != "standalone" {
        let s = &test.settings;
        command
            .env("TAGAR__DATABASE__URL", s.database.url.expose_secret())
            .env("TAGAR__KAFKA__BROKERS", &s.kafka.brokers)
            .env("TAGAR__KAFKA__PARTITIONS", s.kafka.partitions.to_string())
            .env(
                "TAGAR__KAFKA__SESSION_TIMEOUT_MS",
                s.kafka.session_timeout_ms.to_string(),
            )
            .env(
                "TAGAR__KAFKA__MAX_POLL_INTERVAL_MS",
                s.kafka.max_poll_interval_ms.to_string(),
            );
        if let Some(keys) = &s.vault.master_keys_file {
            command.env("TAGAR__VAULT__MASTER_KEYS_FILE", keys);
        }
    }
    let networks = &test.settings.networks;
    if let Some(firehose) = &networks.bluesky_firehose {
        command.env("TAGAR__NETWORKS__BLUESKY_FIREHOSE", firehose);
    }
    command
        .env(
            "TAGAR__NETWORKS__POLL_SECONDS",
            networks.poll_seconds.to_string(),
        )
        .env(
            "TAGAR__NETWORKS__MEDIA_PRIVATE_ADDRESSES",
            networks.media_private_addresses.to_string(),
        )
        .env(
            "TAGAR__NETWORKS__PUBLISH_LEASE_SECONDS",
            networks.publish_lease_seconds.to_string(),
        )
        .env(
            "TAGAR__TELEMETRY__FILTER",
            std::env::var("TAGAR_TEST_CHILD_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log);
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", binary.display()));
    ChildProcess {
        service,
        child,
        grpc,
        admin,
    }
}

/// Waits (at most a minute) until the child answers `/healthz` with 200.
async fn wait_healthy(mut child: ChildProcess, test: &TestSettings) -> ChildProcess {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if healthy(child.admin).await {
            return child;
        }
        let log = || std::fs::read_to_string(log_path(test, child.service)).unwrap_or_default();
        if let Ok(Some(status)) = child.child.try_wait() {
            panic!("{} exited ({status}); log:\n{}", child.service, log());
        }
        assert!(
            Instant::now() < deadline,
            "{} not healthy within 60 s; log:\n{}",
            child.service,
            log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn healthy(admin: u16) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", admin)).await else {
        return false;
    };
    let request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response).await;
    response.starts_with("HTTP/1.1 200")
}
