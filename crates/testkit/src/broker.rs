//! One Tansu broker per test process.
//!
//! Storage is Tansu's SQLite engine in a temporary directory by default. Tansu 0.6's memory
//! engine serves a fetch only from the first record of a stored batch, so a consumer whose
//! committed position falls inside a producer batch gets nothing from that partition (the
//! contract suite's restart test shows it); the SQLite engine stores records one by one and
//! fetches correctly. `TAGAR_TEST_BROKER_STORAGE=memory` picks the memory engine, which is
//! fine for produce-and-read-from-the-start benchmarks.
//!
//! The broker is started from a thread that lives as long as the process and is asked to die
//! with it (`PR_SET_PDEATHSIG` fires when the *thread* that spawned the child ends, so that
//! thread must never end): a test run leaves no broker behind, even when it panics.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A broker of its own, for a test that runs a whole system whose topic and group names are
/// fixed (two such systems on one broker would share consumer groups). Lives as long as the
/// process.
pub fn dedicated_kafka_brokers() -> String {
    start_tansu()
}

/// A broker of its own on the storage engine `storage` (`memory` or `sqlite`), whatever
/// `TAGAR_TEST_BROKER_STORAGE` says: for benchmarks that choose.
pub fn dedicated_kafka_brokers_on(storage: &str) -> String {
    start_tansu_on(storage)
}

/// Bootstrap servers of the test broker, starting it on first use.
pub fn kafka_brokers() -> String {
    static BROKERS: OnceLock<String> = OnceLock::new();
    BROKERS
        .get_or_init(|| std::env::var("TAGAR_TEST_KAFKA_BROKERS").unwrap_or_else(|_| start_tansu()))
        .clone()
}

/// Where `deploy/local/ensure-tansu.sh` installs Tansu (with its SQLite engine).
const PROJECT_TANSU: &str = ".cache/tagar/tansu-0.6.0/bin/tansu";

pub(crate) fn tansu_binary() -> PathBuf {
    if let Ok(path) = std::env::var("TANSU_BIN") {
        return PathBuf::from(path);
    }
    if let Some(path) = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(PROJECT_TANSU))
        .filter(|p| p.is_file())
    {
        return path;
    }
    let in_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("tansu"))
        .find(|p| p.is_file());
    let cargo_bin = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/tansu"));
    in_path
        .or(cargo_bin.filter(|p| p.is_file()))
        .unwrap_or_else(|| {
            panic!("the tansu broker is not installed: run deploy/local/ensure-tansu.sh")
        })
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Tansu on 127.0.0.1:`port`, run in `dir` (it reads a `sqlite://` path as relative), its
/// output to `log`.
pub(crate) fn tansu_command(
    binary: &std::path::Path,
    dir: &std::path::Path,
    port: u16,
    storage: &str,
    log: std::fs::File,
) -> Command {
    let url = format!("tcp://127.0.0.1:{port}");
    let mut command = Command::new(binary);
    command
        .current_dir(dir)
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
        ])
        .args(["--storage-engine", storage])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log);
    command
}

fn start_tansu() -> String {
    let storage = std::env::var("TAGAR_TEST_BROKER_STORAGE").unwrap_or_default();
    start_tansu_on(&storage)
}

fn start_tansu_on(storage: &str) -> String {
    let binary = tansu_binary();
    let port = free_port();
    let dir = tempfile::Builder::new()
        .prefix("tagar-tansu-")
        .tempdir()
        .expect("broker directory");
    let log_path = dir.path().join("broker.log");
    // Tansu reads the path of a `sqlite://` URL as relative: run it in its own directory.
    let storage = match storage {
        "memory" => "memory://tansu/".to_owned(),
        _ => "sqlite://tansu.db".to_owned(),
    };
    let (started_tx, started) = mpsc::channel();
    let (exited_tx, exited) = mpsc::channel();
    let child_log = log_path.clone();
    std::thread::Builder::new()
        .name("tansu-broker".into())
        .spawn(move || {
            let log = std::fs::File::create(&child_log).expect("broker log file");
            let mut command = tansu_command(&binary, dir.path(), port, &storage, log);
            die_with_parent(&mut command);
            let mut child = command
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
            started_tx.send(child.id()).expect("report broker start");
            // This thread waits on the broker for the life of the process: the broker dies
            // with it, and an early exit is reported at once.
            let status = child.wait();
            let _ = exited_tx.send(format!("{status:?}"));
            let _keep = dir;
            loop {
                std::thread::park();
            }
        })
        .expect("broker thread");
    let pid = started.recv().expect("broker started");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(status) = exited.try_recv() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("tansu (pid {pid}) exited at start ({status}):\n{log}");
        }
        if Instant::now() > deadline {
            panic!(
                "tansu (pid {pid}) did not listen on {port} within 30 s; see {}",
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    format!("127.0.0.1:{port}")
}

#[allow(unsafe_code)]
pub(crate) fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}
