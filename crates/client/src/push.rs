//! Streaming posts into `IngestService.PushPosts` with backpressure: the posts come from an
//! iterator run on a thread of its own (it may block: read a file, generate posts), in
//! messages of `batch` posts, with at most [`IN_FLIGHT_BATCHES`] messages between the reader
//! and the network, so a slow server slows the reader down and nothing is held in memory.

use tagar_proto::v1;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::IngestClient;

/// Messages in flight between the reader and the network: the backpressure bound.
pub const IN_FLIGHT_BATCHES: usize = 4;

/// Streams `posts` to `PushPosts` in messages of `batch` posts, and returns the server's
/// summary (per-post errors carry each post's index in the stream).
pub async fn push_posts<I>(
    client: &mut IngestClient,
    posts: I,
    batch: usize,
) -> Result<v1::PushPostsResponse, tonic::Status>
where
    I: Iterator<Item = v1::Post> + Send + 'static,
{
    let batch = batch.max(1);
    let (tx, rx) = mpsc::channel::<v1::PushPostsRequest>(IN_FLIGHT_BATCHES);
    let feeder = std::thread::spawn(move || {
        let mut posts = posts.peekable();
        while posts.peek().is_some() {
            let chunk: Vec<v1::Post> = posts.by_ref().take(batch).collect();
            if tx
                .blocking_send(v1::PushPostsRequest { posts: chunk })
                .is_err()
            {
                // The call ended (an error, or the server hung up): stop reading.
                return;
            }
        }
    });
    let outcome = client.push_posts(ReceiverStream::new(rx)).await;
    // The thread ends once the iterator is done or the stream was dropped.
    let _ = tokio::task::spawn_blocking(move || feeder.join()).await;
    outcome.map(tonic::Response::into_inner)
}
