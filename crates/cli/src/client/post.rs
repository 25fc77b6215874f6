//! `tagar post`: drafts, approval and scheduling of a brand's posts (the scheduling service).

use std::path::Path;

use chrono::NaiveDateTime;
use clap::{Args, Subcommand};
use serde::Serialize;
use tagar_proto::v1;

use super::output::{Table, fields, timestamp};
use super::{Connection, Session, StatusExt as _, unary};

type Client = tagar_client::SchedulingClient;

/// `tagar post …`.
#[derive(Debug, Args)]
pub struct PostArgs {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: PostCommand,
}

/// Scheduled post commands. A post goes draft → approved → scheduled → published.
#[derive(Debug, Subcommand)]
pub enum PostCommand {
    /// Writes a draft for one of the brand's accounts.
    Draft {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        media: MediaArgs,
        /// The post's text.
        text: String,
    },
    /// Approves a draft.
    Approve {
        #[command(flatten)]
        post: PostRef,
    },
    /// Rejects a draft, with a reason.
    Reject {
        #[command(flatten)]
        post: PostRef,
        /// Why it was rejected.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Schedules an approved post at a wall-clock time in the brand's time zone.
    Schedule {
        #[command(flatten)]
        post: PostRef,
        /// Local time in the brand's zone: YYYY-MM-DDTHH:MM[:SS].
        #[arg(long, value_parser = parse_local_time, value_name = "LOCAL_TIME")]
        at: String,
    },
    /// Drafts, approves and schedules a post in one go.
    ScheduleNew {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        media: MediaArgs,
        /// Local time in the brand's zone: YYYY-MM-DDTHH:MM[:SS].
        #[arg(long, value_parser = parse_local_time, value_name = "LOCAL_TIME")]
        at: String,
        /// The post's text.
        text: String,
    },
    /// Shows one post.
    Show {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The post's id.
        post_id: String,
    },
    /// Lists a brand's posts.
    List {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// Only posts in this state: draft, approved, rejected, scheduled, published, failed.
        #[arg(long, value_parser = parse_state)]
        state: Option<v1::PostState>,
    },
}

/// The brand and account a new post is written for.
#[derive(Debug, Args)]
pub struct Target {
    /// The brand's id.
    #[arg(long, value_name = "BRAND_ID")]
    brand: String,
    /// The brand's social account to post on (`tagar account connect` prints it).
    #[arg(long, value_name = "ACCOUNT_ID")]
    account: String,
}

/// The media a new post carries. Tagar keeps their addresses and fetches each when the post
/// is published (public addresses only, at most the network's size).
#[derive(Debug, Args)]
pub struct MediaArgs {
    /// Media to attach, in order, as KIND=URL: KIND is image, gif, video or audio (repeat for
    /// more; X and Bluesky take up to 4 images or one video, Mastodon also one audio clip).
    #[arg(long = "media", value_name = "KIND=URL", value_parser = parse_media)]
    media: Vec<(v1::MediaKind, String)>,
    /// Alt text, in order: the first --alt describes the first --media (repeat for more).
    #[arg(long = "alt", value_name = "TEXT")]
    alt: Vec<String>,
    /// The brand holds the rights to publish every attached media; without it a draft with
    /// media is refused.
    #[arg(long)]
    media_rights: bool,
}

impl MediaArgs {
    fn into_media(self) -> anyhow::Result<Vec<v1::Media>> {
        if self.alt.len() > self.media.len() {
            anyhow::bail!(
                "--alt: {} alt texts for {} media; each --alt describes one --media, in order",
                self.alt.len(),
                self.media.len()
            );
        }
        let mut alt = self.alt.into_iter();
        Ok(self
            .media
            .into_iter()
            .map(|(kind, url)| v1::Media {
                kind: kind as i32,
                url,
                alt_text: alt.next().unwrap_or_default(),
                usage_rights: self.media_rights,
            })
            .collect())
    }
}

/// Reads `--media KIND=URL`.
fn parse_media(s: &str) -> Result<(v1::MediaKind, String), String> {
    let Some((kind, url)) = s.split_once('=') else {
        return Err(format!(
            "{s:?} is not KIND=URL (image=https://cdn.example/menu.png)"
        ));
    };
    let kind = match kind.trim().to_ascii_lowercase().as_str() {
        "image" => v1::MediaKind::Image,
        "gif" => v1::MediaKind::Gif,
        "video" => v1::MediaKind::Video,
        "audio" => v1::MediaKind::Audio,
        other => {
            return Err(format!(
                "{other:?} is not a media kind: image, gif, video or audio"
            ));
        }
    };
    let url = url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!("{url:?} is not an http(s) address"));
    }
    Ok((kind, url.to_owned()))
}

