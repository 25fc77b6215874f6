//! A real Bluesky network (`@atproto/dev-env`'s `TestNetwork`), one per test process, on
//! free ports, stopped when the process ends: the PDS and PLC directory, and behind the PDS
//! the AppView (`bsky`: profiles, threads, counts, mutes) and the moderation service (`ozone`:
//! reports), as bsky.social runs them.
//!
//! `deploy/local/ensure-pds.sh` installs Node 22 and the packages once into
//! `~/.cache/tagar/pds-…` (or `TAGAR_PDS_HOME` names such a directory). The AppView and ozone
//! keep their data in a fresh database on the test PostgreSQL ([`crate::fresh_postgres`])
//! and in a Redis of the process's own (`redis-server` on a free port; `ensure-redis.sh`
//! installs it). Accounts, sessions, records and the repository firehose are the PDS's; what
//! the AppView shows (counts, mutes) follows the firehose, a moment later.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

/// Starts the network and prints its addresses as one JSON line; it stops when its stdin
/// closes (the test process ended) and, besides, dies with the process (`PR_SET_PDEATHSIG`).
const START: &str = include_str!("../../../deploy/local/pds/start.mjs");

/// The running network.
#[derive(Debug)]
pub struct Pds {
    /// The PDS's base URL, `http://localhost:<port>`.
    pub url: String,
    /// The AppView's base URL (the PDS proxies `app.bsky.*` calls to it).
    pub appview: String,
}

/// An account made on the test PDS.
#[derive(Debug, Clone)]
pub struct PdsAccount {
    /// Its handle (`<name>.test`).
    pub handle: String,
    /// Its DID.
    pub did: String,
    /// Its password (the test PDS takes it where an app password goes).
    pub password: String,
    /// A session token for reading and writing as it in tests.
    pub access_jwt: String,
}

/// The process's PDS, started on first use.
pub fn pds() -> &'static Pds {
    static PDS: OnceLock<Pds> = OnceLock::new();
    PDS.get_or_init(start)
}

