//! `tagar chat watch|catch-up|report`: a chat as analytics sees it (its posts as they come,
//! the chat so far by question, and the report).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use serde::Serialize;
use tagar_proto::v1;

use super::output::{Table, fields, timestamp};
use super::{Session, StatusExt as _, unary};

/// The chat's views.
#[derive(Debug, Subcommand)]
pub enum ViewCommand {
    /// Prints the chat's posts as they arrive (hosts and panelists marked, answers under
    /// their question, hidden posts left out) until interrupted.
    Watch {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The chat's id.
        chat_id: String,
        /// Resume after this position (the first column of what was printed).
        #[arg(long, default_value_t = 0, value_name = "POSITION")]
        from: u64,
    },
    /// The chat so far, by question, for someone joining late.
    CatchUp {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The chat's id.
        chat_id: String,
    },
    /// Recurring chats in what the agency (or one brand) hears: hashtags that burst at the
    /// same weekday and hour week after week; follow one with `tagar chat follow`.
    Find {
        /// One brand's (default: the whole agency's, for a key over every brand).
        #[arg(long, value_name = "BRAND_ID", default_value = "")]
        brand: String,
        /// How many weeks back to look (1 to 12).
        #[arg(long, default_value_t = 4)]
        weeks: u32,
    },
    /// The chat's report; `--csv FILE` also writes its people (who to follow and thank).
    Report {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The chat's id.
        chat_id: String,
        /// Write the per-author CSV here (`-` for standard output, instead of the report).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
}

fn role(value: i32) -> &'static str {
    match v1::ChatRole::try_from(value) {
        Ok(v1::ChatRole::Host) => "host",
        Ok(v1::ChatRole::Panelist) => "panelist",
        _ => "",
    }
}

/// A chat post as printed in JSON.
#[derive(Debug, Serialize)]
struct PostView {
    position: u64,
    native_id: String,
    author_handle: String,
    role: &'static str,
    text: String,
    created_at: Option<String>,
    asks: u32,
    answers: u32,
    engagement: u64,
}

impl From<&v1::ChatPost> for PostView {
    fn from(p: &v1::ChatPost) -> Self {
        Self {
            position: p.position,
            native_id: p.native_id.clone(),
            author_handle: p.author_handle.clone(),
            role: role(p.role),
            text: p.text.clone(),
            created_at: timestamp(p.created_at.as_ref()),
            asks: p.asks,
            answers: p.answers,
            engagement: p.engagement,
        }
    }
}

fn line(p: &PostView) -> String {
    let when = p
        .created_at
        .as_deref()
        .and_then(|t| t.get(11..19))
        .unwrap_or("");
    let who = match p.role {
        "" => format!("@{}", p.author_handle),
        role => format!("@{} ({role})", p.author_handle),
    };
    let indent = if p.answers > 0 { "    " } else { "" };
    format!(
        "{:>6}  {when}  {indent}{who}: {}",
        p.position,
        p.text.replace('\n', " ")
    )
}

/// Voices as printed in JSON.
#[derive(Debug, Serialize)]
struct VoiceView {
    author_handle: String,
    posts: u64,
    engagement: u64,
    followers: u64,
    returning: bool,
}

fn voices(list: &[v1::ChatVoice]) -> Vec<VoiceView> {
    list.iter()
        .map(|v| VoiceView {
            author_handle: v.author_handle.clone(),
            posts: v.posts,
            engagement: v.engagement,
            followers: v.followers,
            returning: v.returning,
        })
        .collect()
}

/// `tagar chat report --output json`.
#[derive(Debug, Serialize)]
pub(crate) struct ReportView {
    chat_id: String,
    hashtag: String,
    ended: bool,
    posts: u64,
    hidden: u64,
    participants: u64,
    new_participants: u64,
    returning_participants: u64,
    estimated_reach: u64,
    sentiment: (u64, u64, u64, u64),
    per_minute: Vec<(Option<String>, u64)>,
    questions: Vec<(u32, String, u64)>,
    unanswered: Vec<PostView>,
    top_by_posts: Vec<VoiceView>,
    top_by_engagement: Vec<VoiceView>,
    to_follow: Vec<String>,
    to_thank: Vec<String>,
}