/// An existing post, with an optional optimistic-concurrency check.
#[derive(Debug, Args)]
pub struct PostRef {
    /// The brand's id.
    #[arg(long, value_name = "BRAND_ID")]
    brand: String,
    /// The post's id.
    post_id: String,
    /// Refuse if the post changed since this version (default: the current version).
    #[arg(long, value_name = "N")]
    expected_version: Option<u64>,
}

/// Checks `--at` and writes it as `YYYY-MM-DDTHH:MM[:SS]` (a space also separates).
pub fn parse_local_time(s: &str) -> Result<String, String> {
    let s = s.trim().replacen(' ', "T", 1);
    let ok = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(&s, f).is_ok());
    if ok {
        Ok(s)
    } else {
        Err(format!(
            "{s:?} is not a local time like 2026-11-22T09:00 (YYYY-MM-DDTHH:MM[:SS], no zone: the brand's zone applies)"
        ))
    }
}

const STATES: [(&str, v1::PostState); 6] = [
    ("draft", v1::PostState::Draft),
    ("approved", v1::PostState::Approved),
    ("rejected", v1::PostState::Rejected),
    ("scheduled", v1::PostState::Scheduled),
    ("published", v1::PostState::Published),
    ("failed", v1::PostState::Failed),
];

fn parse_state(s: &str) -> Result<v1::PostState, String> {
    STATES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s.trim()))
        .map(|(_, state)| *state)
        .ok_or_else(|| {
            format!("{s:?} is not one of draft, approved, rejected, scheduled, published, failed")
        })
}

fn state_name(value: i32) -> &'static str {
    STATES
        .iter()
        .find(|(_, state)| *state as i32 == value)
        .map_or("unspecified", |(name, _)| name)
}

/// A scheduled post as printed in JSON.
#[derive(Debug, Serialize)]
pub struct PostView {
    /// The post's id.
    pub post_id: String,
    /// Its brand.
    pub brand_id: String,
    /// The account it is published on.
    pub account_id: String,
    /// draft, approved, rejected, scheduled, published or failed.
    pub state: &'static str,
    /// The text.
    pub text: String,
    /// When it is published, RFC 3339 UTC; null until scheduled.
    pub publish_at: Option<String>,
    /// The wall-clock time asked for, in `time_zone`.
    pub local_time: String,
    /// The brand's zone.
    pub time_zone: String,
    /// The network's id once published.
    pub published_native_id: String,
    /// The aggregate's version.
    pub version: u64,
    /// Its counts as last read from the network; null until read.
    pub counts: Option<CountsView>,
}

/// A published post's counts, and when they were read.
#[derive(Debug, Serialize)]
pub struct CountsView {
    /// Likes (favourites).
    pub likes: u64,
    /// Reposts (boosts).
    pub reposts: u64,
    /// Replies.
    pub replies: u64,
    /// Quotes.
    pub quotes: u64,
    /// Views, where the network gives them.
    pub views: u64,
    /// When they were read, RFC 3339 UTC.
    pub counted_at: Option<String>,
}