fn home() -> PathBuf {
    if let Ok(dir) = std::env::var("TAGAR_PDS_HOME") {
        return PathBuf::from(dir);
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/local/ensure-pds.sh");
    let output = Command::new(&script)
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "{} failed; run it by hand to see why",
        script.display()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    PathBuf::from(stdout.lines().last().unwrap_or_default().trim())
}

fn start() -> Pds {
    let home = home();
    let (pds_port, plc_port, redis_port) =
        (super::free_port(), super::free_port(), super::free_port());
    let (tx, rx) = mpsc::channel::<Result<String, String>>();
    let log_path = std::env::temp_dir().join(format!("tagar-pds-{}.log", std::process::id()));
    std::thread::Builder::new()
        .name("bluesky-pds".into())
        .spawn(move || {
            let log = std::fs::File::create(&log_path).expect("pds log");
            let (database, _redis) = match backing(redis_port) {
                Ok(started) => started,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let mut command = Command::new(home.join("node"));
            command
                .current_dir(home.join("atproto"))
                .args(["--input-type=module", "-e", START])
                .env("PDS_PORT", pds_port.to_string())
                .env("PLC_PORT", plc_port.to_string())
                .env("DB_POSTGRES_URL", database)
                .env("DB_POSTGRES_SCHEMA", "tagar")
                .env("REDIS_HOST", format!("127.0.0.1:{redis_port}"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(log);
            super::die_with_parent(&mut command);
            let mut child = match command.spawn() {
                Ok(child) => child,
                Err(e) => {
                    let _ = tx.send(Err(format!("start node in {}: {e}", home.display())));
                    return;
                }
            };
            let _stdin = child.stdin.take();
            let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
            match lines.next() {
                Some(Ok(line)) => {
                    let _ = tx.send(Ok(line));
                }
                _ => {
                    let status = child.wait();
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    let _ = tx.send(Err(format!("the PDS exited at start ({status:?}):\n{log}")));
                    return;
                }
            }
            // Hold stdin open for the life of the process; the PDS stops when it closes.
            for _ in lines {}
            let _ = child.wait();
            loop {
                std::thread::park();
            }
        })
        .expect("pds thread");
    let line = rx
        .recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("the PDS did not start within 120 s"))
        .unwrap_or_else(|e| panic!("{e}"));
    let started: Value = serde_json::from_str(&line).expect("the PDS prints its addresses");
    Pds {
        url: started["pds"].as_str().expect("pds url").to_owned(),
        appview: started["appview"].as_str().expect("appview url").to_owned(),
    }
}

/// What the AppView and ozone keep their data in: a fresh database, and a Redis started
/// here on `redis_port` (it dies with the process).
fn backing(redis_port: u16) -> Result<(String, std::process::Child), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("a runtime: {e}"))?;
    let database = runtime.block_on(super::fresh_postgres());
    let redis_bin = std::env::var("TAGAR_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
    let mut command = Command::new(&redis_bin);
    command
        .args(["--port", &redis_port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    super::die_with_parent(&mut command);
    let redis = command.spawn().map_err(|e| {
        format!("start {redis_bin} (deploy/local/ensure-redis.sh installs it): {e}")
    })?;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", redis_port)).is_err() {
        if std::time::Instant::now() > deadline {
            return Err(format!("redis did not listen on {redis_port} within 20 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((database, redis))
}

impl Pds {
    fn xrpc(&self, nsid: &str) -> String {
        format!("{}/xrpc/{nsid}", self.url)
    }

    /// Creates an account `<name>.test` with a random password.
    pub async fn create_account(&self, name: &str) -> PdsAccount {
        let handle = format!("{name}.test");
        let password = uuid::Uuid::new_v4().simple().to_string();
        let answer: Value = reqwest::Client::new()
            .post(self.xrpc("com.atproto.server.createAccount"))
            .json(&json!({ "handle": handle, "email": format!("{name}@example.test"), "password": password }))
            .send()
            .await
            .expect("createAccount")
            .error_for_status()
            .expect("createAccount succeeds")
            .json()
            .await
            .expect("createAccount answer");
        PdsAccount {
            handle,
            did: answer["did"].as_str().expect("did").to_owned(),
            password,
            access_jwt: answer["accessJwt"].as_str().expect("accessJwt").to_owned(),
        }
    }

    /// The records of `collection` in `repo`, newest first (up to 100).
    pub async fn list_records(&self, repo: &str, collection: &str) -> Vec<Value> {
        let answer: Value = reqwest::Client::new()
            .get(self.xrpc("com.atproto.repo.listRecords"))
            .query(&[("repo", repo), ("collection", collection), ("limit", "100")])
            .send()
            .await
            .expect("listRecords")
            .error_for_status()
            .expect("listRecords succeeds")
            .json()
            .await
            .expect("listRecords answer");
        answer["records"].as_array().cloned().unwrap_or_default()
    }

    /// The record at `at://repo/collection/rkey`, if there is one.
    pub async fn get_record(&self, repo: &str, collection: &str, rkey: &str) -> Option<Value> {
        let response = reqwest::Client::new()
            .get(self.xrpc("com.atproto.repo.getRecord"))
            .query(&[("repo", repo), ("collection", collection), ("rkey", rkey)])
            .send()
            .await
            .expect("getRecord");
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }

    /// The blob `cid` of `did`'s repository (`com.atproto.sync.getBlob`), and its
    /// `Content-Type`.
    pub async fn get_blob(&self, did: &str, cid: &str) -> (String, Vec<u8>) {
        let response = reqwest::Client::new()
            .get(self.xrpc("com.atproto.sync.getBlob"))
            .query(&[("did", did), ("cid", cid)])
            .send()
            .await
            .expect("getBlob")
            .error_for_status()
            .expect("getBlob succeeds");
        let mime = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.bytes().await.expect("the blob").to_vec();
        (mime, bytes)
    }

    /// Writes `record` into `account`'s `collection` (a like, a repost: what people do on the
    /// network besides posting); its `(uri, cid)`.
    pub async fn create_record(
        &self,
        account: &PdsAccount,
        collection: &str,
        record: Value,
    ) -> (String, String) {
        let answer: Value = reqwest::Client::new()
            .post(self.xrpc("com.atproto.repo.createRecord"))
            .bearer_auth(&account.access_jwt)
            .json(&json!({ "repo": account.did, "collection": collection, "record": record }))
            .send()
            .await
            .expect("createRecord")
            .error_for_status()
            .expect("createRecord succeeds")
            .json()
            .await
            .expect("createRecord answer");
        let text = |k: &str| answer[k].as_str().expect("uri and cid").to_owned();
        (text("uri"), text("cid"))
    }

    /// `GET /xrpc/<nsid>` as `account` through the PDS (which proxies `app.bsky.*` to the
    /// AppView): the answer, or `None` when it is not a success.
    pub async fn get_as(
        &self,
        account: &PdsAccount,
        nsid: &str,
        query: &[(&str, &str)],
    ) -> Option<Value> {
        let response = reqwest::Client::new()
            .get(self.xrpc(nsid))
            .bearer_auth(&account.access_jwt)
            .query(query)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.json().await.ok()
    }

    /// Creates an app password called `name` for `account`, as a user does for Tagar.
    pub async fn create_app_password(&self, account: &PdsAccount, name: &str) -> String {
        let answer: Value = reqwest::Client::new()
            .post(self.xrpc("com.atproto.server.createAppPassword"))
            .bearer_auth(&account.access_jwt)
            .json(&json!({ "name": name }))
            .send()
            .await
            .expect("createAppPassword")
            .error_for_status()
            .expect("createAppPassword succeeds")
            .json()
            .await
            .expect("createAppPassword answer");
        answer["password"].as_str().expect("password").to_owned()
    }

    /// Revokes the app password `name` of `account`, as a user who takes Tagar's access away.
    pub async fn revoke_app_password(&self, account: &PdsAccount, name: &str) {
        reqwest::Client::new()
            .post(self.xrpc("com.atproto.server.revokeAppPassword"))
            .bearer_auth(&account.access_jwt)
            .json(&json!({ "name": name }))
            .send()
            .await
            .expect("revokeAppPassword")
            .error_for_status()
            .expect("revokeAppPassword succeeds");
    }
}
