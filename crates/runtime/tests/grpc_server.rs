//! A real tonic server on 127.0.0.1:0 behind the auth layer, called by a real client.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::uri::PathAndQuery;
use tagar_runtime::auth::{
    ApiKey, AuthLayer, Authenticator, BrandScope, Role, StaticKeyDirectory, principal_from,
};
use tagar_runtime::{HealthState, telemetry};
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::server::{NamedService, UnaryService};
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_prost::ProstCodec;

/// A hand-written unary service (no protos needed): answers the caller's tenant id,
/// and only to managers.
#[derive(Clone)]
struct WhoAmI;

impl NamedService for WhoAmI {
    const NAME: &'static str = "tagar.test.WhoAmI";
}

impl tower::Service<http::Request<Body>> for WhoAmI {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(ProstCodec::<String, String>::default());
            Ok(grpc.unary(Handler, request).await)
        })
    }
}

struct Handler;

impl UnaryService<String> for Handler {
    type Response = String;
    type Future = Ready<Result<tonic::Response<String>, Status>>;

    fn call(&mut self, request: tonic::Request<String>) -> Self::Future {
        ready(principal_from(&request).and_then(|principal| {
            principal.require_role(&[Role::Manager])?;
            Ok(tonic::Response::new(principal.tenant.to_string()))
        }))
    }
}

async fn start(
    directory: Arc<StaticKeyDirectory>,
    health: &HealthState,
    stop: CancellationToken,
) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = tonic::transport::Server::builder()
        .trace_fn(telemetry::grpc_server_span)
        .layer(AuthLayer::new(Authenticator::new(directory, None)))
        .add_service(health.grpc_service())
        .add_service(WhoAmI);
    tokio::spawn(
        router
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), stop.cancelled_owned()),
    );
    addr
}

async fn who_am_i(channel: Channel, api_key: Option<&str>) -> Result<String, Status> {
    let mut client = tonic::client::Grpc::new(channel);
    client.ready().await.unwrap();
    let mut request = tonic::Request::new("hello".to_owned());
    if let Some(key) = api_key {
        request
            .metadata_mut()
            .insert("x-api-key", key.parse().unwrap());
    }
    let path = PathAndQuery::from_static("/tagar.test.WhoAmI/Get");
    let response = client
        .unary(request, path, ProstCodec::<String, String>::default())
        .await?;
    Ok(response.into_inner())
}

#[tokio::test]
async fn calls_are_authenticated_and_scoped_end_to_end() {
    let tenant = tagar_model::TenantId::new();
    let (manager_key, manager) = ApiKey::generate(tenant, Role::Manager, BrandScope::All);
    let (analyst_key, analyst) = ApiKey::generate(tenant, Role::Analyst, BrandScope::All);
    let directory = Arc::new(StaticKeyDirectory::from_iter([manager, analyst]));
    let health = HealthState::new([WhoAmI::NAME]);
    let stop = CancellationToken::new();
    let addr = start(directory, &health, stop.clone()).await;
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();

    let refused = who_am_i(channel.clone(), None).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    assert!(
        refused.message().contains("missing credentials"),
        "{}",
        refused.message()
    );

    let bad = format!("tgr_{}_{}", "f".repeat(16), "0".repeat(64));
    assert_eq!(
        who_am_i(channel.clone(), Some(&bad))
            .await
            .unwrap_err()
            .code(),
        Code::Unauthenticated
    );

    let answer = who_am_i(channel.clone(), Some(manager_key.expose()))
        .await
        .unwrap();
    assert_eq!(answer, tenant.to_string());

    let denied = who_am_i(channel.clone(), Some(analyst_key.expose()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    stop.cancel();
}

#[tokio::test]
async fn grpc_health_needs_no_credentials_and_follows_health_state() {
    let health = HealthState::new([WhoAmI::NAME]);
    let stop = CancellationToken::new();
    let addr = start(Arc::new(StaticKeyDirectory::new()), &health, stop.clone()).await;
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = HealthClient::new(channel);
    let check = |service: &str| HealthCheckRequest {
        service: service.to_owned(),
    };

    health.set_ready("store").await;
    let status = client
        .check(check(WhoAmI::NAME))
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32);

    health.set_unready("store").await;
    for service in [WhoAmI::NAME, ""] {
        let status = client
            .check(check(service))
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(
            status,
            ServingStatus::NotServing as i32,
            "service {service:?}"
        );
    }
    stop.cancel();
}
