//! Any bytes as a pushed `v1::Post`: the conversion at ingest's edge either refuses it,
//! naming a field, or gives a post inside every bound that converts back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message as _;
use tagar_model::{Post, bounds};
use tagar_proto::v1;

fuzz_target!(|data: &[u8]| {
    let Ok(wire) = v1::Post::decode(data) else {
        return;
    };
    match Post::try_from(wire) {
        Err(refused) => {
            assert!(
                refused.field.starts_with("post"),
                "a refusal names the post field: {refused:?}"
            );
            assert!(!refused.reason.is_empty(), "a refusal says why");
        }
        Ok(post) => {
            assert!(post.text.len() <= bounds::TEXT_BYTES);
            assert!(post.media.len() <= bounds::MEDIA_PER_POST);
            assert!(post.author.id.len() <= bounds::AUTHOR_ID_BYTES);
            assert!(post.author.handle.len() <= bounds::HANDLE_BYTES);
            assert!(!post.text.contains('\0') && !post.author.handle.contains('\0'));
            let again = Post::try_from(v1::Post::from(&post)).expect("a taken post converts again");
            assert_eq!(again, post, "the conversion round-trips");
        }
    }
});
