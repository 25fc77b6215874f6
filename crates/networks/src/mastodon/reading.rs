//! Reading what the server sends: statuses as Tagar's posts (their HTML as text), and the
//! streaming API's server-sent events.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tagar_model::{Author, NativePostId, Network, Post, PostRef};

/// Server-sent events, split as they arrive: `event:` and `data:` lines, a blank line ending
/// each event, `:` lines (heartbeats) ignored.
#[derive(Default)]
pub(super) struct SseEvents {
    buffer: String,
    event: String,
    data: String,
}

impl SseEvents {
    pub(super) fn feed(&mut self, chunk: &[u8]) -> Vec<(String, String)> {
        self.buffer.push_str(&String::from_utf8_lossy(chunk));
        let mut done = Vec::new();
        while let Some(at) = self.buffer.find('\n') {
            let line: String = self.buffer.drain(..=at).collect();
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if !self.event.is_empty() || !self.data.is_empty() {
                    done.push((
                        std::mem::take(&mut self.event),
                        std::mem::take(&mut self.data),
                    ));
                }
            } else if let Some(value) = line.strip_prefix("event:") {
                self.event = value.trim().to_owned();
            } else if let Some(value) = line.strip_prefix("data:") {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(value.trim_start());
            }
        }
        done
    }
}

/// A status entity as a post: its text from the HTML `content`, its author from `account`.
pub(super) fn status_post(status: &Value) -> Option<Post> {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let author = status.get("account")?;
    let created_at = text(status, "created_at")
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))?;
    let mut post = Post::new(
        Network::Mastodon,
        NativePostId::parse(&text(status, "id")?).ok()?,
        Author {
            id: text(author, "id")?,
            handle: text(author, "acct")?,
            display_name: text(author, "display_name").unwrap_or_default(),
            followers: author
                .get("followers_count")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            verified: false,
            account_created_at: text(author, "created_at")
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc)),
        },
        html_to_text(&text(status, "content").unwrap_or_default()),
        created_at,
    );
    post.language = text(status, "language");
    post.reply_to = text(status, "in_reply_to_id").and_then(|id| {
        Some(PostRef {
            native_id: NativePostId::parse(&id).ok()?,
            author_id: text(status, "in_reply_to_account_id"),
        })
    });
    Some(post)
}

/// The text of a status's HTML: paragraphs and line breaks as new lines, tags dropped, the
/// five entities Mastodon escapes decoded.
fn html_to_text(html: &str) -> String {
    let spaced = html
        .replace("</p><p>", "\n\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n");
    let mut out = String::with_capacity(spaced.len());
    let mut in_tag = false;
    for c in spaced.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_sent_events_are_split_across_chunks() {
        let mut events = SseEvents::default();
        assert!(events.feed(b":thump\n\nevent: notif").is_empty());
        let done = events.feed(b"ication\ndata: {\"type\":\"mention\"}\n\n");
        assert_eq!(
            done,
            [(
                "notification".to_owned(),
                "{\"type\":\"mention\"}".to_owned()
            )]
        );
    }

    #[test]
    fn status_html_becomes_text() {
        assert_eq!(
            html_to_text(
                "<p>Halo <span class=\"h-card\"><a href=\"x\">@<span>kopi</span></a></span> &amp; teman</p><p>baris<br>dua</p>"
            ),
            "Halo @kopi & teman\n\nbaris\ndua"
        );
    }
}
