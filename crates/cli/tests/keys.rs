//! `tagar keys` as a person runs it: create prints the key once, list never shows secrets,
//! revoke takes effect, and bad input names the flag.

use std::process::{Command, Output};

fn tagar(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tagar"))
        .args(args)
        .args(["--data-dir", data_dir.to_str().unwrap()])
        .env_remove("TAGAR__DATABASE__URL")
        .output()
        .expect("run tagar")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn keys_are_created_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = uuid::Uuid::now_v7().to_string();

    let created = tagar(
        dir.path(),
        &[
            "keys",
            "create",
            "--tenant",
            &tenant,
            "--role",
            "moderator",
            "--label",
            "night shift",
        ],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let key = text(&created.stdout).trim().to_owned();
    assert!(
        key.starts_with("tgr_"),
        "the key is printed on stdout: {key}"
    );
    let key_id = key.split('_').nth(1).unwrap().to_owned();
    assert!(text(&created.stderr).contains(&key_id));

    let listed = tagar(dir.path(), &["keys", "list", "--tenant", &tenant]);
    let listing = text(&listed.stdout);
    assert!(
        listing.contains(&key_id)
            && listing.contains("moderator")
            && listing.contains("night shift")
    );
    assert!(listing.contains("active"));
    let secret = key.rsplit('_').next().unwrap();
    assert!(!listing.contains(secret), "list never shows the secret");

    let other = uuid::Uuid::now_v7().to_string();
    let refused = tagar(
        dir.path(),
        &["keys", "revoke", "--tenant", &other, "--key-id", &key_id],
    );
    assert!(!refused.status.success(), "another tenant cannot revoke it");
    assert!(text(&refused.stderr).contains("--key-id"));

    let revoked = tagar(
        dir.path(),
        &["keys", "revoke", "--tenant", &tenant, "--key-id", &key_id],
    );
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(
        text(&tagar(dir.path(), &["keys", "list", "--tenant", &tenant]).stdout).contains("revoked")
    );
}

#[test]
fn a_bad_role_names_the_flag_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = uuid::Uuid::now_v7().to_string();
    let out = tagar(
        dir.path(),
        &["keys", "create", "--tenant", &tenant, "--role", "overlord"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--role"),
        "{}",
        text(&out.stderr)
    );
    let listed = tagar(dir.path(), &["keys", "list", "--tenant", &tenant]);
    assert_eq!(
        text(&listed.stdout).lines().count(),
        1,
        "only the header line"
    );
}
