//! Servers a fault test may restart under a running system: a PostgreSQL cluster and a Tansu
//! broker of the test's own, on free ports, keeping their data across restarts. The shared
//! test server and brokers are never touched, so other tests are not disturbed.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The directory of Debian's PostgreSQL server binaries (`initdb`, `pg_ctl`), newest first.
fn postgres_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    versions.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL's server binaries are not installed: run deploy/local/ensure-postgres.sh"
        )
    })
}

/// Whether this process runs as root (its `/proc/self` belongs to uid 0).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Runs `program` as the `postgres` user when this process is root (PostgreSQL refuses to
/// run as root), as this user otherwise.
fn as_postgres(program: &Path) -> Command {
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A PostgreSQL cluster of the test's own, started with `initdb` in a temporary directory,
/// trusting local connections.
pub struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PrivatePostgres {
    /// A new cluster, running.
    pub fn start() -> Self {
        let bin = postgres_bin();
        let dir = tempfile::Builder::new()
            .prefix("tagar-pg-")
            .tempdir()
            .expect("a directory");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("data directory");
        if running_as_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success(), "chown the cluster directory to postgres");
        }
        let out = as_postgres(&bin.join("initdb"))
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "-D",
            ])
            .arg(&data)
            .output()
            .expect("initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cluster = Self {
            bin,
            data,
            port: free_port(),
            _dir: dir,
        };
        cluster.pg_ctl(&["start", "-w"]);
        cluster
    }

    fn pg_ctl(&self, args: &[&str]) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.display()
        );
        let out = as_postgres(&self.bin.join("pg_ctl"))
            .args(args)
            .arg("-D")
            .arg(&self.data)
            .args(["-o", &options, "-l"])
            .arg(self.data.join("server.log"))
            .stdin(Stdio::null())
            .output()
            .expect("pg_ctl");
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if args.contains(&"start") || args.contains(&"restart") {
            wait_listening(self.port, "PostgreSQL");
        }
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops it at once (every connection cut, as a crash or a failover would), and starts
    /// it again on the same port and data.
    pub fn restart(&self) {
        self.pg_ctl(&["restart", "-w", "-m", "immediate"]);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .args(["stop", "-m", "immediate", "-D"])
            .arg(&self.data)
            .output();
    }
}

/// A Tansu broker of the test's own, keeping its records in SQLite in a temporary directory,
/// so a restart on the same port finds them again.
pub struct RestartableBroker {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl RestartableBroker {
    /// A new broker, running.
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tagar-tansu-")
            .tempdir()
            .expect("broker directory");
        let mut broker = Self {
            port: free_port(),
            dir,
            child: None,
        };
        broker.launch();
        broker
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("broker.log"))
            .expect("broker log");
        let binary = crate::broker::tansu_binary();
        let child = crate::broker::tansu_command(
            &binary,
            self.dir.path(),
            self.port,
            "sqlite://tansu.db",
            log,
        )
        .spawn()
        .expect("start tansu");
        self.child = Some(child);
        wait_listening(self.port, "the Tansu broker");
    }

    /// Its bootstrap address.
    pub fn brokers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL) and starts it again on the same port and storage.
    pub fn restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // The port is free once the process is gone.
        std::thread::sleep(Duration::from_millis(200));
        self.launch();
    }
}

impl Drop for RestartableBroker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
