//! The admin server answers real HTTP requests over TCP.

use std::net::SocketAddr;

use tagar_runtime::{HealthState, Metrics, admin};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// A minimal HTTP/1.1 GET; returns the status code and body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

#[tokio::test]
async fn healthz_follows_component_readiness() {
    let health = HealthState::new(["tagar.test.v1.Test"]);
    let stop = CancellationToken::new();
    let (addr, server) = admin::serve(
        "127.0.0.1:0".parse().unwrap(),
        health.clone(),
        Metrics::new(),
        stop.clone(),
    )
    .await
    .unwrap();
    assert_ne!(addr.port(), 0);

    assert_eq!(get(addr, "/healthz").await, (200, "ok".to_owned()));
    health.register("store").await;
    health.register("eventlog").await;
    health.set_ready("eventlog").await;
    let (status, body) = get(addr, "/healthz").await;
    assert_eq!(status, 503);
    assert!(
        body.contains("store") && !body.contains("eventlog"),
        "{body}"
    );
    assert_eq!(get(addr, "/readyz").await.0, 503);
    assert_eq!(get(addr, "/livez").await.0, 200);

    health.set_ready("store").await;
    assert_eq!(get(addr, "/healthz").await, (200, "ok".to_owned()));
    health.set_draining().await;
    let (status, body) = get(addr, "/healthz").await;
    assert_eq!(status, 503);
    assert!(body.contains("shutting down"), "{body}");

    stop.cancel();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn metrics_are_served_with_the_tagar_prefix() {
    let metrics = Metrics::new();
    let posts = metrics
        .counter("posts_ingested_total", "Posts taken in")
        .unwrap();
    posts.inc_by(3);
    let latency = metrics
        .histogram_vec("publish_seconds", "Publish latency", &["network"], None)
        .unwrap();
    latency.with_label_values(&["mastodon"]).observe(0.2);
    // Asked again, the registry returns the collector it holds, not a second one.
    metrics
        .counter("posts_ingested_total", "again")
        .unwrap()
        .inc();
    assert!(
        metrics
            .gauge("posts_ingested_total", "another kind")
            .is_err()
    );

    let stop = CancellationToken::new();
    let (addr, _server) = admin::serve(
        "127.0.0.1:0".parse().unwrap(),
        HealthState::new(Vec::<String>::new()),
        metrics,
        stop.clone(),
    )
    .await
    .unwrap();
    let (status, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(body.contains("tagar_posts_ingested_total 4"), "{body}");
    assert!(
        body.contains("tagar_publish_seconds_count{network=\"mastodon\"} 1"),
        "{body}"
    );
    stop.cancel();
}

#[tokio::test]
async fn bind_errors_name_the_address() {
    let stop = CancellationToken::new();
    let (addr, _server) = admin::serve(
        "127.0.0.1:0".parse().unwrap(),
        HealthState::new(Vec::<String>::new()),
        Metrics::new(),
        stop.clone(),
    )
    .await
    .unwrap();
    let error = admin::serve(
        addr,
        HealthState::new(Vec::<String>::new()),
        Metrics::new(),
        stop.clone(),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains(&addr.to_string()), "{error}");
    stop.cancel();
}
