//! `tagar standalone --demo`, the README's first command, on a small replay: it reports what
//! each service did, publishes the scheduled posts, and keeps serving.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn the_demo_reports_every_service_and_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tagar"))
        .args([
            "standalone",
            "--demo",
            "--demo-posts",
            "3000",
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .args([
            "--grpc-listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the demo");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let done = line.starts_with("Press ctrl-c");
            tx.send(line).ok();
            if done {
                break;
            }
        }
    });
    let mut out = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(300)) {
            Ok(line) => {
                let done = line.starts_with("Press ctrl-c");
                out.push(line);
                if done {
                    break;
                }
            }
            Err(e) => {
                let _ = child.kill();
                panic!(
                    "the demo stopped talking ({e}); it said:\n{}",
                    out.join("\n")
                );
            }
        }
    }
    let still_serving = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    let text = out.join("\n");
    assert!(still_serving, "the demo keeps serving after its report");
    assert!(text.contains("3,000 posts in"), "{text}");
    assert!(
        text.contains("3,000 accepted, 0 duplicates, 0 rejected"),
        "{text}"
    );
    assert!(
        text.contains("3 posts published on the loopback network"),
        "{text}"
    );
    assert!(
        text.contains("#kopisenja"),
        "the burst's hashtag is among the top: {text}"
    );
    for brand in ["Kopi Nusantara", "Batik Ayu", "Teh Melati"] {
        assert!(text.contains(brand), "{brand} in the report: {text}");
    }
    assert!(
        text.contains("no storm in this traffic"),
        "the demo's normal traffic raises no crisis: {text}"
    );
    let published = out.iter().filter(|l| l.contains("loopback-")).count();
    assert_eq!(published, 3, "each scheduled post published once: {text}");
    assert!(dir.path().join("demo-agency.key").exists());
}
