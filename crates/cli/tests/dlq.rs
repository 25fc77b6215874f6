//! `tagar dlq` against a running `tagar standalone`: a record no consumer can read is
//! dead-lettered by each group that reads its topic, the others go on, and the operator
//! lists, shows and replays the dead letters from the command line.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tagar_eventlog::OutgoingRecord;
use tagar_kernel::Mode;
use tagar_kernel::testing::TestApp;
use tagar_proto::topics;

fn tagar(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tagar"))
        .args(args)
        .args(["--data-dir", dir.to_str().unwrap(), "--output", "json"])
        .env_remove("TAGAR__KAFKA__BROKERS")
        .env_remove("TAGAR_OUTPUT")
        .output()
        .expect("run tagar")
}

fn letters(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let out = tagar(dir, &["dlq", "list"]);
    assert!(
        out.status.success(),
        "dlq list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .expect("JSON")
        .as_array()
        .cloned()
        .expect("an array")
}

fn wait_for(
    dir: &std::path::Path,
    what: &str,
    done: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = letters(dir);
        if done(&found) {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {found:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_shown_and_replayed() {
    let app = TestApp::binary(Mode::Standalone, env!("CARGO_BIN_EXE_tagar")).await;
    let garbage = OutgoingRecord::new("k", &b"\xff\x00 not an envelope"[..]);
    app.log()
        .publish(topics::POSTS_INGESTED, &[garbage])
        .await
        .expect("publish");
    let dir = app.dir().to_owned();

    // Moderation and analytics both read the topic: each dead-letters it and goes on.
    let found =
        tokio::task::block_in_place(|| wait_for(&dir, "two dead letters", |l| l.len() >= 2));
    assert_eq!(found.len(), 2, "{found:?}");
    let mut groups: Vec<&str> = found.iter().map(|l| l["group"].as_str().unwrap()).collect();
    groups.sort_unstable();
    assert_eq!(groups, ["tagar-analytics-posts", "tagar-moderation"]);
    for letter in &found {
        assert_eq!(letter["source_topic"], topics::POSTS_INGESTED);
        assert_eq!(letter["event_type"], "(does not decode)");
        assert!(
            letter["reason"].as_str().unwrap().contains("Envelope"),
            "{letter}"
        );
    }

    let id = found[0]["id"].as_str().unwrap().to_owned();
    let shown = tokio::task::block_in_place(|| tagar(&dir, &["dlq", "show", &id]));
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["id"], id.as_str());
    let missing = tokio::task::block_in_place(|| tagar(&dir, &["dlq", "show", "nope:0:0"]));
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no dead letter nope:0:0"));

    // Replayed, it is read again (and, still garbage, dead-lettered again by both groups).
    let replayed = tokio::task::block_in_place(|| tagar(&dir, &["dlq", "replay", &id]));
    assert!(
        replayed.status.success(),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    let replayed: serde_json::Value = serde_json::from_slice(&replayed.stdout).unwrap();
    assert_eq!(replayed["replayed"], serde_json::json!([id]));
    let again = tokio::task::block_in_place(|| {
        wait_for(&dir, "the replay dead-lettered again", |l| {
            l.iter()
                .filter(|x| x["replayed_from"] == id.as_str())
                .count()
                == 2
        })
    });
    assert_eq!(again.len(), 4, "{again:?}");
    app.stop().await;
}
