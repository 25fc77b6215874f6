//! A proxy in front of a network's server that lets a call through and then keeps its answer
//! from the caller: the server has done what was asked (the post is on the network), the
//! caller never hears so. The moment between a network call and the commit that records its
//! answer, held open for a test to kill the caller in.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

struct Shared {
    upstream: String,
    hold: String,
    /// How many more matching calls to hold.
    to_hold: AtomicUsize,
    held: AtomicUsize,
    notify: Notify,
    http: reqwest::Client,
}

/// A running proxy.
#[derive(Clone)]
pub struct HoldingProxy {
    /// Its base URL, `http://127.0.0.1:<port>`: give it to the caller instead of the server's.
    pub url: String,
    shared: Arc<Shared>,
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 256 * 1024 * 1024).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = shared
        .http
        .request(parts.method.clone(), format!("{}{path}", shared.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection") {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = match outgoing.send().await {
        Ok(answer) => answer,
        Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
    };
    let holding = parts.uri.path().contains(&shared.hold)
        && shared
            .to_hold
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    if holding {
        // Done on the server; the caller waits for an answer that never comes.
        shared.held.fetch_add(1, Ordering::SeqCst);
        shared.notify.notify_waiters();
        std::future::pending::<()>().await;
    }
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    response
        .body(Body::from(bytes))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

impl HoldingProxy {
    /// Proxies to `upstream` (`http://host:port`), holding the answer of the first `times`
    /// calls whose path contains `hold`; everything else passes through.
    pub async fn start(upstream: &str, hold: &str, times: usize) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            hold: hold.to_owned(),
            to_hold: AtomicUsize::new(times),
            held: AtomicUsize::new(0),
            notify: Notify::new(),
            http: reqwest::Client::new(),
        });
        let app = Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, shared }
    }

    /// Waits until `n` calls have been let through and held.
    pub async fn until_held(&self, n: usize) {
        loop {
            let notified = self.shared.notify.notified();
            if self.shared.held.load(Ordering::SeqCst) >= n {
                return;
            }
            notified.await;
        }
    }
}
