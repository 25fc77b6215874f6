//! Streaming posts into `IngestService.PushPosts` with backpressure: the posts come from an
//! iterator run on a thread of its own (it may block: read a file, generate posts), in
//! messages of `batch` posts, with at most [`IN_FLIGHT_BATCHES`] messages per stream between
//! the reader and the network, so a slow server slows the reader down and nothing is held in
//! memory. Several streams may carry one iterator's posts at once, its messages dealt to them
//! in turn.

use tagar_proto::v1;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::IngestClient;

/// Messages in flight between the reader and the network, per stream: the backpressure
/// bound.
pub const IN_FLIGHT_BATCHES: usize = 4;

/// The most per-post errors a combined summary lists, as the server does per stream.
pub const MAX_ERRORS: usize = 1_000;

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
    push_posts_concurrently(client, posts, batch, 1).await
}

/// Streams `posts` to `PushPosts` over `streams` concurrent calls, message `m` (of `batch`
/// posts) going to stream `m mod streams`, and returns their summaries added up, each
/// per-post error's index being the post's position in `posts`. The posts of one stream
/// arrive in order; across streams, they may not. When a stream fails the others end too,
/// and the first failure is returned: push again, what was taken is dropped as copies.
pub async fn push_posts_concurrently<I>(
    client: &IngestClient,
    posts: I,
    batch: usize,
    streams: usize,
) -> Result<v1::PushPostsResponse, tonic::Status>
where
    I: Iterator<Item = v1::Post> + Send + 'static,
{
    let (batch, streams) = (batch.max(1), streams.max(1));
    let mut senders = Vec::with_capacity(streams);
    let mut calls = Vec::with_capacity(streams);
    for _ in 0..streams {
        let (tx, rx) = mpsc::channel::<v1::PushPostsRequest>(IN_FLIGHT_BATCHES);
        senders.push(tx);
        let mut client = client.clone();
        calls.push(tokio::spawn(async move {
            client
                .push_posts(ReceiverStream::new(rx))
                .await
                .map(tonic::Response::into_inner)
        }));
    }
    let feeder = std::thread::spawn(move || {
        let mut posts = posts.peekable();
        let mut message = 0usize;
        while posts.peek().is_some() {
            let chunk: Vec<v1::Post> = posts.by_ref().take(batch).collect();
            let request = v1::PushPostsRequest { posts: chunk };
            if senders[message % streams].blocking_send(request).is_err() {
                // That call ended (an error, or the server hung up): stop reading, which
                // closes the other streams too.
                return;
            }
            message += 1;
        }
    });
    let mut total = v1::PushPostsResponse::default();
    let mut failure = None;
    for (stream, call) in calls.into_iter().enumerate() {
        let outcome = call
            .await
            .unwrap_or_else(|e| Err(tonic::Status::internal(format!("push stream task: {e}"))));
        match outcome {
            Ok(summary) => add(&mut total, summary, stream, streams, batch),
            Err(status) => {
                failure.get_or_insert(status);
            }
        }
    }
    // The thread ends once the iterator is done or a stream was dropped.
    let _ = tokio::task::spawn_blocking(move || feeder.join()).await;
    if let Some(status) = failure {
        return Err(status);
    }
    total.errors.sort_by_key(|e| e.index);
    total.errors.truncate(MAX_ERRORS);
    Ok(total)
}

/// Adds stream `stream`'s summary to `total`, its errors' indexes mapped back to positions
/// in the posts (every message but the very last holds `batch` posts).
fn add(
    total: &mut v1::PushPostsResponse,
    summary: v1::PushPostsResponse,
    stream: usize,
    streams: usize,
    batch: usize,
) {
    total.accepted += summary.accepted;
    total.duplicates += summary.duplicates;
    total.rejected += summary.rejected;
    let (stream, streams, batch) = (stream as u64, streams as u64, batch as u64);
    total.errors.extend(summary.errors.into_iter().map(|mut e| {
        let (message, offset) = (e.index / batch, e.index % batch);
        e.index = (message * streams + stream) * batch + offset;
        e
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(index: u64) -> v1::PostError {
        v1::PostError {
            index,
            field: "post.text".into(),
            reason: "r".into(),
        }
    }

    #[test]
    fn a_stream_s_indexes_become_positions_in_the_posts() {
        // Messages of 10 posts dealt to 3 streams: stream 1 carries messages 1, 4, 7, …
        let mut total = v1::PushPostsResponse::default();
        let summary = v1::PushPostsResponse {
            accepted: 18,
            duplicates: 1,
            rejected: 2,
            errors: vec![error(3), error(12)],
        };
        add(&mut total, summary, 1, 3, 10);
        let indexes: Vec<u64> = total.errors.iter().map(|e| e.index).collect();
        // Post 3 of its first message (message 1) is post 13; post 2 of its second
        // (message 4) is post 42.
        assert_eq!(indexes, vec![13, 42]);
        assert_eq!(
            (total.accepted, total.duplicates, total.rejected),
            (18, 1, 2)
        );
        // One stream keeps the server's indexes.
        let mut one = v1::PushPostsResponse::default();
        add(
            &mut one,
            v1::PushPostsResponse {
                errors: vec![error(57)],
                ..Default::default()
            },
            0,
            1,
            10,
        );
        assert_eq!(one.errors[0].index, 57);
    }
}
