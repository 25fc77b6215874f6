//! The gRPC API: authenticate, check the caller's rights, read the read models, map errors.

use tagar_kernel::{Caller, reply};
use tagar_proto::v1;
use tagar_proto::v1::analytics_service_server::AnalyticsService;
use tagar_proto::v1::{
    ExportBrandActivityResponse, GetBrandActivityRequest, GetBrandActivityResponse,
    GetTrendsRequest, GetTrendsResponse,
};
use tagar_runtime::Shutdown;
use tagar_runtime::auth::Role;
use tagar_store::Store;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

mod chats;
mod crises;
mod query;
mod responses;
mod watch;

pub use chats::{CHAT_POLL, ChatWatches, LABEL_WAIT};
pub use crises::CRISIS_POLL;
pub use query::{ActivityQuery, DEFAULT_RANGE_US, FeedKey, MAX_RANGE_US, READERS, TrendsQuery};
pub use watch::{TrendsHub, WATCH_INTERVAL};

use crate::domain::export::activity_csv;
use crate::wire::{activity_response, trends_response};

/// The analytics gRPC service.
#[derive(Debug, Clone)]
pub struct AnalyticsApi {
    store: Store,
    trends: TrendsHub,
    chats: ChatWatches,
}

impl AnalyticsApi {
    /// The API over `store`; open `WatchTrends` streams end when `shutdown` fires, and a
    /// tenant holds at most `streams_per_tenant` of them.
    pub fn new(
        store: Store,
        shutdown: Shutdown,
        streams_per_tenant: usize,
        metrics: &tagar_runtime::Metrics,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            trends: TrendsHub::new(store.clone(), shutdown.clone(), streams_per_tenant, metrics)?,
            chats: ChatWatches::new(store.clone(), shutdown, streams_per_tenant),
            store,
        })
    }

    /// The trends streams' feeds.
    pub fn trends_hub(&self) -> &TrendsHub {
        &self.trends
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
        let rx = self.trends.watch(query).map_err(Status::from)?;
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

    type WatchChatStream = ReceiverStream<Result<v1::ChatPost, Status>>;

    #[tracing::instrument(skip_all, err)]
    async fn watch_chat(
        &self,
        request: Request<v1::WatchChatRequest>,
    ) -> Result<Response<Self::WatchChatStream>, Status> {
        let caller = Caller::of(&request, &READERS).map_err(Status::from)?;
        let rx = self
            .chats
            .watch(&caller, request.get_ref())
            .await
            .map_err(Status::from)?;
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    #[tracing::instrument(skip_all, err)]
    async fn get_chat_catch_up(
        &self,
        request: Request<v1::ChatRequest>,
    ) -> Result<Response<v1::ChatCatchUp>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                chats::get_catch_up(&self.store, &caller, request.get_ref()).await
            }
            .await,
        )
    }

    #[tracing::instrument(skip_all, err)]
    async fn get_chat_report(
        &self,
        request: Request<v1::ChatRequest>,
    ) -> Result<Response<v1::ChatReport>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                chats::get_report(&self.store, &caller, request.get_ref()).await
            }
            .await,
        )
    }

    #[tracing::instrument(skip_all, err)]
    async fn export_chat_report(
        &self,
        request: Request<v1::ChatRequest>,
    ) -> Result<Response<v1::ExportChatReportResponse>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                chats::export_report(&self.store, &caller, request.get_ref()).await
            }
            .await,
        )
    }

    #[tracing::instrument(skip_all, err)]
    async fn find_chats(
        &self,
        request: Request<v1::FindChatsRequest>,
    ) -> Result<Response<v1::FindChatsResponse>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                chats::find(&self.store, &caller, request.get_ref()).await
            }
            .await,
        )
    }

    #[tracing::instrument(skip_all, err)]
    async fn get_response_times(
        &self,
        request: Request<v1::GetResponseTimesRequest>,
    ) -> Result<Response<v1::ResponseTimes>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                responses::get(&self.store, &caller, request.get_ref()).await
            }
            .await,
        )
    }

    #[tracing::instrument(skip_all, err)]
    async fn list_crises(
        &self,
        request: Request<v1::ListCrisesRequest>,
    ) -> Result<Response<v1::ListCrisesResponse>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                crises::list(&self.store, &caller, request.get_ref()).await
            }
            .await,
        )
    }

    #[tracing::instrument(skip_all, err)]
    async fn get_crisis(
        &self,
        request: Request<v1::GetCrisisRequest>,
    ) -> Result<Response<v1::Crisis>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                crises::get(&self.store, &caller, request.get_ref()).await
            }
            .await,
        )
    }

    type WatchCrisesStream = ReceiverStream<Result<v1::Crisis, Status>>;

    #[tracing::instrument(skip_all, err)]
    async fn watch_crises(
        &self,
        request: Request<v1::WatchCrisesRequest>,
    ) -> Result<Response<Self::WatchCrisesStream>, Status> {
        let caller = Caller::of(&request, &READERS).map_err(Status::from)?;
        let rx = crises::watch(&self.chats, &caller, request.get_ref()).map_err(Status::from)?;
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    #[tracing::instrument(skip_all, err)]
    async fn get_crisis_thresholds(
        &self,
        request: Request<v1::GetCrisisThresholdsRequest>,
    ) -> Result<Response<v1::CrisisThresholds>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &READERS)?;
                crises::get_thresholds(&self.store, &caller, request.get_ref()).await
            }
            .await,
        )
    }

    #[tracing::instrument(skip_all, err)]
    async fn set_crisis_thresholds(
        &self,
        request: Request<v1::CrisisThresholds>,
    ) -> Result<Response<v1::CrisisThresholds>, Status> {
        reply(
            async {
                let caller = Caller::of(&request, &[Role::Admin, Role::Manager])?;
                crises::set_thresholds(&self.store, &caller, request.get_ref()).await
            }
            .await,
        )
    }
}
