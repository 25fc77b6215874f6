//! The tower layer that authenticates every gRPC call before it reaches a handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tonic::Status;
use tower::{Layer, Service};

use super::authenticator::{API_KEY_HEADER, Authenticator};

/// Paths served without credentials. Health probes come from Kubernetes and load
/// balancers, which hold no tenant key, and reflection only describes the schema; neither
/// returns any tenant's data.
pub const EXEMPT_PATH_PREFIXES: [&str; 2] = ["/grpc.health.v1.Health/", "/grpc.reflection."];

/// Authenticates calls and puts the [`super::Principal`] into the request's extensions,
/// where tonic hands it to handlers as `Request::extensions()`.
///
/// ```no_run
/// # async fn run(
/// #     authenticator: tagar_runtime::Authenticator,
/// #     health: tagar_runtime::HealthState,
/// # ) -> Result<(), tonic::transport::Error> {
/// use tagar_runtime::{AuthLayer, telemetry};
///
/// tonic::transport::Server::builder()
///     .trace_fn(telemetry::grpc_server_span)
///     .layer(AuthLayer::new(authenticator))
///     .add_service(health.grpc_service())
///     .serve("0.0.0.0:50051".parse().unwrap())
///     .await
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AuthLayer {
    authenticator: Arc<Authenticator>,
}

impl AuthLayer {
    /// A layer that authenticates with `authenticator`.
    pub fn new(authenticator: Authenticator) -> Self {
        Self {
            authenticator: Arc::new(authenticator),
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            authenticator: Arc::clone(&self.authenticator),
        }
    }
}

/// The service [`AuthLayer`] wraps around a server.
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    authenticator: Arc<Authenticator>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for AuthService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        // The instance polled ready must serve this call; leave a fresh clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if is_exempt(request.uri().path()) {
            return Box::pin(inner.call(request));
        }
        let authenticator = Arc::clone(&self.authenticator);
        Box::pin(async move {
            match authenticator.authenticate(request.headers()).await {
                Ok(principal) => {
                    // Handlers never need the raw credential; dropping it here means a
                    // handler that logs its metadata cannot leak it.
                    request.headers_mut().remove(http::header::AUTHORIZATION);
                    request.headers_mut().remove(API_KEY_HEADER);
                    request.extensions_mut().insert(principal);
                    inner.call(request).await
                }
                Err(error) => Ok(Status::from(error).into_http()),
            }
        })
    }
}

fn is_exempt(path: &str) -> bool {
    EXEMPT_PATH_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix))
}