pub(crate) fn report_view(r: v1::ChatReport) -> ReportView {
    let s = r.sentiment.unwrap_or_default();
    ReportView {
        ended: r.ended,
        posts: r.posts,
        hidden: r.hidden,
        participants: r.participants,
        new_participants: r.new_participants,
        returning_participants: r.returning_participants,
        estimated_reach: r.estimated_reach,
        sentiment: (s.positive, s.neutral, s.negative, s.unknown),
        per_minute: r
            .per_minute
            .iter()
            .map(|m| (timestamp(m.minute.as_ref()), m.posts))
            .collect(),
        questions: r
            .questions
            .iter()
            .map(|q| (q.number, q.text.clone(), q.answers))
            .collect(),
        unanswered: r.unanswered.iter().map(PostView::from).collect(),
        top_by_posts: voices(&r.top_by_posts),
        top_by_engagement: voices(&r.top_by_engagement),
        to_follow: r
            .to_follow
            .iter()
            .map(|v| v.author_handle.clone())
            .collect(),
        to_thank: r.to_thank,
        chat_id: r.chat_id,
        hashtag: r.hashtag,
    }
}

/// The report as a person reads it.
pub(crate) fn report_text(r: &ReportView) -> String {
    let (pos, neu, neg, unk) = r.sentiment;
    let mut out = fields(&[
        (
            "chat",
            format!(
                "#{} ({})",
                r.hashtag,
                if r.ended {
                    "ended"
                } else {
                    "so far: still live"
                }
            ),
        ),
        (
            "posts",
            format!("{} ({} hidden by moderation, left out)", r.posts, r.hidden),
        ),
        (
            "participants",
            format!(
                "{} ({} new, {} returning)",
                r.participants, r.new_participants, r.returning_participants
            ),
        ),
        (
            "estimated reach",
            format!("{} followers", r.estimated_reach),
        ),
        (
            "sentiment",
            format!("{pos} positive, {neu} neutral, {neg} negative, {unk} not classified"),
        ),
    ]);
    let busiest = r.per_minute.iter().max_by_key(|(_, n)| *n);
    if let Some((Some(minute), n)) = busiest {
        out.push_str(&format!("busiest minute:   {minute} ({n} posts)\n"));
    }
    out.push_str("\nAnswers per question\n");
    let mut table = Table::new(&["q", "answers", "question"]);
    for (n, text, answers) in &r.questions {
        table.row([format!("Q{n}"), answers.to_string(), text.clone()]);
    }
    out.push_str(&table.render_or("No questions were asked."));
    out.push_str("\nTop voices (posts · engagement received)\n");
    let mut table = Table::new(&["by posts", "posts", "by engagement", "engagement"]);
    for i in 0..r.top_by_posts.len().max(r.top_by_engagement.len()).min(5) {
        let a = r.top_by_posts.get(i);
        let b = r.top_by_engagement.get(i);
        table.row([
            a.map(|v| format!("@{}", v.author_handle))
                .unwrap_or_default(),
            a.map(|v| v.posts.to_string()).unwrap_or_default(),
            b.map(|v| format!("@{}", v.author_handle))
                .unwrap_or_default(),
            b.map(|v| v.engagement.to_string()).unwrap_or_default(),
        ]);
    }
    out.push_str(&table.render_or("No participants yet."));
    out.push_str(&format!(
        "\nQuestions left unanswered: {}\n",
        r.unanswered.len()
    ));
    for p in r.unanswered.iter().take(5) {
        out.push_str(&format!(
            "  @{}: {}\n",
            p.author_handle,
            p.text.replace('\n', " ")
        ));
    }
    let follow: Vec<String> = r
        .to_follow
        .iter()
        .take(10)
        .map(|h| format!("@{h}"))
        .collect();
    out.push_str(&format!(
        "\nFollow up: follow {}",
        if follow.is_empty() {
            "nobody yet".into()
        } else {
            follow.join(" ")
        }
    ));
    if !r.to_thank.is_empty() {
        let thank: Vec<String> = r.to_thank.iter().map(|h| format!("@{h}")).collect();
        out.push_str(&format!("; thank {}", thank.join(" ")));
    }
    out.push('\n');
    out
}

