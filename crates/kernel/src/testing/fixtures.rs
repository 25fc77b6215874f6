//! What many tests start from: a post to push, a brand that listens.

use tagar_client::{IngestClient, SchedulingClient};
use tagar_proto::convert::time_to_wire;
use tagar_proto::v1;

/// A valid X post by `author` (an account of 900 days, 120 followers), written now.
pub fn x_post(native_id: &str, author: &str, text: &str) -> v1::Post {
    let now = chrono::Utc::now();
    v1::Post {
        network: v1::Network::X as i32,
        native_id: native_id.to_owned(),
        author: Some(v1::Author {
            id: format!("id-{author}"),
            handle: author.to_owned(),
            display_name: author.to_owned(),
            followers: 120,
            account_created_at: Some(time_to_wire(now - chrono::Duration::days(900))),
            ..Default::default()
        }),
        text: text.to_owned(),
        created_at: Some(time_to_wire(now)),
        metrics: Some(v1::PostMetrics {
            likes: 3,
            reposts: 1,
            replies: 0,
            quotes: 0,
            views: 100,
        }),
        ..Default::default()
    }
}

/// A new brand `name` in `time_zone` with a rule listening for `#hashtag`: the brand's id.
pub async fn brand_listening(
    scheduling: &mut SchedulingClient,
    ingest: &mut IngestClient,
    (name, time_zone): (&str, &str),
    hashtag: &str,
) -> String {
    let brand = scheduling
        .create_brand(v1::CreateBrandRequest {
            name: name.to_owned(),
            time_zone: time_zone.to_owned(),
        })
        .await
        .expect("create brand")
        .into_inner()
        .brand_id;
    ingest
        .add_listening_rule(v1::AddListeningRuleRequest {
            brand_id: brand.clone(),
            kind: v1::RuleKind::Hashtag as i32,
            pattern: hashtag.to_owned(),
        })
        .await
        .expect("add rule");
    brand
}
