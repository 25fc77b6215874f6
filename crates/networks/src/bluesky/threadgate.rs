//! Hiding a reply: the thread's root post gets an `app.bsky.feed.threadgate` record (the
//! root's key) whose `hiddenReplies` lists it, keeping the gate's other rules.

use chrono::{SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::session::Session;
use super::{Bluesky, THREADGATE_COLLECTION, Xrpc, parse_at_uri};

impl Bluesky {
    /// Adds `reply_uri` to the hidden replies of its thread's gate, as the thread's author.
    pub(super) async fn hide_with(&self, session: &Session, reply_uri: &str) -> Result<(), Xrpc> {
        let refuse = |message: String| Xrpc::Status {
            status: StatusCode::BAD_REQUEST,
            error: "CannotHide".into(),
            message,
            reset: None,
        };
        let (repo, collection, rkey) = parse_at_uri(reply_uri)
            .ok_or_else(|| refuse(format!("{reply_uri:?} is not an at:// URI")))?;
        let reply = self
            .get_record(&session.service, repo, collection, rkey)
            .await?
            .ok_or_else(|| refuse(format!("{reply_uri} does not exist")))?;
        let root = reply
            .value
            .pointer("/reply/root/uri")
            .and_then(Value::as_str)
            .ok_or_else(|| refuse(format!("{reply_uri} is not a reply")))?
            .to_owned();
        let (root_repo, _, root_rkey) =
            parse_at_uri(&root).ok_or_else(|| refuse(format!("{root:?} is not an at:// URI")))?;
        if root_repo != session.did {
            return Err(refuse(format!(
                "only the thread's author hides its replies: {root} is not a post of {}",
                session.handle
            )));
        }
        let gate = self
            .get_record(
                &session.service,
                &session.did,
                THREADGATE_COLLECTION,
                root_rkey,
            )
            .await?;
        let mut record = gate.map(|g| g.value).unwrap_or_else(|| {
            json!({
                "$type": THREADGATE_COLLECTION,
                "post": root,
                "createdAt": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            })
        });
        let mut hidden: Vec<Value> = record
            .get("hiddenReplies")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !hidden.iter().any(|h| h.as_str() == Some(reply_uri)) {
            hidden.push(json!(reply_uri));
        }
        record["hiddenReplies"] = Value::Array(hidden);
        let body = json!({
            "repo": session.did,
            "collection": THREADGATE_COLLECTION,
            "rkey": root_rkey,
            "record": record,
        });
        self.call(
            Method::POST,
            &session.service,
            "com.atproto.repo.putRecord",
            Some(&session.access),
            &[],
            Some(&body),
        )
        .await
        .map(|_| ())
    }
}
