//! Server reflection as a new user meets it: grpcurl 1.8.6 (which asks reflection v1alpha)
//! lists the services without a key, describes one, and calls an RPC with a key.

use std::path::PathBuf;
use std::process::Command;

use tagar_kernel::testing::TestApp;

/// grpcurl from `GRPCURL_BIN`, or where `deploy/local/ensure-grpcurl.sh` puts it.
fn grpcurl() -> PathBuf {
    if let Some(path) = std::env::var_os("GRPCURL_BIN") {
        return PathBuf::from(path);
    }
    let cached = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/tagar/grpcurl-1.8.6/grpcurl"))
        .filter(|p| p.is_file());
    cached.unwrap_or_else(|| {
        panic!("grpcurl is not installed: run deploy/local/ensure-grpcurl.sh (deploy/local/test.sh does)")
    })
}

fn run(args: &[&str]) -> String {
    let out = Command::new(grpcurl())
        .args(args)
        .output()
        .expect("run grpcurl");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "grpcurl {args:?} failed: {}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

pub async fn grpcurl_lists_and_calls(app: &TestApp, key: &str) {
    let url = app.grpc_url(0);
    let address = url.trim_start_matches("http://").to_owned();
    let key_header = format!("x-api-key: {key}");
    let (address, key_header) = (address.as_str(), key_header.as_str());
    let listed = tokio::task::block_in_place(|| run(&["-plaintext", address, "list"]));
    for service in [
        "tagar.v1.IngestService",
        "tagar.v1.ModerationService",
        "tagar.v1.SchedulingService",
        "tagar.v1.AnalyticsService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    ] {
        assert!(
            listed.lines().any(|l| l == service),
            "{service} in {listed}"
        );
    }

    let described = tokio::task::block_in_place(|| {
        run(&[
            "-plaintext",
            address,
            "describe",
            "tagar.v1.SchedulingService.CreateBrand",
        ])
    });
    assert!(described.contains("CreateBrandRequest"), "{described}");

    let created = tokio::task::block_in_place(|| {
        run(&[
            "-plaintext",
            "-H",
            key_header,
            "-d",
            r#"{"name": "Kopi Nusantara", "time_zone": "Asia/Jakarta"}"#,
            address,
            "tagar.v1.SchedulingService/CreateBrand",
        ])
    });
    let brand: serde_json::Value = serde_json::from_str(&created).expect("JSON");
    assert_eq!(brand["name"], "Kopi Nusantara", "{created}");
    let brand_id = brand["brandId"].as_str().expect("brandId").to_owned();

    let listed = tokio::task::block_in_place(|| {
        run(&[
            "-plaintext",
            "-H",
            key_header,
            address,
            "tagar.v1.SchedulingService/ListBrands",
        ])
    });
    assert!(listed.contains(&brand_id), "{listed}");

    // Without a key the call is refused, and says why.
    let refused = tokio::task::block_in_place(|| {
        Command::new(grpcurl())
            .args([
                "-plaintext",
                address,
                "tagar.v1.SchedulingService/ListBrands",
            ])
            .output()
            .expect("run grpcurl")
    });
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("Unauthenticated"), "{said}");
}
