//! What the targets share: a post as ingest would take it in.

use tagar_proto::v1;

/// A post on X with `text` and the language hint `language`, converted as ingest converts a
/// pushed post; `None` when the conversion refuses it.
pub fn x_post(text: &str, language: &str) -> Option<tagar_model::Post> {
    tagar_model::Post::try_from(v1::Post {
        network: v1::Network::X as i32,
        native_id: "1".into(),
        author: Some(v1::Author {
            id: "a".into(),
            handle: "a".into(),
            ..Default::default()
        }),
        text: text.to_owned(),
        language: language.to_owned(),
        created_at: Some(prost_types::Timestamp {
            seconds: 1_767_225_600,
            nanos: 0,
        }),
        ..Default::default()
    })
    .ok()
}
