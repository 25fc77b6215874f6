//! The gRPC API: authenticate, check the caller's rights, read the read models, map errors.

use std::time::Duration;

use tagar_kernel::{Caller, reply};
use tagar_proto::v1::analytics_service_server::AnalyticsService;
use tagar_proto::v1::{
    ExportBrandActivityResponse, GetBrandActivityRequest, GetBrandActivityResponse,
    GetTrendsRequest, GetTrendsResponse,
};
use tagar_runtime::Shutdown;
use tagar_store::Store;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::domain::export::activity_csv;
mod query;

pub use query::{ActivityQuery, DEFAULT_RANGE_US, MAX_RANGE_US, READERS, TrendsQuery};

use crate::wire::{activity_response, trends_response};

/// How often `WatchTrends` looks for a change.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// The analytics gRPC service.
#[derive(Debug, Clone)]
pub struct AnalyticsApi {
    store: Store,
    shutdown: Shutdown,
}

impl AnalyticsApi {
    /// The API over `store`; open `WatchTrends` streams end when `shutdown` fires.
    pub fn new(store: Store, shutdown: Shutdown) -> Self {
        Self { store, shutdown }
    }
}

#[tonic::async_trait]
impl AnalyticsService for AnalyticsApi {
    #[tracing::instrument(skip_all, err)]
    async fn get_brand_activity(
        &self,
        request: Request<GetBrandActivityRequest>,
    ) -> Result<Response<GetBrandActivityResponse>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                let query = ActivityQuery::parse(&caller, request.get_ref())?;
                Ok(activity_response(&query.minutes(&self.store).await?))
            }
            .await,
        )
    }

    #[tracing::instrument(skip_all, err)]
    async fn get_trends(
        &self,
        request: Request<GetTrendsRequest>,
    ) -> Result<Response<GetTrendsResponse>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                let query = TrendsQuery::parse(&caller, request.get_ref())?;
                let (trends, as_of) = query.trends(&self.store).await?;
                Ok(trends_response(&trends, as_of))
            }
            .await,
        )
    }

    type WatchTrendsStream = ReceiverStream<Result<GetTrendsResponse, Status>>;

    #[tracing::instrument(skip_all, err)]
    async fn watch_trends(
        &self,
        request: Request<GetTrendsRequest>,
    ) -> Result<Response<Self::WatchTrendsStream>, Status> {
        let query = Caller::of(&request, &READERS)
            .and_then(|caller| TrendsQuery::parse(&caller, request.get_ref()))
            .map_err(Status::from)?;
        let (tx, rx) = mpsc::channel(4);
        let store = self.store.clone();
        let token = self.shutdown.token();
        self.shutdown.spawn("analytics-watch-trends", async move {
            let mut last = None;
            let mut tick = tokio::time::interval(WATCH_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = token.cancelled() => return,
                    () = tx.closed() => return,
                    _ = tick.tick() => {}
                }
                let (trends, as_of) = match query.trends(&store).await {
                    Ok(found) => found,
                    Err(error) => {
                        let _ = tx.send(Err(Status::from(error))).await;
                        return;
                    }
                };
                // Only a change of the list itself is news, not the clock moving on.
                if last.as_ref() == Some(&trends) {
                    continue;
                }
                if tx.send(Ok(trends_response(&trends, as_of))).await.is_err() {
                    return;
                }
                last = Some(trends);
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    #[tracing::instrument(skip_all, err)]
    async fn export_brand_activity(
        &self,
        request: Request<GetBrandActivityRequest>,
    ) -> Result<Response<ExportBrandActivityResponse>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                let query = ActivityQuery::parse(&caller, request.get_ref())?;
                Ok(ExportBrandActivityResponse {
                    csv: activity_csv(&query.minutes(&self.store).await?),
                })
            }
            .await,
        )
    }
}