impl From<v1::ScheduledPost> for PostView {
    fn from(p: v1::ScheduledPost) -> Self {
        Self {
            publish_at: timestamp(p.publish_at.as_ref()),
            post_id: p.post_id,
            brand_id: p.brand_id,
            account_id: p.account_id,
            state: state_name(p.state),
            text: p.text,
            local_time: p.local_time,
            time_zone: p.time_zone,
            published_native_id: p.published_native_id,
            version: p.version,
            counts: p.metrics.map(|m| CountsView {
                likes: m.likes,
                reposts: m.reposts,
                replies: m.replies,
                quotes: m.quotes,
                views: m.views,
                counted_at: timestamp(p.counted_at.as_ref()),
            }),
        }
    }
}

/// `tagar post list --output json`.
#[derive(Debug, Serialize)]
pub struct PostList {
    /// The brand's posts.
    pub posts: Vec<PostView>,
}

fn post_fields(p: &PostView) -> String {
    let mut pairs = vec![
        ("post", p.post_id.clone()),
        ("state", p.state.to_owned()),
        ("account", p.account_id.clone()),
        ("text", p.text.clone()),
    ];
    if let Some(at) = &p.publish_at {
        pairs.push((
            "publish at",
            format!("{} {} ({at})", p.local_time, p.time_zone),
        ));
    }
    if !p.published_native_id.is_empty() {
        pairs.push(("published as", p.published_native_id.clone()));
    }
    if let Some(c) = &p.counts {
        pairs.push((
            "counts",
            format!(
                "{} likes, {} reposts, {} replies, {} quotes, {} views (read {})",
                c.likes,
                c.reposts,
                c.replies,
                c.quotes,
                c.views,
                c.counted_at.as_deref().unwrap_or("?")
            ),
        ));
    }
    pairs.push(("version", p.version.to_string()));
    fields(&pairs)
}

async fn current_version(client: &mut Client, r: &PostRef) -> anyhow::Result<u64> {
    if let Some(v) = r.expected_version {
        return Ok(v);
    }
    let post = client
        .get_scheduled_post(unary(v1::GetScheduledPostRequest {
            brand_id: r.brand.clone(),
            post_id: r.post_id.clone(),
        }))
        .await
        .or_status()?;
    Ok(post.version)
}

/// Runs a `tagar post` command.
pub async fn run(config: Option<&Path>, args: PostArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    let mut client = session.scheduling();
    let post = match args.command {
        PostCommand::Draft {
            target,
            media,
            text,
        } => draft(&mut client, target, text, media.into_media()?).await?,
        PostCommand::Approve { post } => {
            let expected_version = current_version(&mut client, &post).await?;
            client
                .approve_post(unary(v1::ApprovePostRequest {
                    brand_id: post.brand,
                    post_id: post.post_id,
                    expected_version,
                }))
                .await
                .or_status()?
        }
        PostCommand::Reject { post, reason } => {
            let expected_version = current_version(&mut client, &post).await?;
            client
                .reject_post(unary(v1::RejectPostRequest {
                    brand_id: post.brand,
                    post_id: post.post_id,
                    reason,
                    expected_version,
                }))
                .await
                .or_status()?
        }
        PostCommand::Schedule { post, at } => {
            let expected_version = current_version(&mut client, &post).await?;
            schedule(&mut client, post.brand, post.post_id, at, expected_version).await?
        }
        PostCommand::ScheduleNew {
            target,
            media,
            at,
            text,
        } => {
            let brand = target.brand.clone();
            let drafted = draft(&mut client, target, text, media.into_media()?).await?;
            let approved = client
                .approve_post(unary(v1::ApprovePostRequest {
                    brand_id: brand.clone(),
                    post_id: drafted.post_id.clone(),
                    expected_version: drafted.version,
                }))
                .await
                .or_status()?;
            schedule(&mut client, brand, approved.post_id, at, approved.version).await?
        }
        PostCommand::Show { brand, post_id } => client
            .get_scheduled_post(unary(v1::GetScheduledPostRequest {
                brand_id: brand,
                post_id,
            }))
            .await
            .or_status()?,
        PostCommand::List { brand, state } => {
            let list = PostList {
                posts: client
                    .list_scheduled_posts(unary(v1::ListScheduledPostsRequest {
                        brand_id: brand,
                        state: state.unwrap_or(v1::PostState::Unspecified) as i32,
                    }))
                    .await
                    .or_status()?
                    .posts
                    .into_iter()
                    .map(PostView::from)
                    .collect(),
            };
            session.output.emit(&list, || {
                let mut table = Table::new(&["post", "state", "publish at", "zone", "text"]);
                for p in &list.posts {
                    table.row([
                        p.post_id.clone(),
                        p.state.to_owned(),
                        p.local_time.clone(),
                        p.time_zone.clone(),
                        p.text.clone(),
                    ]);
                }
                table.render_or("No posts.")
            });
            return Ok(());
        }
    };
    let view = PostView::from(post);
    session.output.emit(&view, || post_fields(&view));
    Ok(())
}

