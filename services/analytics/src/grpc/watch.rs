//! `WatchTrends` streams, shared: every stream of one tenant asking the same question (scope,
//! window, limit) reads one feed, and one poller per feed asks the store once a second,
//! whatever the number of streams. A tenant holds at most `[limits] streams_per_tenant`
//! streams open on a process; the next is refused with `RESOURCE_EXHAUSTED`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus::IntGauge;
use tagar_kernel::{ApiError, ApiResult};
use tagar_model::TenantId;
use tagar_proto::v1::GetTrendsResponse;
use tagar_runtime::{Metrics, Shutdown};
use tagar_store::Store;
use tokio::sync::{mpsc, watch};
use tonic::Status;

use super::query::{FeedKey, TrendsQuery};
use crate::wire::trends_response;

/// How often a feed looks for a change.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// Lowers the feeds gauge when the poller ends, however it ends.
struct FeedGuard(IntGauge);

impl Drop for FeedGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// What a feed holds: nothing yet, the latest answer, or the error that ended it.
type Latest = Option<Result<GetTrendsResponse, Status>>;

/// The open feeds and streams of a process.
#[derive(Debug, Clone)]
pub struct TrendsHub {
    store: Store,
    shutdown: Shutdown,
    streams_per_tenant: usize,
    state: Arc<Mutex<HubState>>,
    gauges: Gauges,
}

/// `tagar_analytics_trend_streams` and `tagar_analytics_trend_feeds`: open streams, and the
/// pollers behind them.
#[derive(Debug, Clone)]
struct Gauges {
    streams: IntGauge,
    feeds: IntGauge,
}

#[derive(Debug, Default)]
struct HubState {
    feeds: HashMap<FeedKey, watch::Receiver<Latest>>,
    open: HashMap<TenantId, usize>,
}

/// A stream's place among its tenant's: given back when the stream ends.
struct Seat {
    tenant: TenantId,
    state: Arc<Mutex<HubState>>,
    streams: IntGauge,
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.streams.dec();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = state.open.get_mut(&self.tenant) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.open.remove(&self.tenant);
            }
        }
    }
}

impl TrendsHub {
    /// Feeds over `store`, ended by `shutdown`, holding each tenant to `streams_per_tenant`,
    /// counted in `metrics`.
    pub fn new(
        store: Store,
        shutdown: Shutdown,
        streams_per_tenant: usize,
        metrics: &Metrics,
    ) -> anyhow::Result<Self> {
        let gauges = Gauges {
            streams: metrics.gauge("analytics_trend_streams", "Open WatchTrends streams.")?,
            feeds: metrics.gauge(
                "analytics_trend_feeds",
                "Pollers behind the open WatchTrends streams (one per tenant and question).",
            )?,
        };
        Ok(Self {
            store,
            shutdown,
            streams_per_tenant: streams_per_tenant.max(1),
            state: Arc::default(),
            gauges,
        })
    }

    /// How many streams `tenant` holds open.
    pub fn open_streams(&self, tenant: TenantId) -> usize {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.open.get(&tenant).copied().unwrap_or(0)
    }

    /// How many feeds poll the store.
    pub fn feeds(&self) -> usize {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.feeds.len()
    }

    /// A stream of `query`'s trends: the first answer at once, then each change.
    pub fn watch(
        &self,
        query: TrendsQuery,
    ) -> ApiResult<mpsc::Receiver<Result<GetTrendsResponse, Status>>> {
        let tenant = query.tenant();
        let (seat, mut feed) = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let open = state.open.get(&tenant).copied().unwrap_or(0);
            if open >= self.streams_per_tenant {
                return Err(ApiError::Exhausted(format!(
                    "the tenant holds {open} trend streams open on this server, the most it may; \
                     close one first"
                )));
            }
            *state.open.entry(tenant).or_default() += 1;
            self.gauges.streams.inc();
            let seat = Seat {
                tenant,
                state: Arc::clone(&self.state),
                streams: self.gauges.streams.clone(),
            };
            let key = query.feed_key();
            let feed = match state.feeds.get(&key) {
                Some(feed) if feed.has_changed().is_ok() => feed.clone(),
                _ => {
                    let feed = self.start_feed(query, key);
                    state.feeds.insert(key, feed.clone());
                    feed
                }
            };
            (seat, feed)
        };
        let (tx, rx) = mpsc::channel(4);
        let token = self.shutdown.token();
        self.shutdown
            .spawn("analytics-watch-trends-stream", async move {
                let _seat = seat;
                // The feed's current answer first (if it has one), then every change.
                feed.mark_changed();
                loop {
                    tokio::select! {
                        () = token.cancelled() => return,
                        () = tx.closed() => return,
                        changed = feed.changed() => if changed.is_err() { return },
                    }
                    let latest = feed.borrow_and_update().clone();
                    let Some(latest) = latest else { continue };
                    let ended = latest.is_err();
                    if tx.send(latest).await.is_err() || ended {
                        return;
                    }
                }
            });
        Ok(rx)
    }

    /// Starts the poller of one feed: it ends when its last stream has gone.
    fn start_feed(&self, query: TrendsQuery, key: FeedKey) -> watch::Receiver<Latest> {
        let (tx, rx) = watch::channel(None);
        let store = self.store.clone();
        let state = Arc::clone(&self.state);
        let token = self.shutdown.token();
        let feeds = self.gauges.feeds.clone();
        feeds.inc();
        self.shutdown.spawn("analytics-trends-feed", async move {
            let _running = FeedGuard(feeds);
            let mut last = None;
            let mut tick = tokio::time::interval(WATCH_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = token.cancelled() => break,
                    _ = tick.tick() => {}
                }
                {
                    // No stream left (only the hub's own receiver): stop, under the lock, so
                    // no stream joins a feed that is going away.
                    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
                    if tx.receiver_count() <= 1 {
                        state.feeds.remove(&key);
                        return;
                    }
                }
                match query.trends(&store).await {
                    // Only a change of the list itself is news, not the clock moving on.
                    Ok((trends, _)) if last.as_ref() == Some(&trends) => {}
                    Ok((trends, as_of)) => {
                        tx.send_replace(Some(Ok(trends_response(&trends, as_of))));
                        last = Some(trends);
                    }
                    Err(error) => {
                        tx.send_replace(Some(Err(Status::from(error))));
                        break;
                    }
                }
            }
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.feeds.remove(&key);
        });
        rx
    }
}
