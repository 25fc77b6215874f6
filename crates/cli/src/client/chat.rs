//! `tagar chat`: live hashtag chats. Planning them is scheduling's (create, list, show,
//! reschedule, cancel); watching, catching up and reporting is analytics'
//! ([`chat_views`](super::chat_views)).

use std::path::Path;

use clap::{Args, Subcommand};
use serde::Serialize;
use tagar_proto::v1;

use super::chat_views::{self, ViewCommand};
use super::output::{Table, fields, timestamp};
use super::post::parse_local_time;
use super::{Connection, Session, StatusExt as _, unary};

/// `tagar chat …`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: ChatCommand,
}

/// Hashtag chat commands.
#[derive(Debug, Subcommand)]
pub enum ChatCommand {
    /// Plans a chat: its questions and heads-ups are scheduled from the host account, and
    /// the brand listens to the hashtag (a listening rule is added unless it has one).
    Create(CreateArgs),
    /// Lists a brand's chats, soonest first.
    List {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
    },
    /// Shows a chat and its planned posts.
    Show {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The chat's id.
        chat_id: String,
    },
    /// Moves a chat that has not gone live (its posts move with it).
    Reschedule {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The chat's id.
        chat_id: String,
        /// The new wall-clock start in the brand's zone.
        #[arg(long, value_name = "LOCAL_TIME", value_parser = parse_local_time)]
        start: String,
        /// A new length in minutes (default: keep it).
        #[arg(long)]
        minutes: Option<u32>,
        /// Refuse if the chat changed since this version.
        #[arg(long, value_name = "N")]
        expected_version: Option<u64>,
    },
    /// Cancels a chat, or stops a live one: its posts not yet out are cancelled.
    Cancel {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The chat's id.
        chat_id: String,
        /// Why (shown on the chat and its cancelled posts).
        #[arg(long, default_value = "")]
        reason: String,
        /// Refuse if the chat changed since this version.
        #[arg(long, value_name = "N")]
        expected_version: Option<u64>,
    },
    /// Listens to a chat's hashtag for the brand (adds a hashtag rule unless it has one).
    Follow {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The hashtag, with or without `#`.
        #[arg(long, value_name = "TAG")]
        hashtag: String,
    },
    #[command(flatten)]
    View(ViewCommand),
}

/// `tagar chat create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The brand's id.
    #[arg(long, value_name = "BRAND_ID")]
    brand: String,
    /// The host account (one of the brand's): questions and heads-ups go out from it.
    #[arg(long, value_name = "ACCOUNT_ID")]
    account: String,
    /// The chat's hashtag, with or without `#`.
    #[arg(long, value_name = "TAG")]
    hashtag: String,
    /// The wall-clock start in the brand's zone, YYYY-MM-DDTHH:MM[:SS].
    #[arg(long, value_name = "LOCAL_TIME", value_parser = parse_local_time)]
    start: String,
    /// Its length in minutes (5 to 480).
    #[arg(long, default_value_t = 30)]
    minutes: u32,
    /// A host's handle (repeat for several); the host account is one already.
    #[arg(long = "host", value_name = "HANDLE")]
    hosts: Vec<String>,
    /// A panelist's handle (repeat for several).
    #[arg(long = "panelist", value_name = "HANDLE")]
    panelists: Vec<String>,
    /// The rules, as participants should read them.
    #[arg(long, default_value = "")]
    rules: String,
    /// A question, `MINUTES:TEXT` (minutes after the start; repeat, in order: Q1, Q2, …).
    #[arg(long = "question", value_name = "MINUTES:TEXT", value_parser = parse_item)]
    questions: Vec<v1::ChatItemInput>,
    /// A heads-up, `MINUTES[:TEXT]` before the start (no text: the standard one).
    #[arg(long = "heads-up", value_name = "MINUTES[:TEXT]", value_parser = parse_item)]
    heads_ups: Vec<v1::ChatItemInput>,
    /// Do not add a listening rule for the hashtag.
    #[arg(long)]
    no_listen: bool,
}

/// `MINUTES:TEXT` or `MINUTES`.
fn parse_item(s: &str) -> Result<v1::ChatItemInput, String> {
    let (minutes, text) = s.split_once(':').unwrap_or((s, ""));
    let offset_minutes = minutes.trim().parse().map_err(|_| {
        format!("{s:?} does not start with a number of minutes, like 10:What do you drink?")
    })?;
    Ok(v1::ChatItemInput {
        offset_minutes,
        text: text.trim().to_owned(),
    })
}

