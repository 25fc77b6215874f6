//! JSONL replays: one post per line, each the JSON of a `tagar_model::Post` (field names as in
//! `crates/model/src/post.rs`, networks lowercase), as `tagar gen` writes them. A bad line is
//! reported with the field that was wrong and why; `tagar push` reports its line number and
//! reads on.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tagar_model::{Author, Media, NativePostId, Network, Post, PostMetrics, PostRef};
use tagar_proto::v1;

/// A line that is not a valid post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct JsonlError {
    /// The field that was wrong, e.g. `post.author.handle`, or `line` when the line is not
    /// a JSON object.
    pub field: String,
    /// Why.
    pub reason: String,
}

impl JsonlError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Parses one line of a replay into a post, checked like a pushed post (the same rules as
/// `Post::try_from(v1::Post)`), so a file that parses pushes without rejections.
pub fn parse_line(line: &str) -> Result<Post, JsonlError> {
    let post: Post = serde_json::from_str(line).map_err(|e| explain(line, &e))?;
    // The wire conversion holds the checks every pushed post passes; a replay gets the same.
    Post::try_from(v1::Post::from(&post)).map_err(|e| JsonlError::new(e.field, e.reason))
}

/// Why a line did not deserialize as a post: the first field that is wrong, when it is an
/// object (read again, only on this unhappy path).
fn explain(line: &str, error: &serde_json::Error) -> JsonlError {
    match serde_json::from_str::<Value>(line) {
        Err(e) => JsonlError::new("line", e.to_string()),
        Ok(Value::Object(object)) => {
            find_bad_field(&object).unwrap_or_else(|| JsonlError::new("post", error.to_string()))
        }
        Ok(_) => JsonlError::new("line", "is not a JSON object"),
    }
}

/// Names the first field of a post object that does not deserialize, with serde's reason.
fn find_bad_field(post: &Map<String, Value>) -> Option<JsonlError> {
    fn check<T: DeserializeOwned>(
        object: &Map<String, Value>,
        prefix: &str,
        name: &str,
        required: bool,
    ) -> Option<JsonlError> {
        let field = format!("{prefix}.{name}");
        match object.get(name) {
            None if required => Some(JsonlError::new(field, "is required")),
            None => None,
            Some(v) => serde_json::from_value::<T>(v.clone())
                .err()
                .map(|e| JsonlError::new(field, e.to_string())),
        }
    }
    let p = "post";
    check::<Network>(post, p, "network", true)
        .or_else(|| check::<NativePostId>(post, p, "native_id", true))
        .or_else(|| match post.get("author") {
            Some(Value::Object(author)) => {
                let a = "post.author";
                check::<String>(author, a, "id", true)
                    .or_else(|| check::<String>(author, a, "handle", true))
                    .or_else(|| check::<String>(author, a, "display_name", true))
                    .or_else(|| check::<u64>(author, a, "followers", true))
                    .or_else(|| check::<bool>(author, a, "verified", true))
                    .or_else(|| {
                        check::<Option<chrono::DateTime<chrono::Utc>>>(
                            author,
                            a,
                            "account_created_at",
                            false,
                        )
                    })
            }
            _ => check::<Author>(post, p, "author", true),
        })
        .or_else(|| check::<String>(post, p, "text", true))
        .or_else(|| check::<Option<String>>(post, p, "language", false))
        .or_else(|| check::<chrono::DateTime<chrono::Utc>>(post, p, "created_at", true))
        .or_else(|| check::<Option<PostRef>>(post, p, "reply_to", false))
        .or_else(|| check::<Option<PostRef>>(post, p, "quote_of", false))
        .or_else(|| check::<Option<PostRef>>(post, p, "repost_of", false))
        .or_else(|| check::<Option<String>>(post, p, "conversation_id", false))
        .or_else(|| check::<Vec<Media>>(post, p, "media", true))
        .or_else(|| check::<PostMetrics>(post, p, "metrics", true))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r##"{"network":"mastodon","native_id":"109","author":{"id":"u1","handle":"ana","display_name":"Ana","followers":3,"verified":false,"account_created_at":null},"text":"Bonjour #Café","language":"fr","created_at":"2025-03-01T10:00:00Z","reply_to":null,"quote_of":null,"repost_of":null,"conversation_id":null,"media":[],"metrics":{"likes":0,"reposts":0,"replies":0,"quotes":0,"views":0}}"##;

    #[test]
    fn a_good_line_parses_and_round_trips() {
        let post = parse_line(GOOD).unwrap();
        assert_eq!(post.network, Network::Mastodon);
        assert_eq!(post.author.handle, "ana");
        let again = parse_line(&serde_json::to_string(&post).unwrap()).unwrap();
        assert_eq!(again, post);
    }

    #[test]
    fn bad_lines_name_the_field() {
        let cases = [
            (
                GOOD.replace(r#""mastodon""#, r#""myspace""#),
                "post.network",
            ),
            (
                GOOD.replace(r#""native_id":"109""#, r#""native_id":"  ""#),
                "post.native_id",
            ),
            (
                GOOD.replace(r#""followers":3"#, r#""followers":"many""#),
                "post.author.followers",
            ),
            (
                GOOD.replace(r#""handle":"ana""#, r#""handle":"""#),
                "post.author.handle",
            ),
            (
                GOOD.replace("2025-03-01T10:00:00Z", "yesterday"),
                "post.created_at",
            ),
            (GOOD.replace(r#""text":"Bonjour #Café","#, ""), "post.text"),
        ];
        for (line, field) in cases {
            let err = parse_line(&line).unwrap_err();
            assert_eq!(err.field, field, "{err}");
        }
        assert_eq!(parse_line("{oops").unwrap_err().field, "line");
        assert_eq!(parse_line("[1]").unwrap_err().field, "line");
    }
}
