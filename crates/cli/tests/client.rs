//! The client subcommands against a real `tagar standalone`: started as a user starts it, on
//! a fresh data directory and free ports, then driven only through the `tagar` command.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use tagar_kernel::Mode;
use tagar_kernel::testing::TestApp;

/// A running `tagar standalone` on the shared harness, and its data directory (with the
/// `admin.key` it wrote).
struct Standalone {
    app: TestApp,
    grpc: String,
}

impl Standalone {
    async fn start() -> Self {
        let app = TestApp::binary(Mode::Standalone, env!("CARGO_BIN_EXE_tagar")).await;
        let grpc = app.grpc_url(0);
        Self { app, grpc }
    }

    /// Runs a client command against it, with the admin key from its data directory.
    fn tagar(&self, args: &[&str]) -> Output {
        client(&self.grpc, self.app.dir(), args)
    }
}

fn client(server: &str, data_dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tagar"))
        .args(args)
        .args(["--server", server, "--data-dir", data_dir.to_str().unwrap()])
        .env_remove("TAGAR_API_KEY")
        .env_remove("TAGAR_SERVER")
        .env_remove("TAGAR_OUTPUT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tagar");
    // A client call has its own 30 s deadline; this bounds the test should that fail too.
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("tagar {args:?} did not finish within a minute");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brand_and_its_account_created_through_the_cli_are_listed_as_json() {
    let tagar = Standalone::start().await;
    let created = tagar.tagar(&[
        "brand",
        "create",
        "Kopi Nusantara",
        "--time-zone",
        "Asia/Jakarta",
        "--output",
        "json",
    ]);
    assert!(
        created.status.success(),
        "brand create failed: {}",
        text(&created.stderr)
    );
    let brand: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let id = brand["brand_id"].as_str().expect("brand_id").to_owned();
    assert_eq!(brand["name"], "Kopi Nusantara");
    assert_eq!(brand["time_zone"], "Asia/Jakarta");

    let listed = tagar.tagar(&["brand", "list", "--output", "json"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let brands = list["brands"].as_array().expect("brands");
    assert!(
        brands
            .iter()
            .any(|b| b["brand_id"] == id.as_str() && b["name"] == "Kopi Nusantara"),
        "{list}"
    );

    let table = tagar.tagar(&["brand", "list"]);
    let table = text(&table.stdout);
    assert!(table.starts_with("BRAND") && table.contains(&id), "{table}");

    let empty = tagar.tagar(&["account", "list", "--brand", &id]);
    assert!(empty.status.success(), "{}", text(&empty.stderr));
    assert!(
        text(&empty.stdout).starts_with("No accounts yet"),
        "{}",
        text(&empty.stdout)
    );
    let connected = tagar.tagar(&[
        "account",
        "connect",
        "--brand",
        &id,
        "--network",
        "x",
        "--handle",
        "@KopiNusantara",
        "--output",
        "json",
    ]);
    assert!(connected.status.success(), "{}", text(&connected.stderr));
    let account: serde_json::Value = serde_json::from_slice(&connected.stdout).unwrap();
    let listed = tagar.tagar(&["account", "list", "--brand", &id, "--output", "json"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(list["accounts"], serde_json::json!([account]), "{list}");
    assert_eq!(account["network"], "x");
    assert_eq!(account["handle"], "KopiNusantara");
    let table = text(&tagar.tagar(&["account", "list"]).stdout);
    assert!(
        table.starts_with("ACCOUNT") && table.contains("@KopiNusantara"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_read_as_code_and_message_with_exit_code_1() {
    let tagar = Standalone::start().await;

    let refused = client(
        &tagar.grpc,
        Path::new("/nonexistent"),
        &["brand", "list", "--api-key", "tgr_0000000000000000_nope"],
    );
    assert_eq!(refused.status.code(), Some(1));
    let err = text(&refused.stderr);
    assert!(err.starts_with("tagar: unauthenticated: "), "{err}");
    assert!(!err.contains("Status {"), "no Debug dump: {err}");

    let nobody = client("http://127.0.0.1:9", tagar.app.dir(), &["brand", "list"]);
    assert_eq!(nobody.status.code(), Some(1));
    assert!(
        text(&nobody.stderr).starts_with("tagar: unavailable: cannot reach http://127.0.0.1:9")
    );

    let no_key = client(&tagar.grpc, Path::new("/nonexistent"), &["brand", "list"]);
    assert_eq!(no_key.status.code(), Some(1));
    assert!(text(&no_key.stderr).contains("--api-key"));

    let bad_time = tagar.tagar(&["post", "schedule", "--brand", "b", "p", "--at", "tomorrow"]);
    assert_eq!(
        bad_time.status.code(),
        Some(2),
        "clap refuses it before any call"
    );
    assert!(text(&bad_time.stderr).contains("--at"));
}

/// `tagar push` deals a file's messages to several concurrent streams: every post is taken
/// once, an unreadable line is reported by its number and skipped, and the same file pushed
/// again is all duplicates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_pushed_over_several_streams_is_taken_once() {
    let tagar = Standalone::start().await;
    let file = tagar.app.dir().join("replay.jsonl");
    let generated = Command::new(env!("CARGO_BIN_EXE_tagar"))
        .args(["gen", "--posts", "230", "--seed", "3", "--out"])
        .arg(&file)
        .output()
        .expect("tagar gen");
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let mut lines: Vec<String> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let distinct = lines
        .iter()
        .map(|l| {
            let post: serde_json::Value = serde_json::from_str(l).unwrap();
            (post["network"].to_string(), post["native_id"].to_string())
        })
        .collect::<std::collections::HashSet<_>>()
        .len();
    lines.insert(41, "{not a post".into());
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let file = file.to_str().unwrap();

    let push = |args: &[&str]| {
        let mut all = vec!["push", file, "--batch", "10", "--output", "json"];
        all.extend_from_slice(args);
        let out = tagar.tagar(&all);
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = push(&["--streams", "3"]);
    assert_eq!(first["sent"], 230, "{first}");
    assert_eq!(first["unreadable"], 1, "{first}");
    assert_eq!(first["unreadable_lines"][0]["line"], 42, "{first}");
    assert_eq!(first["accepted"], distinct as u64, "{first}");
    assert_eq!(first["duplicates"], 230 - distinct as u64, "{first}");

    let again = push(&["--streams", "5"]);
    assert_eq!(again["accepted"], 0, "{again}");
    assert_eq!(again["duplicates"], 230, "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brands_queue_is_paused_and_resumed_and_its_thresholds_set_through_the_cli() {
    let tagar = Standalone::start().await;
    let created = tagar.tagar(&[
        "brand",
        "create",
        "Teh Melati",
        "--time-zone",
        "Asia/Tehran",
        "--output",
        "json",
    ]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let brand: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let id = brand["brand_id"].as_str().unwrap().to_owned();

    let paused = tagar.tagar(&["crisis", "pause", "--brand", &id, "--reason", "a storm"]);
    assert!(paused.status.success(), "{}", text(&paused.stderr));
    assert!(
        text(&paused.stdout).contains("is paused"),
        "{}",
        text(&paused.stdout)
    );
    let table = text(&tagar.tagar(&["brand", "list"]).stdout);
    assert!(table.contains("paused, 0 held"), "{table}");
    let json: serde_json::Value =
        serde_json::from_slice(&tagar.tagar(&["brand", "list", "--output", "json"]).stdout)
            .unwrap();
    assert_eq!(json["brands"][0]["paused"], true, "{json}");

    let resumed = tagar.tagar(&["crisis", "resume", "--brand", &id, "--output", "json"]);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let again = tagar.tagar(&["crisis", "resume", "--brand", &id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("not paused"),
        "{}",
        text(&again.stderr)
    );

    let set = tagar.tagar(&[
        "crisis",
        "thresholds",
        "--brand",
        &id,
        "--min-negatives",
        "35",
        "--output",
        "json",
    ]);
    assert!(set.status.success(), "{}", text(&set.stderr));
    let set: serde_json::Value = serde_json::from_slice(&set.stdout).unwrap();
    assert_eq!(
        (
            set["min_negatives"].as_u64(),
            set["window_minutes"].as_u64()
        ),
        (Some(35), Some(2))
    );
    let shown = text(
        &tagar
            .tagar(&["crisis", "thresholds", "--brand", &id])
            .stdout,
    );
    assert!(shown.contains("at least 35 negative posts"), "{shown}");
    let bad = tagar.tagar(&[
        "crisis",
        "thresholds",
        "--brand",
        &id,
        "--window-minutes",
        "90",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("window_minutes"),
        "{}",
        text(&bad.stderr)
    );
    let none = text(&tagar.tagar(&["crisis", "list"]).stdout);
    assert!(none.starts_with("No crises."), "{none}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_pushed_in_reaches_the_inbox_and_is_worked_through_the_cli() {
    let tagar = Standalone::start().await;
    let created = tagar.tagar(&[
        "brand",
        "create",
        "Kopi Kita",
        "--time-zone",
        "Asia/Jakarta",
        "--output",
        "json",
    ]);
    let brand: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let id = brand["brand_id"].as_str().unwrap().to_owned();
    let rule = tagar.tagar(&["rule", "add", "--brand", &id, "--hashtag", "KopiKita"]);
    assert!(rule.status.success(), "{}", text(&rule.stderr));
    let empty = text(&tagar.tagar(&["inbox", "list"]).stdout);
    assert!(empty.starts_with("The inbox is empty"), "{empty}");

    let now = chrono::Utc::now().to_rfc3339();
    let line = |id: &str, text: &str| {
        serde_json::json!({
            "network": "x", "native_id": id, "text": text, "created_at": now,
            "author": {"id": format!("a-{id}"), "handle": "sari", "display_name": "Sari",
                       "followers": 42, "verified": false, "account_created_at": null},
            "language": null, "reply_to": null, "quote_of": null, "repost_of": null,
            "conversation_id": id, "media": [],
            "metrics": {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0, "views": 0}
        })
        .to_string()
    };
    let file = tagar.app.dir().join("posts.jsonl");
    std::fs::write(
        &file,
        [
            line("q1", "kapan toko #KopiKita buka hari ini?"),
            line("p1", "best coffee ever #KopiKita, love it"),
        ]
        .join("\n"),
    )
    .unwrap();
    let pushed = tagar.tagar(&["push", file.to_str().unwrap()]);
    assert!(pushed.status.success(), "{}", text(&pushed.stderr));

    let mut items = serde_json::Value::Null;
    for _ in 0..100 {
        let listed = tagar.tagar(&["inbox", "list", "--output", "json"]);
        items = serde_json::from_slice(&listed.stdout).unwrap();
        if items.as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let items = items.as_array().expect("items").clone();
    assert_eq!(items.len(), 1, "the question, not the praise: {items:?}");
    assert_eq!(items[0]["kind"], "question");
    assert_eq!(items[0]["author_handle"], "sari");
    let item = items[0]["item_id"].as_str().unwrap().to_owned();
    let table = text(&tagar.tagar(&["inbox", "list"]).stdout);
    assert!(
        table.contains("@sari (42 followers)") && table.contains(&item),
        "{table}"
    );

    let assigned = tagar.tagar(&["inbox", "assign", "--brand", &id, &item, "--to", "ana"]);
    assert!(
        text(&assigned.stdout).contains("is ana's now"),
        "{}",
        text(&assigned.stderr)
    );
    let muted = tagar.tagar(&["inbox", "mute", "--brand", &id, &item]);
    assert!(
        text(&muted.stdout).contains("@sari is muted"),
        "{}",
        text(&muted.stderr)
    );
    let table = text(&tagar.tagar(&["inbox", "list"]).stdout);
    assert!(table.contains("[muted]"), "{table}");
    let closed = tagar.tagar(&[
        "inbox", "close", "--brand", &id, &item, "--reason", "answered",
    ]);
    assert!(closed.status.success(), "{}", text(&closed.stderr));
    let after = text(&tagar.tagar(&["inbox", "list"]).stdout);
    assert!(after.starts_with("The inbox is empty"), "{after}");
    let mut figures = serde_json::Value::Null;
    for _ in 0..100 {
        let out = tagar.tagar(&["inbox", "figures", "--brand", &id, "--output", "json"]);
        figures = serde_json::from_slice(&out.stdout).unwrap();
        if figures["total"]["items"] == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(figures["total"]["items"], 1, "{figures}");
    assert_eq!(
        figures["total"]["answered"], 0,
        "closed, not answered: {figures}"
    );
    let table = text(&tagar.tagar(&["inbox", "figures", "--brand", &id]).stdout);
    assert!(
        table.contains("total") && table.contains("Nobody answered"),
        "{table}"
    );
    let bad = tagar.tagar(&["inbox", "close", "--brand", &id, "not-an-id"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("item_id"),
        "{}",
        text(&bad.stderr)
    );
}
