//! Starting and stopping the system's processes.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One process of the system, by what it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `tagar standalone`: everything.
    Standalone,
    /// `tagar serve ingest`.
    Ingest,
    /// `tagar serve moderation`.
    Moderation,
    /// `tagar serve scheduling`.
    Scheduling,
    /// `tagar serve analytics`.
    Analytics,
}

impl Role {
    fn serve_name(self) -> &'static str {
        match self {
            Role::Standalone => "standalone",
            Role::Ingest => "ingest",
            Role::Moderation => "moderation",
            Role::Scheduling => "scheduling",
            Role::Analytics => "analytics",
        }
    }
}

struct Process {
    role: Role,
    grpc: u16,
    admin: u16,
    child: Child,
}

/// A running system.
pub struct System {
    processes: Vec<Process>,
    env: Vec<(String, String)>,
    data_dir: tempfile::TempDir,
    /// The API key every call sends (an admin key of the test tenant).
    pub api_key: String,
}

fn tagar() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tagar"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
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

impl System {
    /// `tagar standalone` in a temporary data directory.
    pub async fn standalone() -> Self {
        let mut system = Self {
            processes: Vec::new(),
            env: Vec::new(),
            data_dir: tempfile::tempdir().unwrap(),
            api_key: String::new(),
        };
        system.start(Role::Standalone).await;
        let key = std::fs::read_to_string(system.data_dir.path().join("admin.key"))
            .expect("standalone wrote admin.key");
        system.api_key = key.trim().to_owned();
        system
    }

    /// The four `tagar serve` processes on a fresh PostgreSQL database and the test broker.
    pub async fn distributed() -> Self {
        let database = tagar_testkit::fresh_postgres().await;
        let env = vec![
            ("TAGAR__DATABASE__URL".to_owned(), database.clone()),
            (
                "TAGAR__KAFKA__BROKERS".to_owned(),
                tagar_testkit::dedicated_kafka_brokers(),
            ),
            ("TAGAR__KAFKA__PARTITIONS".to_owned(), "2".to_owned()),
            (
                "TAGAR__KAFKA__SESSION_TIMEOUT_MS".to_owned(),
                tagar_testkit::SESSION_TIMEOUT_MS.to_string(),
            ),
            (
                "TAGAR__KAFKA__MAX_POLL_INTERVAL_MS".to_owned(),
                tagar_testkit::MAX_POLL_INTERVAL_MS.to_string(),
            ),
        ];
        let mut system = Self {
            processes: Vec::new(),
            env,
            data_dir: tempfile::tempdir().unwrap(),
            api_key: String::new(),
        };
        for role in [
            Role::Scheduling,
            Role::Ingest,
            Role::Moderation,
            Role::Analytics,
        ] {
            system.start(role).await;
        }
        let out = Command::new(tagar())
            .args([
                "keys",
                "create",
                "--role",
                "admin",
                "--label",
                "e2e",
                "--database-url",
                &database,
            ])
            .output()
            .expect("tagar keys create");
        assert!(
            out.status.success(),
            "keys create: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        system.api_key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        system
    }

    fn spawn(&self, role: Role, grpc: u16, admin: u16) -> Child {
        let mut command = Command::new(tagar());
        match role {
            Role::Standalone => command.args([
                "standalone",
                "--data-dir",
                self.data_dir.path().to_str().unwrap(),
            ]),
            other => command.args(["serve", other.serve_name()]),
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(
                self.data_dir
                    .path()
                    .join(format!("{}.log", role.serve_name())),
            )
            .expect("process log");
        command
            .args([
                "--grpc-listen",
                &format!("127.0.0.1:{grpc}"),
                "--admin-listen",
                &format!("127.0.0.1:{admin}"),
            ])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("TAGAR__TELEMETRY__FILTER", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn tagar")
    }

    async fn start(&mut self, role: Role) {
        let (grpc, admin) = (free_port(), free_port());
        let child = self.spawn(role, grpc, admin);
        self.processes.push(Process {
            role,
            grpc,
            admin,
            child,
        });
        self.wait_healthy(role).await;
    }

    async fn wait_healthy(&mut self, role: Role) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let index = self.processes.iter().position(|p| p.role == role).unwrap();
        loop {
            if healthy(self.processes[index].admin).await {
                return;
            }
            if let Ok(Some(status)) = self.processes[index].child.try_wait() {
                panic!("{role:?} exited ({status}); log:\n{}", self.log(role));
            }
            assert!(
                Instant::now() < deadline,
                "{role:?} not healthy within 60 s; log:\n{}",
                self.log(role)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What a process wrote so far.
    pub fn log(&self, role: Role) -> String {
        std::fs::read_to_string(
            self.data_dir
                .path()
                .join(format!("{}.log", role.serve_name())),
        )
        .unwrap_or_default()
    }

    /// The gRPC endpoint that serves `role`'s API (everything, in standalone).
    pub fn endpoint(&self, role: Role) -> String {
        let process = self
            .processes
            .iter()
            .find(|p| p.role == role || p.role == Role::Standalone)
            .expect("process");
        format!("http://127.0.0.1:{}", process.grpc)
    }

    /// Kills a process the hard way (SIGKILL: no drain, no goodbye), then starts it again on
    /// the same ports and data, and waits until it is healthy.
    pub async fn kill_and_restart(&mut self, role: Role) {
        let index = self
            .processes
            .iter()
            .position(|p| p.role == role)
            .expect("process");
        let process = &mut self.processes[index];
        process.child.kill().expect("kill");
        process.child.wait().expect("reap");
        let (grpc, admin) = (process.grpc, process.admin);
        let child = self.spawn(role, grpc, admin);
        self.processes[index].child = child;
        self.wait_healthy(role).await;
    }
}

impl Drop for System {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Show what each process said, so a failure can be read from the test output.
            for p in &self.processes {
                let log = self.log(p.role);
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                eprintln!("---- {:?} log (last {} lines) ----", p.role, tail.len());
                for line in tail.iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
        for p in &mut self.processes {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}