/// A planned post as printed in JSON.
#[derive(Debug, Serialize)]
pub struct PlannedView {
    number: u32,
    offset_minutes: i32,
    text: String,
    publish_at: Option<String>,
    post_id: String,
    state: String,
}

/// A chat as printed in JSON.
#[derive(Debug, Serialize)]
pub struct ChatView {
    chat_id: String,
    brand_id: String,
    account_id: String,
    hashtag: String,
    state: String,
    starts_at: Option<String>,
    ends_at: Option<String>,
    local_start: String,
    time_zone: String,
    minutes: u32,
    hosts: Vec<String>,
    panelists: Vec<String>,
    rules: String,
    questions: Vec<PlannedView>,
    heads_ups: Vec<PlannedView>,
    version: u64,
    cancel_reason: String,
}

fn state_name(value: i32) -> String {
    v1::ChatState::try_from(value)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("CHAT_STATE_")
                .to_lowercase()
        })
        .unwrap_or_default()
}

fn planned(p: v1::ChatPlannedPost) -> PlannedView {
    PlannedView {
        number: p.number,
        offset_minutes: p.offset_minutes,
        publish_at: timestamp(p.publish_at.as_ref()),
        post_id: p.post_id,
        state: v1::PostState::try_from(p.state)
            .map(|s| {
                s.as_str_name()
                    .trim_start_matches("POST_STATE_")
                    .to_lowercase()
            })
            .unwrap_or_default(),
        text: p.text,
    }
}

impl From<v1::ChatSession> for ChatView {
    fn from(c: v1::ChatSession) -> Self {
        Self {
            state: state_name(c.state),
            starts_at: timestamp(c.starts_at.as_ref()),
            ends_at: timestamp(c.ends_at.as_ref()),
            questions: c.questions.into_iter().map(planned).collect(),
            heads_ups: c.heads_ups.into_iter().map(planned).collect(),
            chat_id: c.chat_id,
            brand_id: c.brand_id,
            account_id: c.account_id,
            hashtag: c.hashtag,
            local_start: c.local_start,
            time_zone: c.time_zone,
            minutes: c.minutes,
            hosts: c.hosts,
            panelists: c.panelists,
            rules: c.rules,
            version: c.version,
            cancel_reason: c.cancel_reason,
        }
    }
}

fn show(view: &ChatView) -> String {
    let mut out = fields(&[
        ("chat", view.chat_id.clone()),
        ("hashtag", format!("#{}", view.hashtag)),
        ("state", view.state.clone()),
        (
            "starts",
            format!(
                "{} {} ({} min)",
                view.local_start, view.time_zone, view.minutes
            ),
        ),
        ("hosts", view.hosts.join(", ")),
        ("panelists", view.panelists.join(", ")),
        ("version", view.version.to_string()),
    ]);
    if !view.cancel_reason.is_empty() {
        out.push_str(&format!("cancelled:  {}\n", view.cancel_reason));
    }
    let mut table = Table::new(&["post", "at (utc)", "state", "text"]);
    for (label, p) in view
        .heads_ups
        .iter()
        .map(|p| (format!("heads-up {}", p.number), p))
        .chain(view.questions.iter().map(|p| (format!("Q{}", p.number), p)))
    {
        table.row([
            label,
            p.publish_at.clone().unwrap_or_default(),
            p.state.clone(),
            p.text.clone(),
        ]);
    }
    out.push('\n');
    out.push_str(&table.render_or("No questions or heads-ups planned."));
    out
}

/// The brand's hashtag rule for `hashtag`, added unless it has one.
pub(crate) async fn listen(session: &Session, brand: &str, hashtag: &str) -> anyhow::Result<bool> {
    let mut ingest = session.ingest();
    let tag = hashtag.trim().trim_start_matches(['#', '＃']);
    let key = tagar_model::canonical_hashtag(tag);
    let rules = ingest
        .list_listening_rules(unary(v1::ListListeningRulesRequest {
            brand_id: brand.into(),
        }))
        .await
        .or_status()?
        .rules;
    let listening = rules.iter().any(|r| {
        r.kind() == v1::RuleKind::Hashtag && tagar_model::canonical_hashtag(&r.pattern) == key
    });
    if !listening {
        ingest
            .add_listening_rule(unary(v1::AddListeningRuleRequest {
                brand_id: brand.into(),
                kind: v1::RuleKind::Hashtag as i32,
                pattern: tag.to_owned(),
            }))
            .await
            .or_status()?;
    }
    Ok(!listening)
}

