//! A process killed in the middle of a replay: nothing lost, nothing counted twice.

use std::time::Duration;

use tagar_proto::v1;

use tagar_kernel::testing::{TestApp, x_post};

use crate::client::{Clients, eventually, totals};

const POSTS: usize = 3_000;
const BATCH: usize = 300;

/// Replays `POSTS` posts for a brand in batches, kills `victim` with SIGKILL halfway and
/// starts it again, then pushes the rest, plus a batch from each side of the kill a second
/// time (as a client retrying after the outage would). The brand ends with exactly `POSTS`
/// mentions.
pub async fn replay_across_a_kill(app: &mut TestApp, key: &str, victim: &str) {
    let mut c = Clients::connect(app, key).await;
    let brand = c
        .brand_listening("Teh Melati", "Asia/Tehran", "تهران_باران")
        .await;

    let posts: Vec<v1::Post> = (0..POSTS)
        .map(|i| {
            x_post(
                &format!("r-{i}"),
                &format!("user{}", i % 97),
                &format!("باران امروز {i} #تهران_باران"),
            )
        })
        .collect();
    let batches: Vec<_> = posts.chunks(BATCH).collect();
    let half = batches.len() / 2;
    for batch in &batches[..half] {
        c.push(batch.to_vec()).await.expect("push before the kill");
    }

    app.kill_and_restart(victim).await;
    let mut c = Clients::connect(app, key).await;

    for batch in &batches[half..] {
        c.push(batch.to_vec())
            .await
            .expect("push after the restart");
    }
    // A batch taken since the restart, sent again: the ingest process remembers it.
    let again = c
        .push(batches[half].to_vec())
        .await
        .expect("push a batch again");
    assert_eq!(
        again.duplicates as usize, BATCH,
        "a retried batch is dropped as duplicates"
    );
    // A batch taken before the kill, sent again: a restarted ingest has forgotten it and
    // publishes it again, with the same event ids, which the consumers drop (counted below).
    let before = c
        .push(batches[half - 1].to_vec())
        .await
        .expect("push a batch from before the kill again");
    assert_eq!((before.accepted + before.duplicates) as usize, BATCH);

    let counted = eventually(Duration::from_secs(180), "every post counted", || {
        let (mut analytics, brand) = (c.analytics.clone(), brand.clone());
        async move {
            let t = totals(&mut analytics, &brand).await;
            (t.mentions as usize >= POSTS).then_some(t)
        }
    })
    .await;
    assert_eq!(counted.mentions as usize, POSTS, "none counted twice");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        totals(&mut c.analytics, &brand).await.mentions as usize,
        POSTS,
        "and none later"
    );
}
