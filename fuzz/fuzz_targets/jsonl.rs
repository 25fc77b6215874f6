//! Any line of a replay file: `tagar replay` either refuses it, naming a field, or reads a
//! post that pushes without rejection and reads back the same from its own JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tagar_client::jsonl::parse_line;
use tagar_model::Post;
use tagar_proto::v1;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    match parse_line(line) {
        Err(refused) => assert!(
            !refused.field.is_empty() && !refused.reason.is_empty(),
            "a refusal names a field and says why: {refused:?}"
        ),
        Ok(post) => {
            Post::try_from(v1::Post::from(&post)).expect("a parsed line pushes");
            let json = serde_json::to_string(&post).expect("a post serializes");
            let again = parse_line(&json).expect("a post's own JSON parses");
            assert_eq!(again, post, "a line round-trips");
        }
    }
});