/// Runs a `tagar chat` command.
pub async fn run(config: Option<&Path>, args: ChatArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    let mut client = session.scheduling();
    let chat = match args.command {
        ChatCommand::View(view) => return chat_views::run(&session, view).await,
        ChatCommand::Follow { brand, hashtag } => {
            let added = listen(&session, &brand, &hashtag).await?;
            #[derive(Serialize)]
            struct Followed {
                brand_id: String,
                hashtag: String,
                rule_added: bool,
            }
            let view = Followed {
                brand_id: brand,
                hashtag: hashtag.trim_start_matches('#').to_owned(),
                rule_added: added,
            };
            session.output.emit(&view, || match view.rule_added {
                true => format!("The brand listens to #{} now.", view.hashtag),
                false => format!("The brand was listening to #{} already.", view.hashtag),
            });
            return Ok(());
        }
        ChatCommand::Create(a) => {
            let chat = client
                .create_chat(unary(v1::CreateChatRequest {
                    brand_id: a.brand.clone(),
                    account_id: a.account,
                    hashtag: a.hashtag.clone(),
                    local_start: a.start,
                    minutes: a.minutes,
                    hosts: a.hosts,
                    panelists: a.panelists,
                    rules: a.rules,
                    questions: a.questions,
                    heads_ups: a.heads_ups,
                }))
                .await
                .or_status()?;
            if !a.no_listen
                && listen(&session, &a.brand, &a.hashtag).await?
                && !session.output.is_json()
            {
                eprintln!(
                    "Listening to #{} for the brand now (a hashtag rule was added).",
                    chat.hashtag
                );
            }
            chat
        }
        ChatCommand::List { brand } => {
            let chats: Vec<ChatView> = client
                .list_chats(unary(v1::ListChatsRequest { brand_id: brand }))
                .await
                .or_status()?
                .chats
                .into_iter()
                .map(ChatView::from)
                .collect();
            session.output.emit(&chats, || {
                let mut table =
                    Table::new(&["chat", "hashtag", "state", "starts", "min", "questions"]);
                for c in &chats {
                    table.row([
                        c.chat_id.clone(),
                        format!("#{}", c.hashtag),
                        c.state.clone(),
                        format!("{} {}", c.local_start, c.time_zone),
                        c.minutes.to_string(),
                        c.questions.len().to_string(),
                    ]);
                }
                table.render_or("No chats: plan one with `tagar chat create`.")
            });
            return Ok(());
        }
        ChatCommand::Show { brand, chat_id } => client
            .get_chat(unary(v1::GetChatRequest {
                brand_id: brand,
                chat_id,
            }))
            .await
            .or_status()?,
        ChatCommand::Reschedule {
            brand,
            chat_id,
            start,
            minutes,
            expected_version,
        } => client
            .reschedule_chat(unary(v1::RescheduleChatRequest {
                brand_id: brand,
                chat_id,
                local_start: start,
                minutes: minutes.unwrap_or(0),
                expected_version: expected_version.unwrap_or(0),
            }))
            .await
            .or_status()?,
        ChatCommand::Cancel {
            brand,
            chat_id,
            reason,
            expected_version,
        } => client
            .cancel_chat(unary(v1::CancelChatRequest {
                brand_id: brand,
                chat_id,
                reason,
                expected_version: expected_version.unwrap_or(0),
            }))
            .await
            .or_status()?,
    };
    let view = ChatView::from(chat);
    session.output.emit(&view, || show(&view));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_read_minutes_then_text() {
        let q = parse_item("10: Where do you buy beans?").unwrap();
        assert_eq!(
            (q.offset_minutes, q.text.as_str()),
            (10, "Where do you buy beans?")
        );
        let h = parse_item("60").unwrap();
        assert_eq!((h.offset_minutes, h.text.as_str()), (60, ""));
        assert!(
            parse_item("soon: hi")
                .unwrap_err()
                .contains("number of minutes")
        );
    }
}
