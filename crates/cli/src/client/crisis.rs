//! `tagar crisis`: storms against a brand. Analytics detects them (list, show, watch,
//! thresholds); scheduling pauses the brand's queue and publishes the statement (pause,
//! resume, statement).

use std::path::Path;

use clap::{Args, Subcommand};
use serde::Serialize;
use tagar_proto::v1;

use super::output::{Table, fields, timestamp};
use super::{Connection, Session, StatusExt as _, unary};

/// `tagar crisis …`.
#[derive(Debug, Args)]
pub struct CrisisArgs {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: CrisisCommand,
}

/// Crisis commands.
#[derive(Debug, Subcommand)]
pub enum CrisisCommand {
    /// Lists crises, latest first.
    List {
        /// Only this brand's (default: every brand the key may see).
        #[arg(long, value_name = "BRAND_ID")]
        brand: Option<String>,
        /// Only those not resumed yet.
        #[arg(long)]
        open: bool,
    },
    /// Shows a crisis: why, its evidence, and its timeline (detected, paused, statement,
    /// resumed).
    Show {
        /// The crisis's id.
        crisis_id: String,
    },
    /// Prints each crisis as it is detected, and again as its timeline grows, until Ctrl-C.
    Watch {
        /// Only this brand's.
        #[arg(long, value_name = "BRAND_ID")]
        brand: Option<String>,
    },
    /// Pauses a brand's queue by hand: posts that come due are held until it is resumed.
    Pause {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Resumes a brand's queue: the held posts go out now (or, with --shift, each moves later
    /// by the pause's length).
    Resume {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// Move the held posts later by the pause's length instead of publishing them now.
        #[arg(long)]
        shift: bool,
    },
    /// Publishes the brand's statement on a crisis now (you approve it; it goes out while
    /// the queue is paused).
    Statement {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The crisis it answers.
        #[arg(long, value_name = "CRISIS_ID")]
        crisis: String,
        /// The account it is published from.
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: String,
        /// The statement.
        text: String,
    },
    /// Shows a brand's detection thresholds, or sets those given (the rest keep their value).
    Thresholds(ThresholdArgs),
}

/// `tagar crisis thresholds`.
#[derive(Debug, Args)]
pub struct ThresholdArgs {
    /// The brand's id.
    #[arg(long, value_name = "BRAND_ID")]
    brand: String,
    /// The window looked at, in minutes (1 to 60).
    #[arg(long)]
    window_minutes: Option<u32>,
    /// The fewest negative posts in the window that make a crisis.
    #[arg(long)]
    min_negatives: Option<u64>,
    /// How many times the brand's usual negatives for the window.
    #[arg(long)]
    negative_factor: Option<f64>,
    /// The least share (0 to 1) of the window's mentions that are negative.
    #[arg(long)]
    min_negative_share: Option<f64>,
    /// The fewest mentions in the window that make a volume crisis.
    #[arg(long)]
    min_mentions: Option<u64>,
    /// How many times the brand's usual mentions for the window.
    #[arg(long)]
    volume_factor: Option<f64>,
}

/// A crisis as printed in JSON.
#[derive(Debug, Serialize)]
pub struct CrisisView {
    crisis_id: String,
    brand_id: String,
    state: &'static str,
    trigger: &'static str,
    reason: String,
    detected_at: Option<String>,
    negatives: u64,
    mentions: u64,
    rising_terms: Vec<String>,
    top_negative: Vec<EvidenceView>,
    timeline: Vec<StepView>,
    duration_seconds: u64,
}

#[derive(Debug, Serialize)]
struct EvidenceView {
    native_id: String,
    author_id: String,
    text: String,
    abuse_score: f32,
}

#[derive(Debug, Serialize)]
struct StepView {
    step: String,
    at: Option<String>,
    by: String,
    detail: String,
    post_id: String,
}

impl From<v1::Crisis> for CrisisView {
    fn from(c: v1::Crisis) -> Self {
        let d = c.detected.clone().unwrap_or_default();
        Self {
            state: match c.state() {
                v1::CrisisState::Open => "open",
                v1::CrisisState::Closed => "closed",
                v1::CrisisState::Unspecified => "unknown",
            },
            trigger: match d.trigger() {
                v1::CrisisTrigger::Negative => "negative posts",
                v1::CrisisTrigger::Volume => "volume",
                v1::CrisisTrigger::Unspecified => "unknown",
            },
            detected_at: timestamp(d.detected_at.as_ref()),
            reason: d.reason,
            negatives: d.negatives,
            mentions: d.mentions,
            rising_terms: d.rising_terms,
            top_negative: d
                .top_negative
                .into_iter()
                .map(|p| EvidenceView {
                    native_id: p.native_id,
                    author_id: p.author_id,
                    text: p.text,
                    abuse_score: p.abuse_score,
                })
                .collect(),
            timeline: c
                .timeline
                .into_iter()
                .map(|s| StepView {
                    at: timestamp(s.at.as_ref()),
                    step: s.step,
                    by: s.by,
                    detail: s.detail,
                    post_id: s.post_id,
                })
                .collect(),
            crisis_id: c.crisis_id,
            brand_id: c.brand_id,
            duration_seconds: c.duration_seconds,
        }
    }
}

fn line(c: &CrisisView) -> String {
    let last = c.timeline.last().map_or("detected", |s| s.step.as_str());
    format!(
        "{}  crisis {} of brand {} ({}, last step: {last}): {}",
        c.detected_at.clone().unwrap_or_default(),
        c.crisis_id,
        c.brand_id,
        c.state,
        c.reason
    )
}

fn details(c: &CrisisView) -> String {
    let mut out = fields(&[
        ("crisis", c.crisis_id.clone()),
        ("brand", c.brand_id.clone()),
        ("state", c.state.to_owned()),
        ("trigger", c.trigger.to_owned()),
        ("why", c.reason.clone()),
        ("rising terms", c.rising_terms.join(", ")),
        ("lasted", format!("{} s", c.duration_seconds)),
    ]);
    let mut evidence = Table::new(&["abuse", "author", "post"]);
    for p in &c.top_negative {
        evidence.row([
            format!("{:.2}", p.abuse_score),
            p.author_id.clone(),
            p.text.clone(),
        ]);
    }
    out.push_str("\nevidence:\n");
    out.push_str(&evidence.render_or("(no negative posts kept)"));
    let mut timeline = Table::new(&["at", "step", "by", "detail"]);
    for s in &c.timeline {
        let detail = match (s.post_id.is_empty(), s.detail.is_empty()) {
            (false, true) => format!("post {}", s.post_id),
            (false, false) => format!("post {}: {}", s.post_id, s.detail),
            _ => s.detail.clone(),
        };
        timeline.row([
            s.at.clone().unwrap_or_default(),
            s.step.clone(),
            s.by.clone(),
            detail,
        ]);
    }
    out.push_str("\ntimeline:\n");
    out.push_str(&timeline.render());
    out
}

/// Runs a `tagar crisis` command.
pub async fn run(config: Option<&Path>, args: CrisisArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    let mut analytics = session.analytics();
    let mut scheduling = session.scheduling();
    match args.command {
        CrisisCommand::List { brand, open } => {
            let crises: Vec<CrisisView> = analytics
                .list_crises(unary(v1::ListCrisesRequest {
                    brand_id: brand.unwrap_or_default(),
                    open_only: open,
                    limit: 0,
                }))
                .await
                .or_status()?
                .crises
                .into_iter()
                .map(CrisisView::from)
                .collect();
            session.output.emit(&crises, || {
                let mut table = Table::new(&["detected", "crisis", "brand", "state", "why"]);
                for c in &crises {
                    table.row([
                        c.detected_at.clone().unwrap_or_default(),
                        c.crisis_id.clone(),
                        c.brand_id.clone(),
                        c.state.to_owned(),
                        c.reason.clone(),
                    ]);
                }
                table.render_or("No crises.")
            });
        }
        CrisisCommand::Show { crisis_id } => {
            let crisis: CrisisView = analytics
                .get_crisis(unary(v1::GetCrisisRequest { crisis_id }))
                .await
                .or_status()?
                .into();
            session.output.emit(&crisis, || details(&crisis));
        }
        CrisisCommand::Watch { brand } => {
            let mut stream = analytics
                .watch_crises(unary(v1::WatchCrisesRequest {
                    brand_id: brand.unwrap_or_default(),
                }))
                .await
                .or_status()?;
            while let Some(crisis) = stream.message().await.map_err(super::status_error)? {
                let view = CrisisView::from(crisis);
                if !session.output.emit_item(&view, || line(&view)) {
                    break;
                }
            }
        }
        CrisisCommand::Pause { brand, reason } => {
            let b = scheduling
                .pause_queue(unary(v1::PauseQueueRequest {
                    brand_id: brand,
                    reason,
                }))
                .await
                .or_status()?;
            let held = b.pause.as_ref().map_or(0, |p| p.held_posts);
            session.output.emit(
                &serde_json::json!({"brand_id": b.brand_id, "paused": true, "held_posts": held}),
                || {
                    format!(
                        "The queue of {} is paused: posts that come due are held ({held} so far).",
                        b.name
                    )
                },
            );
        }
        CrisisCommand::Resume { brand, shift } => {
            let held = if shift {
                v1::HeldPosts::Shift
            } else {
                v1::HeldPosts::Publish
            };
            let resumed = scheduling
                .resume_queue(unary(v1::ResumeQueueRequest {
                    brand_id: brand,
                    held: held as i32,
                    expected_version: 0,
                }))
                .await
                .or_status()?;
            let ids: Vec<String> = resumed.held.iter().map(|p| p.post_id.clone()).collect();
            session
                .output
                .emit(&serde_json::json!({"held_post_ids": ids}), || {
                    let what = if shift {
                        "moved later by the pause's length"
                    } else {
                        "going out now"
                    };
                    format!(
                        "The queue is running again; {} held posts {what}.",
                        ids.len()
                    )
                });
        }
        CrisisCommand::Statement {
            brand,
            crisis,
            account,
            text,
        } => {
            let post = scheduling
                .post_statement(unary(v1::PostStatementRequest {
                    brand_id: brand,
                    crisis_id: crisis,
                    account_id: account,
                    text,
                    media: vec![],
                }))
                .await
                .or_status()?;
            session.output.emit(
                &serde_json::json!({"post_id": post.post_id, "statement_of": post.statement_of}),
                || {
                    format!(
                        "Statement {} approved and going out now (`tagar post show` follows it).",
                        post.post_id
                    )
                },
            );
        }
        CrisisCommand::Thresholds(t) => {
            let current = analytics
                .get_crisis_thresholds(unary(v1::GetCrisisThresholdsRequest {
                    brand_id: t.brand.clone(),
                }))
                .await
                .or_status()?;
            let changes = t.window_minutes.is_some()
                || t.min_negatives.is_some()
                || t.negative_factor.is_some()
                || t.min_negative_share.is_some()
                || t.min_mentions.is_some()
                || t.volume_factor.is_some();
            let shown = if changes {
                analytics
                    .set_crisis_thresholds(unary(v1::CrisisThresholds {
                        window_minutes: t.window_minutes.unwrap_or(current.window_minutes),
                        min_negatives: t.min_negatives.unwrap_or(current.min_negatives),
                        negative_factor: t.negative_factor.unwrap_or(current.negative_factor),
                        min_negative_share: t
                            .min_negative_share
                            .unwrap_or(current.min_negative_share),
                        min_mentions: t.min_mentions.unwrap_or(current.min_mentions),
                        volume_factor: t.volume_factor.unwrap_or(current.volume_factor),
                        ..current
                    }))
                    .await
                    .or_status()?
            } else {
                current
            };
            #[derive(Serialize)]
            struct View {
                brand_id: String,
                window_minutes: u32,
                min_negatives: u64,
                negative_factor: f64,
                min_negative_share: f64,
                min_mentions: u64,
                volume_factor: f64,
                updated_by: String,
            }
            let view = View {
                brand_id: shown.brand_id,
                window_minutes: shown.window_minutes,
                min_negatives: shown.min_negatives,
                negative_factor: shown.negative_factor,
                min_negative_share: shown.min_negative_share,
                min_mentions: shown.min_mentions,
                volume_factor: shown.volume_factor,
                updated_by: shown.updated_by,
            };
            session.output.emit(&view, || {
                fields(&[
                    ("brand", view.brand_id.clone()),
                    ("window", format!("{} minutes", view.window_minutes)),
                    (
                        "negative spike",
                        format!(
                            "at least {} negative posts, {}x the usual, {:.0} % of mentions",
                            view.min_negatives,
                            view.negative_factor,
                            view.min_negative_share * 100.0
                        ),
                    ),
                    (
                        "volume spike",
                        format!(
                            "at least {} mentions, {}x the usual (not during the brand's live chats)",
                            view.min_mentions, view.volume_factor
                        ),
                    ),
                    (
                        "set by",
                        if view.updated_by.is_empty() {
                            "(the defaults)".to_owned()
                        } else {
                            view.updated_by.clone()
                        },
                    ),
                ])
            });
        }
    }
    Ok(())
}
