//! Writing records: a post (its facets, reply, quote and media embed) and the one record
//! per key that makes publishing idempotent.

use chrono::SecondsFormat;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tagar_model::{EntityKind, MediaKind, Network, extract};
use url::Url;

use super::session::Session;
use super::xrpc::Xrpc;
use super::{Bluesky, POST_COLLECTION, RecordRef, parse_at_uri};
use crate::{Attachment, Delivered, Publication};

impl Bluesky {
    /// The strong reference (`uri`, `cid`) of the post at `uri`, and its thread's root.
    async fn post_ref(&self, service: &Url, uri: &str) -> Result<(Value, Value), Xrpc> {
        let (repo, collection, rkey) = parse_at_uri(uri).ok_or_else(|| Xrpc::Status {
            status: StatusCode::BAD_REQUEST,
            error: "InvalidUri".into(),
            message: format!("{uri:?} is not an at:// URI of a post"),
            reset: None,
        })?;
        let record = self
            .get_record(service, repo, collection, rkey)
            .await?
            .ok_or_else(|| Xrpc::Status {
                status: StatusCode::BAD_REQUEST,
                error: "RecordNotFound".into(),
                message: format!("{uri} does not exist"),
                reset: None,
            })?;
        let parent = json!({ "uri": record.uri, "cid": record.cid.unwrap_or_default() });
        let root = record
            .value
            .pointer("/reply/root")
            .cloned()
            .unwrap_or_else(|| parent.clone());
        Ok((parent, root))
    }

    /// Facets for the post's hashtags, links and resolvable mentions.
    async fn facets(&self, service: &Url, text: &str) -> Vec<Value> {
        let mut facets = Vec::new();
        for entity in extract(Network::Bluesky, text).all() {
            let feature = match entity.kind {
                EntityKind::Hashtag => {
                    json!({ "$type": "app.bsky.richtext.facet#tag", "tag": entity.value })
                }
                EntityKind::Url => {
                    let uri = if entity.value.contains("://") {
                        entity.value.to_owned()
                    } else {
                        format!("https://{}", entity.value)
                    };
                    json!({ "$type": "app.bsky.richtext.facet#link", "uri": uri })
                }
                EntityKind::Mention => {
                    match self
                        .call(
                            Method::GET,
                            service,
                            "com.atproto.identity.resolveHandle",
                            None,
                            &[("handle", entity.value)],
                            None,
                        )
                        .await
                    {
                        Ok(answer) => match answer.get("did").and_then(Value::as_str) {
                            Some(did) => {
                                json!({ "$type": "app.bsky.richtext.facet#mention", "did": did })
                            }
                            None => continue,
                        },
                        Err(_) => continue,
                    }
                }
                EntityKind::Cashtag => continue,
            };
            facets.push(json!({
                "index": { "byteStart": entity.span.start, "byteEnd": entity.span.end },
                "features": [feature],
            }));
        }
        facets
    }

    /// The post's record, created once at `rkey`.
    pub(super) async fn publish_with(
        &self,
        session: &Session,
        post: &Publication<'_>,
        rkey: &str,
    ) -> Result<Delivered, Xrpc> {
        let mut record = json!({
            "$type": POST_COLLECTION,
            "text": post.text,
            "createdAt": post.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        });
        let facets = self.facets(&session.service, post.text).await;
        if !facets.is_empty() {
            record["facets"] = Value::Array(facets);
        }
        if let Some(uri) = post.reply_to {
            let (parent, root) = self.post_ref(&session.service, uri).await?;
            record["reply"] = json!({ "root": root, "parent": parent });
        }
        if !post.media.is_empty() && post.attempt > 1 {
            // An earlier attempt may have published it: no uploads for nothing.
            if let Ok(Some(found)) = self
                .get_record(&session.service, &session.did, POST_COLLECTION, rkey)
                .await
            {
                return Ok(Delivered {
                    native_id: found.uri,
                    version: found.cid,
                    already: true,
                });
            }
        }
        let media = self.media_embed(session, post.media).await?;
        let quoted = match post.quote {
            Some(uri) => Some(self.post_ref(&session.service, uri).await?.0),
            None => None,
        };
        let embed = match (media, quoted) {
            (Some(media), Some(quoted)) => Some(json!({
                "$type": "app.bsky.embed.recordWithMedia",
                "record": { "record": quoted },
                "media": media,
            })),
            (Some(media), None) => Some(media),
            (None, Some(quoted)) => {
                Some(json!({ "$type": "app.bsky.embed.record", "record": quoted }))
            }
            (None, None) => None,
        };
        if let Some(embed) = embed {
            record["embed"] = embed;
        }
        self.create_once(session, POST_COLLECTION, rkey, &record)
            .await
    }

    /// Uploads `media` as blobs; the embed that shows them: `app.bsky.embed.images` (up to
    /// four, each with its alt text, `""` when none) or `app.bsky.embed.video` (one).
    async fn media_embed(
        &self,
        session: &Session,
        media: &[Attachment],
    ) -> Result<Option<Value>, Xrpc> {
        let Some(first) = media.first() else {
            return Ok(None);
        };
        let mut blobs = Vec::with_capacity(media.len());
        for item in media {
            let blob = self
                .upload_blob(
                    &session.service,
                    &session.access,
                    item.mime,
                    item.bytes.clone(),
                )
                .await?;
            blobs.push(blob);
        }
        if first.kind == MediaKind::Video {
            let mut video = json!({ "$type": "app.bsky.embed.video", "video": blobs[0] });
            if let Some(alt) = &first.alt_text {
                video["alt"] = json!(alt);
            }
            return Ok(Some(video));
        }
        let images: Vec<Value> = media
            .iter()
            .zip(blobs)
            .map(|(item, blob)| json!({ "image": blob, "alt": item.alt_text.as_deref().unwrap_or("") }))
            .collect();
        Ok(Some(
            json!({ "$type": "app.bsky.embed.images", "images": images }),
        ))
    }

    /// Creates a record at `rkey`, or finds the one an earlier attempt created there.
    pub(super) async fn create_once(
        &self,
        session: &Session,
        collection: &str,
        rkey: &str,
        record: &Value,
    ) -> Result<Delivered, Xrpc> {
        let body = json!({
            "repo": session.did,
            "collection": collection,
            "rkey": rkey,
            "record": record,
        });
        let created = self
            .call(
                Method::POST,
                &session.service,
                "com.atproto.repo.createRecord",
                Some(&session.access),
                &[],
                Some(&body),
            )
            .await;
        match created {
            Ok(answer) => {
                let made: RecordRef = serde_json::from_value(answer)
                    .map_err(|e| Xrpc::Transport(format!("unreadable createRecord answer: {e}")))?;
                Ok(Delivered {
                    native_id: made.uri,
                    version: Some(made.cid),
                    already: false,
                })
            }
            // Not worth a read: the token or the budget is the problem.
            Err(e)
                if e.is_auth()
                    || matches!(&e, Xrpc::Status { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS) =>
            {
                Err(e)
            }
            Err(e) => match self
                .get_record(&session.service, &session.did, collection, rkey)
                .await
            {
                Ok(Some(found)) => Ok(Delivered {
                    native_id: found.uri,
                    version: found.cid,
                    already: true,
                }),
                _ => Err(e),
            },
        }
    }
}
