//! JSONL replays: one post per line, each the JSON of a `tagar_model::Post` (field names as in
//! `crates/model/src/post.rs`, networks lowercase). Blank lines are skipped. A bad line is
//! reported with its line number and the field that was wrong; the rest of the file is read.
//!
//! `tagar push FILE.jsonl` reads a file with [`JsonlBatches`] and streams each batch to
//! `PushPosts`.

use std::io::BufRead;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tagar_model::{Author, Media, NativePostId, Network, Post, PostMetrics, PostRef};
use tagar_proto::v1;

/// A line that is not a valid post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {field}: {reason}")]
pub struct JsonlError {
    /// The line number, from 1 (0 when parsing one line on its own).
    pub line: usize,
    /// The field that was wrong, e.g. `post.author.handle`, or `line` when the line is not
    /// a JSON object.
    pub field: String,
    /// Why.
    pub reason: String,
}

impl JsonlError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            line: 0,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Parses one line of a replay into a post, checked like a pushed post (the same rules as
/// `Post::try_from(v1::Post)`), so a file that parses pushes without rejections.
pub fn parse_jsonl_line(line: &str) -> Result<Post, JsonlError> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| JsonlError::new("line", e.to_string()))?;
    let Value::Object(object) = &value else {
        return Err(JsonlError::new("line", "is not a JSON object"));
    };
    let post: Post = match serde_json::from_value(value.clone()) {
        Ok(post) => post,
        Err(e) => {
            return Err(
                find_bad_field(object).unwrap_or_else(|| JsonlError::new("post", e.to_string()))
            );
        }
    };
    // The wire conversion holds the checks every pushed post passes; a replay gets the same.
    Post::try_from(v1::Post::from(&post)).map_err(|e| JsonlError::new(e.field, e.reason))
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

/// A batch of a replay: the posts that parsed, each with its line, and the lines that did not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonlBatch {
    /// The posts, in file order.
    pub posts: Vec<Post>,
    /// The line number of each post (same order as `posts`).
    pub lines: Vec<usize>,
    /// The lines that were not valid posts.
    pub errors: Vec<JsonlError>,
}

/// Reads a replay in batches of up to `batch_size` posts.
pub struct JsonlBatches<R> {
    reader: R,
    batch_size: usize,
    line: usize,
    buf: String,
    done: bool,
}

impl<R: BufRead> JsonlBatches<R> {
    /// Batches of up to `batch_size` posts (at least 1) read from `reader`.
    pub fn new(reader: R, batch_size: usize) -> Self {
        Self {
            reader,
            batch_size: batch_size.max(1),
            line: 0,
            buf: String::new(),
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for JsonlBatches<R> {
    type Item = std::io::Result<JsonlBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut batch = JsonlBatch::default();
        while batch.posts.len() < self.batch_size {
            self.buf.clear();
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
            self.line += 1;
            let text = self.buf.trim();
            if text.is_empty() {
                continue;
            }
            match parse_jsonl_line(text) {
                Ok(post) => {
                    batch.posts.push(post);
                    batch.lines.push(self.line);
                }
                Err(mut e) => {
                    e.line = self.line;
                    batch.errors.push(e);
                }
            }
        }
        if self.done && batch.posts.is_empty() && batch.errors.is_empty() {
            return None;
        }
        Some(Ok(batch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r##"{"network":"mastodon","native_id":"109","author":{"id":"u1","handle":"ana","display_name":"Ana","followers":3,"verified":false,"account_created_at":null},"text":"Bonjour #Café","language":"fr","created_at":"2025-03-01T10:00:00Z","reply_to":null,"quote_of":null,"repost_of":null,"conversation_id":null,"media":[],"metrics":{"likes":0,"reposts":0,"replies":0,"quotes":0,"views":0}}"##;

    #[test]
    fn a_good_line_parses_and_round_trips() {
        let post = parse_jsonl_line(GOOD).unwrap();
        assert_eq!(post.network, Network::Mastodon);
        assert_eq!(post.author.handle, "ana");
        let again = parse_jsonl_line(&serde_json::to_string(&post).unwrap()).unwrap();
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
            let err = parse_jsonl_line(&line).unwrap_err();
            assert_eq!(err.field, field, "{err}");
        }
        assert_eq!(parse_jsonl_line("{oops").unwrap_err().field, "line");
        assert_eq!(parse_jsonl_line("[1]").unwrap_err().field, "line");
    }

    #[test]
    fn batches_keep_line_numbers_and_go_past_bad_lines() {
        let bad = GOOD.replace(r#""mastodon""#, "1");
        let second = GOOD.replace(r#""109""#, r#""110""#);
        let file = format!("{GOOD}\n\n{bad}\n{second}\n{GOOD}\n");
        let batches: Vec<JsonlBatch> = JsonlBatches::new(file.as_bytes(), 2)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].lines, [1, 4]);
        assert_eq!(batches[0].errors.len(), 1);
        assert_eq!(batches[0].errors[0].line, 3);
        assert_eq!(batches[0].errors[0].field, "post.network");
        assert_eq!(batches[1].lines, [5]);
        assert_eq!(batches[0].posts[1].native_id.as_str(), "110");
    }
}