/// Runs a chat view command.
pub async fn run(session: &Session, command: ViewCommand) -> anyhow::Result<()> {
    let mut analytics = session.analytics();
    match command {
        ViewCommand::Watch {
            brand,
            chat_id,
            from,
        } => {
            let mut stream = analytics
                .watch_chat(unary(v1::WatchChatRequest {
                    brand_id: brand,
                    chat_id,
                    from_position: from,
                }))
                .await
                .or_status()?;
            while let Some(post) = stream.message().await.map_err(super::status_error)? {
                let view = PostView::from(&post);
                if !session.output.emit_item(&view, || line(&view)) {
                    break;
                }
            }
        }
        ViewCommand::Find { brand, weeks } => {
            #[derive(Serialize)]
            struct Found {
                hashtag: String,
                weekday: u32,
                hour_utc: u32,
                next_expected_at: Option<String>,
                weeks_seen: u32,
                typical_posts: u64,
                top_words: Vec<String>,
                past_chat_ids: Vec<String>,
            }
            let found: Vec<Found> = analytics
                .find_chats(unary(v1::FindChatsRequest {
                    brand_id: brand,
                    weeks,
                    limit: 0,
                }))
                .await
                .or_status()?
                .chats
                .into_iter()
                .map(|c| Found {
                    next_expected_at: timestamp(c.next_expected_at.as_ref()),
                    hashtag: c.hashtag,
                    weekday: c.weekday,
                    hour_utc: c.hour_utc,
                    weeks_seen: c.weeks_seen,
                    typical_posts: c.typical_posts,
                    top_words: c.top_words,
                    past_chat_ids: c.past_chat_ids,
                })
                .collect();
            session.output.emit(&found, || {
                const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
                let mut table = Table::new(&["hashtag", "when (utc)", "next", "weeks", "typical posts", "top words", "our sessions"]);
                for f in &found {
                    let day = DAYS.get(f.weekday.saturating_sub(1) as usize).unwrap_or(&"?");
                    table.row([
                        format!("#{}", f.hashtag),
                        format!("{day} {:02}:00", f.hour_utc),
                        f.next_expected_at.clone().unwrap_or_default(),
                        f.weeks_seen.to_string(),
                        f.typical_posts.to_string(),
                        f.top_words.iter().take(5).cloned().collect::<Vec<_>>().join(" "),
                        f.past_chat_ids.len().to_string(),
                    ]);
                }
                table.render_or("No recurring chats in what is heard yet (a tag must burst at the same weekday and hour in two weeks).")
            });
        }
        ViewCommand::CatchUp { brand, chat_id } => {
            let c = analytics
                .get_chat_catch_up(unary(v1::ChatRequest {
                    brand_id: brand,
                    chat_id,
                }))
                .await
                .or_status()?;
            #[derive(Serialize)]
            struct Question {
                number: u32,
                text: String,
                answers: u64,
                top_answers: Vec<PostView>,
            }
            #[derive(Serialize)]
            struct CatchUpView {
                hashtag: String,
                rules: String,
                posts: u64,
                participants: u64,
                questions: Vec<Question>,
                brand_posts: Vec<PostView>,
            }
            let view = CatchUpView {
                questions: c
                    .questions
                    .iter()
                    .map(|q| Question {
                        number: q.number,
                        text: q.text.clone(),
                        answers: q.answers,
                        top_answers: q.top_answers.iter().map(PostView::from).collect(),
                    })
                    .collect(),
                brand_posts: c.brand_posts.iter().map(PostView::from).collect(),
                hashtag: c.hashtag,
                rules: c.rules,
                posts: c.posts,
                participants: c.participants,
            };
            session.output.emit(&view, || {
                let mut out = format!(
                    "#{}: {} posts from {} participants so far.\n",
                    view.hashtag, view.posts, view.participants
                );
                if !view.rules.is_empty() {
                    out.push_str(&format!("Rules: {}\n", view.rules));
                }
                for q in &view.questions {
                    out.push_str(&format!(
                        "\nQ{} ({} answers): {}\n",
                        q.number, q.answers, q.text
                    ));
                    for a in &q.top_answers {
                        out.push_str(&format!(
                            "  @{} ({}): {}\n",
                            a.author_handle, a.engagement, a.text
                        ));
                    }
                }
                out
            });
        }
        ViewCommand::Report {
            brand,
            chat_id,
            csv,
        } => {
            let request = v1::ChatRequest {
                brand_id: brand,
                chat_id,
            };
            if let Some(path) = csv {
                let csv = analytics
                    .export_chat_report(unary(request.clone()))
                    .await
                    .or_status()?
                    .csv;
                if path.as_os_str() == "-" {
                    print!("{csv}");
                    return Ok(());
                }
                std::fs::write(&path, csv)
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("Wrote the chat's people to {}.", path.display());
            }
            let report = analytics
                .get_chat_report(unary(request))
                .await
                .or_status()?;
            let view = report_view(report);
            session.output.emit(&view, || report_text(&view));
        }
    }
    Ok(())
}
