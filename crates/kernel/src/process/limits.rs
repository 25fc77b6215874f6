//! Per-tenant limits on the gRPC API (`[limits]`): a token bucket of requests per tenant, and
//! a deadline on every call that is not a stream. One tenant's flood slows that tenant, not
//! the others; a call stuck on a slow dependency ends instead of holding its resources.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tagar_model::TenantId;
use tagar_runtime::auth::Principal;
use tonic::Status;
use tower::{Layer, Service};

/// `[limits]`: what one tenant may ask of a process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitsConfig {
    /// Calls a second one tenant may make to this process, on average
    /// (`TAGAR__LIMITS__REQUESTS_PER_SECOND`). A push stream is one call.
    pub requests_per_second: f64,
    /// Calls one tenant may make at once above the average (`TAGAR__LIMITS__REQUEST_BURST`).
    pub request_burst: f64,
    /// The longest a call that is not a stream may take (`TAGAR__LIMITS__REQUEST_TIMEOUT_SECONDS`).
    pub request_timeout_seconds: u64,
    /// Server streams (`WatchTrends`) one tenant may hold open on this process
    /// (`TAGAR__LIMITS__STREAMS_PER_TENANT`).
    pub streams_per_tenant: usize,
    /// Listening rules one tenant may have (`TAGAR__LIMITS__RULES_PER_TENANT`).
    pub rules_per_tenant: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            requests_per_second: 200.0,
            request_burst: 400.0,
            request_timeout_seconds: 30,
            streams_per_tenant: 16,
            rules_per_tenant: 2_000,
        }
    }
}

impl LimitsConfig {
    /// The deadline of a call that is not a stream.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds.max(1))
    }
}

/// A token bucket per tenant.
#[derive(Debug)]
struct Buckets {
    rate: f64,
    burst: f64,
    tenants: Mutex<HashMap<TenantId, (f64, Instant)>>,
}

impl Buckets {
    /// Takes a token for `tenant`; when there is none, how long until there is.
    fn take(&self, tenant: TenantId) -> Result<(), Duration> {
        let now = Instant::now();
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        if tenants.len() > 100_000 {
            // Forget tenants whose buckets are full again: they would start full anyway.
            let (rate, burst) = (self.rate, self.burst);
            tenants.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = tenants.entry(tenant).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - *tokens) / self.rate.max(0.001),
            ))
        }
    }
}

/// The layer that applies [`LimitsConfig`] to every authenticated call. It goes inside the
/// auth layer (it reads the caller's tenant).
#[derive(Debug, Clone)]
pub struct LimitLayer {
    buckets: Arc<Buckets>,
    timeout: Duration,
    streams: Arc<[&'static str]>,
}

impl LimitLayer {
    /// The limits of `config`; calls to `streams` (method paths, `/pkg.Service/Method`) are
    /// streams: rate-limited, never timed out.
    pub fn new(config: &LimitsConfig, streams: Vec<&'static str>) -> Self {
        Self {
            buckets: Arc::new(Buckets {
                rate: config.requests_per_second.max(0.001),
                burst: config.request_burst.max(1.0),
                tenants: Mutex::default(),
            }),
            timeout: config.request_timeout(),
            streams: streams.into(),
        }
    }
}

impl<S> Layer<S> for LimitLayer {
    type Service = LimitService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LimitService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`LimitLayer`] wraps around a server.
#[derive(Debug, Clone)]
pub struct LimitService<S> {
    inner: S,
    layer: LimitLayer,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// `RESOURCE_EXHAUSTED`, saying when to come back: in words, in `retry-after` (seconds) and
/// in gRPC's `grpc-retry-pushback-ms`, which gRPC clients with retry policies obey.
fn exhausted(wait: Duration) -> Status {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut status = Status::resource_exhausted(format!(
        "too many calls from this tenant; retry in {} ms",
        wait.as_millis().max(1)
    ));
    let metadata = status.metadata_mut();
    if let Ok(value) = seconds.to_string().parse() {
        metadata.insert("retry-after", value);
    }
    if let Ok(value) = wait.as_millis().max(1).to_string().parse() {
        metadata.insert("grpc-retry-pushback-ms", value);
    }
    status
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for LimitService<S>
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

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        // Exempt paths (health, reflection) carry no principal: no tenant to limit.
        let Some(tenant) = request.extensions().get::<Principal>().map(|p| p.tenant) else {
            return Box::pin(inner.call(request));
        };
        if let Err(wait) = self.layer.buckets.take(tenant) {
            return Box::pin(async move { Ok(exhausted(wait).into_http()) });
        }
        let path = request.uri().path();
        if self.layer.streams.contains(&path) {
            return Box::pin(inner.call(request));
        }
        let timeout = self.layer.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, inner.call(request)).await {
                Ok(response) => response,
                Err(_) => Ok(Status::deadline_exceeded(format!(
                    "the call took longer than {} s; try again",
                    timeout.as_secs()
                ))
                .into_http()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_a_burst_through_then_says_how_long_to_wait() {
        let buckets = Buckets {
            rate: 10.0,
            burst: 3.0,
            tenants: Mutex::default(),
        };
        let (one, two) = (TenantId::new(), TenantId::new());
        for _ in 0..3 {
            assert!(buckets.take(one).is_ok());
        }
        let wait = buckets.take(one).unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(
            buckets.take(two).is_ok(),
            "another tenant has its own bucket"
        );
    }

    #[test]
    fn exhausted_says_when_to_retry() {
        let status = exhausted(Duration::from_millis(1_500));
        assert_eq!(status.code(), tonic::Code::ResourceExhausted);
        assert_eq!(status.metadata().get("retry-after").unwrap(), "2");
        assert_eq!(
            status.metadata().get("grpc-retry-pushback-ms").unwrap(),
            "1500"
        );
    }
}
