//! A whole process in each mode, as a client sees it: the standard gRPC health service answers,
//! `/healthz` is ready, every topic the services write exists with its dead-letter topic, and
//! SIGTERM-style shutdown drains.

use std::sync::Arc;
use std::time::Duration;

use tagar_eventlog::dead_letter_topic;
use tagar_kernel::{Mode, ServiceModule, Settings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// A service that writes two topics and serves nothing else.
struct Probe;

impl ServiceModule for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }
    fn topics(&self) -> &'static [&'static str] {
        &["tagar.probe.one.v1", "tagar.probe.two.v1"]
    }
}

fn local(settings: &mut Settings) {
    settings.grpc.listen = "127.0.0.1:0".parse().unwrap();
    settings.admin.listen = "127.0.0.1:0".parse().unwrap();
    settings.shutdown.drain_seconds = 5;
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

async fn check_serving(settings: &Settings, mode: Mode) {
    let modules: Vec<Arc<dyn ServiceModule>> = vec![Arc::new(Probe)];
    let running = tagar_kernel::start(settings, mode, &modules)
        .await
        .expect("start");

    let channel = tonic::transport::Channel::from_shared(format!("http://{}", running.grpc_addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    let status = health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health needs no key");
    assert_eq!(status.into_inner().status(), ServingStatus::Serving);
    assert!(
        http_get(running.admin_addr, "/healthz")
            .await
            .starts_with("HTTP/1.1 200")
    );
    assert!(
        http_get(running.admin_addr, "/metrics")
            .await
            .starts_with("HTTP/1.1 200")
    );

    // Every topic, and its dead-letter topic, was provisioned: consumers can join them.
    let log = Arc::clone(&running.platform.log);
    for topic in Probe.topics() {
        for name in [topic.to_string(), dead_letter_topic(topic)] {
            let consumer = log
                .subscribe("probe-check", &[&name])
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            consumer.close().await.unwrap();
        }
    }

    tokio::time::timeout(Duration::from_secs(30), running.stop())
        .await
        .expect("drains in time")
        .expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_serves_health_and_provisions_topics() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    local(&mut settings);
    settings.standalone.data_dir = dir.path().to_owned();
    check_serving(&settings, Mode::Standalone).await;
    assert!(dir.path().join("tagar.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_serves_health_and_provisions_topics_on_kafka() {
    let mut settings = Settings::default();
    local(&mut settings);
    settings.database = tagar_store::DatabaseConfig::new(tagar_testkit::fresh_postgres().await);
    settings.kafka.brokers = tagar_testkit::kafka_brokers();
    settings.kafka.partitions = 2;
    check_serving(&settings, Mode::Distributed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_refuses_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    local(&mut settings);
    settings.database = tagar_store::DatabaseConfig::new(format!(
        "sqlite://{}/x.db?mode=rwc",
        dir.path().display()
    ));
    let modules: Vec<Arc<dyn ServiceModule>> = vec![Arc::new(Probe)];
    let err = tagar_kernel::start(&settings, Mode::Distributed, &modules)
        .await
        .err()
        .expect("refused");
    assert!(format!("{err:#}").contains("needs PostgreSQL"), "{err:#}");
}