async fn draft(
    client: &mut Client,
    target: Target,
    text: String,
    media: Vec<v1::Media>,
) -> anyhow::Result<v1::ScheduledPost> {
    client
        .create_draft(unary(v1::CreateDraftRequest {
            brand_id: target.brand,
            account_id: target.account,
            text,
            media,
        }))
        .await
        .or_status()
}

async fn schedule(
    client: &mut Client,
    brand_id: String,
    post_id: String,
    local_time: String,
    expected_version: u64,
) -> anyhow::Result<v1::ScheduledPost> {
    client
        .schedule_post(unary(v1::SchedulePostRequest {
            brand_id,
            post_id,
            local_time,
            expected_version,
        }))
        .await
        .or_status()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_are_kind_and_address_with_alt_text_in_order() {
        assert_eq!(
            parse_media("image=https://cdn.example/a.png"),
            Ok((v1::MediaKind::Image, "https://cdn.example/a.png".to_owned()))
        );
        assert!(parse_media("https://cdn.example/a.png").is_err());
        assert!(parse_media("picture=https://cdn.example/a.png").is_err());
        assert!(parse_media("image=file:///etc/passwd").is_err());
        let args = MediaArgs {
            media: vec![
                (v1::MediaKind::Image, "https://a.example/1.png".into()),
                (v1::MediaKind::Image, "https://a.example/2.png".into()),
            ],
            alt: vec!["first".into()],
            media_rights: true,
        };
        let media = args.into_media().expect("media");
        assert_eq!(
            media
                .iter()
                .map(|m| m.alt_text.as_str())
                .collect::<Vec<_>>(),
            ["first", ""]
        );
        assert!(media.iter().all(|m| m.usage_rights));
        let too_many_alts = MediaArgs {
            media: vec![],
            alt: vec!["orphan".into()],
            media_rights: false,
        };
        assert!(too_many_alts.into_media().is_err());
    }

    #[test]
    fn local_times_are_checked_and_normalised() {
        assert_eq!(
            parse_local_time("2026-11-22T09:00").unwrap(),
            "2026-11-22T09:00"
        );
        assert_eq!(
            parse_local_time("2026-11-22 09:00:30").unwrap(),
            "2026-11-22T09:00:30"
        );
        assert!(parse_local_time("2026-11-22T09:00+07:00").is_err());
        assert!(
            parse_local_time("tomorrow")
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
    }

    #[test]
    fn states_parse_and_print_by_name() {
        assert_eq!(parse_state("Scheduled"), Ok(v1::PostState::Scheduled));
        assert_eq!(state_name(v1::PostState::Published as i32), "published");
        assert!(parse_state("sent").is_err());
    }
}
