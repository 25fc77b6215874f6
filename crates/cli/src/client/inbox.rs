//! `tagar inbox`: the engagement desk (the moderation service): what wants an answer across
//! the caller's brands, what is due first first; assign, close, watch.

use std::path::Path;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use tagar_proto::v1;

use super::output::{Table, timestamp};
use super::{Connection, Session, StatusExt as _, unary};

/// `tagar inbox …`.
#[derive(Debug, Args)]
pub struct InboxArgs {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: InboxCommand,
}

/// Which items a listing shows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StateArg {
    /// Not taken yet.
    New,
    /// Someone has it.
    Assigned,
    /// Done with.
    Closed,
}

/// Inbox commands.
#[derive(Debug, Subcommand)]
pub enum InboxCommand {
    /// Lists the items, what is due first first (new and assigned ones unless --state).
    List {
        /// Only this brand's (default: every brand the key may see).
        #[arg(long, value_name = "BRAND_ID")]
        brand: Option<String>,
        /// Only items in this state.
        #[arg(long, value_enum)]
        state: Option<StateArg>,
        /// Only this person's.
        #[arg(long)]
        assignee: Option<String>,
    },
    /// Gives an item to someone (yourself, without --to).
    Assign {
        /// The item's brand.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The item.
        item_id: String,
        /// Who gets it.
        #[arg(long)]
        to: Option<String>,
    },
    /// Closes an item.
    Close {
        /// The item's brand.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The item.
        item_id: String,
        /// Why ("answered by phone", "spam", …).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Answers an item from one of the brand's accounts on its network: published as a reply
    /// in the same conversation, once (refused for an author never to engage).
    Reply {
        /// The item's brand.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The account to answer from (default: the brand's support account the item was
        /// routed to).
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: Option<String>,
        /// The item.
        item_id: String,
        /// The reply.
        text: String,
    },
    /// The desk's figures for a brand over the last 7 days (analytics): first response and
    /// resolution times (median, p90), the share answered within the SLA, per person and
    /// per day (or week), and how much of the interaction is two-way.
    Figures {
        /// The brand.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// Per ISO week instead of per day.
        #[arg(long)]
        weekly: bool,
    },
    /// Blocks the item's author on the network from each of the brand's accounts there (and
    /// hides their next posts here).
    Block(ActArgs),
    /// Mutes the item's author on the network.
    Mute(ActArgs),
    /// Reports the item's post and author to the network's moderators.
    Report(ActArgs),
    /// Prints each new item as it arrives, until Ctrl-C.
    Watch {
        /// Only this brand's.
        #[arg(long, value_name = "BRAND_ID")]
        brand: Option<String>,
    },
}

/// `tagar inbox block|mute|report`.
#[derive(Debug, Args)]
pub struct ActArgs {
    /// The item's brand.
    #[arg(long, value_name = "BRAND_ID")]
    brand: String,
    /// The item.
    item_id: String,
    /// Why (sent with a report).
    #[arg(long, default_value = "")]
    reason: String,
}

/// An item as printed in JSON.
#[derive(Debug, Serialize)]
pub struct ItemView {
    item_id: String,
    brand_id: String,
    kind: &'static str,
    sentiment: &'static str,
    state: &'static str,
    author_handle: String,
    author_followers: u64,
    author_account_age_days: u32,
    author_earlier_cases: u32,
    never_engage: bool,
    offer_block: bool,
    author_actions: Vec<&'static str>,
    text: String,
    assignee: String,
    due_by: Option<String>,
    overdue: bool,
    native_id: String,
    version: u64,
}

impl From<v1::InboxItem> for ItemView {
    fn from(i: v1::InboxItem) -> Self {
        let standing = i.standing.unwrap_or_default();
        Self {
            kind: match i.kind() {
                v1::InboxKind::Question => "question",
                v1::InboxKind::Complaint => "complaint",
                v1::InboxKind::Praise => "praise",
                v1::InboxKind::Other | v1::InboxKind::Unspecified => "other",
            },
            sentiment: match i.sentiment() {
                v1::Sentiment::Negative => "negative",
                v1::Sentiment::Positive => "positive",
                v1::Sentiment::Neutral | v1::Sentiment::Unspecified => "neutral",
            },
            state: match i.state() {
                v1::InboxState::New => "new",
                v1::InboxState::Assigned => "assigned",
                v1::InboxState::Answered => "answered",
                v1::InboxState::Closed => "closed",
                v1::InboxState::Unspecified => "unknown",
            },
            due_by: timestamp(i.due_by.as_ref()),
            author_followers: standing.followers,
            author_account_age_days: standing.account_age_days,
            author_earlier_cases: standing.earlier_cases,
            never_engage: standing.abusive,
            offer_block: i.offer_block,
            author_actions: i
                .author_actions()
                .map(|a| match a {
                    v1::AuthorAction::Block => "blocked",
                    v1::AuthorAction::Mute => "muted",
                    v1::AuthorAction::Report => "reported",
                    v1::AuthorAction::Unspecified => "unknown",
                })
                .collect(),
            item_id: i.item_id,
            brand_id: i.brand_id,
            author_handle: i.author_handle,
            text: i.text,
            assignee: i.assignee,
            overdue: i.overdue,
            native_id: i.native_id,
            version: i.version,
        }
    }
}

fn who(i: &ItemView) -> String {
    let mut who = format!("@{} ({} followers", i.author_handle, i.author_followers);
    if i.author_earlier_cases > 0 {
        who.push_str(&format!(", {} earlier cases", i.author_earlier_cases));
    }
    who.push(')');
    if i.never_engage {
        who.push_str(" NEVER ENGAGE");
    }
    if i.offer_block {
        who.push_str(" (anonymous: block?)");
    }
    if !i.author_actions.is_empty() {
        who.push_str(&format!(" [{}]", i.author_actions.join(", ")));
    }
    who
}

fn line(i: &ItemView) -> String {
    format!(
        "{} {} {} from {}: {}",
        i.item_id,
        i.kind,
        i.due_by.clone().unwrap_or_default(),
        who(i),
        i.text
    )
}

/// Runs a `tagar inbox` command.
pub async fn run(config: Option<&Path>, args: InboxArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    let mut desk = session.moderation();
    match args.command {
        InboxCommand::List {
            brand,
            state,
            assignee,
        } => {
            let state = match state {
                None => v1::InboxState::Unspecified,
                Some(StateArg::New) => v1::InboxState::New,
                Some(StateArg::Assigned) => v1::InboxState::Assigned,
                Some(StateArg::Closed) => v1::InboxState::Closed,
            };
            let items: Vec<ItemView> = desk
                .list_inbox(unary(v1::ListInboxRequest {
                    brand_id: brand.unwrap_or_default(),
                    state: state as i32,
                    assignee: assignee.unwrap_or_default(),
                    limit: 0,
                }))
                .await
                .or_status()?
                .items
                .into_iter()
                .map(ItemView::from)
                .collect();
            session.output.emit(&items, || {
                let mut table = Table::new(&["due by", "item", "kind", "from", "assignee", "post"]);
                for i in &items {
                    let due = i.due_by.clone().unwrap_or_default();
                    let due = if i.overdue {
                        format!("{due} OVERDUE")
                    } else {
                        due
                    };
                    table.row([
                        due,
                        i.item_id.clone(),
                        i.kind.to_owned(),
                        who(i),
                        i.assignee.clone(),
                        i.text.clone(),
                    ]);
                }
                table.render_or("The inbox is empty: nothing waits for an answer.")
            });
        }
        InboxCommand::Assign { brand, item_id, to } => {
            let item: ItemView = desk
                .assign_inbox_item(unary(v1::AssignInboxItemRequest {
                    brand_id: brand,
                    item_id,
                    assignee: to.unwrap_or_default(),
                    expected_version: 0,
                }))
                .await
                .or_status()?
                .into();
            session.output.emit(&item, || {
                format!("Item {} is {}'s now.", item.item_id, item.assignee)
            });
        }
        InboxCommand::Close {
            brand,
            item_id,
            reason,
        } => {
            let item: ItemView = desk
                .close_inbox_item(unary(v1::CloseInboxItemRequest {
                    brand_id: brand,
                    item_id,
                    reason,
                    expected_version: 0,
                }))
                .await
                .or_status()?
                .into();
            session
                .output
                .emit(&item, || format!("Item {} is closed.", item.item_id));
        }
        InboxCommand::Reply {
            brand,
            account,
            item_id,
            text,
        } => {
            let item = desk
                .reply_to_inbox_item(unary(v1::ReplyToInboxItemRequest {
                    brand_id: brand,
                    item_id,
                    account_id: account.unwrap_or_default(),
                    text,
                    expected_version: 0,
                }))
                .await
                .or_status()?;
            let post = item.pending_reply_post_id.clone();
            let view = ItemView::from(item);
            session.output.emit(&view, || {
                format!(
                    "The reply to {} is going out (scheduled post {post}); the item is answered once it is out.",
                    view.item_id
                )
            });
        }
        InboxCommand::Figures { brand, weekly } => {
            let period = if weekly {
                v1::Period::Week
            } else {
                v1::Period::Day
            };
            let figures = session
                .analytics()
                .get_response_times(unary(v1::GetResponseTimesRequest {
                    brand_id: brand,
                    from: None,
                    to: None,
                    period: period as i32,
                }))
                .await
                .or_status()?;
            let json = serde_json::json!({
                "brand_id": figures.brand_id,
                "total": figures.total.map(|t| serde_json::json!({
                    "items": t.items, "answered": t.answered, "within_sla": t.within_sla,
                    "first_response_median_s": t.first_response_median_s,
                    "first_response_p90_s": t.first_response_p90_s,
                    "resolution_median_s": t.resolution_median_s,
                    "resolution_p90_s": t.resolution_p90_s,
                })),
                "people": figures.people.iter().map(|p| serde_json::json!({
                    "person": p.person, "answered": p.answered, "within_sla": p.within_sla,
                    "first_response_median_s": p.first_response_median_s,
                    "first_response_p90_s": p.first_response_p90_s,
                })).collect::<Vec<_>>(),
                "active_share": figures.interactions.map(|i| i.active_share),
            });
            session.output.emit(&json, || figures_table(&figures));
        }
        InboxCommand::Block(a) => act(&session, a, v1::AuthorAction::Block, "blocked").await?,
        InboxCommand::Mute(a) => act(&session, a, v1::AuthorAction::Mute, "muted").await?,
        InboxCommand::Report(a) => act(&session, a, v1::AuthorAction::Report, "reported").await?,
        InboxCommand::Watch { brand } => {
            let mut stream = desk
                .watch_inbox(unary(v1::WatchInboxRequest {
                    brand_id: brand.unwrap_or_default(),
                }))
                .await
                .or_status()?;
            while let Some(item) = stream.message().await.map_err(super::status_error)? {
                let view = ItemView::from(item);
                if !session.output.emit_item(&view, || line(&view)) {
                    break;
                }
            }
        }
    }
    Ok(())
}

fn minutes(seconds: u64) -> String {
    match seconds {
        0 => "-".to_owned(),
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s => format!("{:.1} h", s as f64 / 3_600.0),
    }
}

fn figures_table(f: &v1::ResponseTimes) -> String {
    let mut table = Table::new(&[
        "period",
        "items",
        "answered",
        "in SLA",
        "first response",
        "p90",
        "two-way",
    ]);
    let mut row = |label: String, r: &v1::ResponseFigures, i: Option<&v1::InteractionFigures>| {
        table.row([
            label,
            r.items.to_string(),
            r.answered.to_string(),
            format!("{:.0} %", r.within_sla_share * 100.0),
            minutes(r.first_response_median_s),
            minutes(r.first_response_p90_s),
            i.map_or("-".to_owned(), |i| {
                format!("{:.0} %", i.active_share * 100.0)
            }),
        ]);
    };
    for p in &f.periods {
        let r = p.responses.unwrap_or_default();
        row(
            timestamp(p.start.as_ref()).unwrap_or_default(),
            &r,
            p.interactions.as_ref(),
        );
    }
    row(
        "total".to_owned(),
        &f.total.unwrap_or_default(),
        f.interactions.as_ref(),
    );
    let mut out = table.render();
    let mut people = Table::new(&["person", "answered", "in SLA", "first response", "p90"]);
    for p in &f.people {
        people.row([
            p.person.clone(),
            p.answered.to_string(),
            p.within_sla.to_string(),
            minutes(p.first_response_median_s),
            minutes(p.first_response_p90_s),
        ]);
    }
    out.push_str(&people.render_or("Nobody answered anything in the range."));
    out
}

async fn act(
    session: &Session,
    args: ActArgs,
    action: v1::AuthorAction,
    done: &str,
) -> anyhow::Result<()> {
    let item: ItemView = session
        .moderation()
        .act_on_inbox_author(unary(v1::ActOnInboxAuthorRequest {
            brand_id: args.brand,
            item_id: args.item_id,
            action: action as i32,
            reason: args.reason,
            expected_version: 0,
        }))
        .await
        .or_status()?
        .into();
    session.output.emit(&item, || {
        format!(
            "@{} is {done} from the brand's accounts on the network (scheduling does it now).",
            item.author_handle
        )
    });
    Ok(())
}
