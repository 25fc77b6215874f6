//! `tagar review`: the moderation review queue.

use std::path::Path;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use tagar_proto::v1;

use super::account::network_name;
use super::output::{Table, fields, timestamp};
use super::{Connection, Session, StatusExt as _, unary};

/// `tagar review …`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: ReviewCommand,
}

/// Review queue commands.
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Lists a brand's review cases, oldest first (open and assigned ones by default).
    List {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// Only cases in this state.
        #[arg(long, value_enum)]
        state: Option<CaseStateArg>,
        /// At most this many cases (0: the server's default).
        #[arg(long, default_value_t = 0)]
        limit: u32,
    },
    /// Assigns a case to a moderator.
    Assign {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The case's id.
        case_id: String,
        /// The moderator's name.
        #[arg(long, value_name = "NAME")]
        to: String,
        /// Refuse if the case changed since this version (0: no check).
        #[arg(long, default_value_t = 0, value_name = "N")]
        expected_version: u64,
    },
    /// Decides a case.
    Decide {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The case's id.
        case_id: String,
        /// What to do with the post.
        #[arg(value_enum)]
        decision: DecisionArg,
        /// A note kept with the decision.
        #[arg(long, default_value = "")]
        note: String,
        /// Refuse if the case changed since this version (0: no check).
        #[arg(long, default_value_t = 0, value_name = "N")]
        expected_version: u64,
    },
}

/// A case state to filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CaseStateArg {
    /// Not yet assigned.
    Open,
    /// Assigned to a moderator.
    Assigned,
    /// Decided.
    Decided,
}

/// A moderator's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecisionArg {
    /// The post is fine: show it.
    Approve,
    /// Hide the post.
    Hide,
    /// Hide it and block its author.
    Block,
    /// Hand it to someone with more authority.
    Escalate,
}

impl DecisionArg {
    fn wire(self) -> v1::Decision {
        match self {
            DecisionArg::Approve => v1::Decision::Approve,
            DecisionArg::Hide => v1::Decision::Hide,
            DecisionArg::Block => v1::Decision::BlockAuthor,
            DecisionArg::Escalate => v1::Decision::Escalate,
        }
    }
}

fn decision_name(value: i32) -> Option<&'static str> {
    match v1::Decision::try_from(value) {
        Ok(v1::Decision::Approve) => Some("approve"),
        Ok(v1::Decision::Hide) => Some("hide"),
        Ok(v1::Decision::BlockAuthor) => Some("block"),
        Ok(v1::Decision::Escalate) => Some("escalate"),
        _ => None,
    }
}

fn state_name(value: i32) -> &'static str {
    match v1::CaseState::try_from(value) {
        Ok(v1::CaseState::Open) => "open",
        Ok(v1::CaseState::Assigned) => "assigned",
        Ok(v1::CaseState::Decided) => "decided",
        _ => "unspecified",
    }
}

/// A review case as printed in JSON.
#[derive(Debug, Serialize)]
pub struct CaseView {
    /// The case's id.
    pub case_id: String,
    /// Its brand.
    pub brand_id: String,
    /// open, assigned or decided.
    pub state: &'static str,
    /// The post's network, lowercase.
    pub network: String,
    /// The post's id on its network.
    pub native_id: String,
    /// The post's author id.
    pub author_id: String,
    /// The post's text.
    pub text: String,
    /// Why it was flagged.
    pub reasons: Vec<String>,
    /// Whether the post is hidden now.
    pub hidden: bool,
    /// Who it is assigned to (empty when nobody).
    pub assignee: String,
    /// approve, hide, block or escalate; null until decided.
    pub decision: Option<&'static str>,
    /// When the case was opened, RFC 3339 UTC.
    pub opened_at: Option<String>,
    /// The case's version.
    pub version: u64,
}

impl From<v1::ReviewCase> for CaseView {
    fn from(c: v1::ReviewCase) -> Self {
        Self {
            state: state_name(c.state),
            network: network_name(c.network),
            decision: decision_name(c.decision),
            opened_at: timestamp(c.opened_at.as_ref()),
            case_id: c.case_id,
            brand_id: c.brand_id,
            native_id: c.native_id,
            author_id: c.author_id,
            text: c.text,
            reasons: c.reasons,
            hidden: c.hidden,
            assignee: c.assignee,
            version: c.version,
        }
    }
}

/// `tagar review list --output json`.
#[derive(Debug, Serialize)]
pub struct CaseList {
    /// The cases, oldest first.
    pub cases: Vec<CaseView>,
}

fn case_fields(c: &CaseView) -> String {
    fields(&[
        ("case", c.case_id.clone()),
        ("state", c.state.to_owned()),
        ("decision", c.decision.unwrap_or("-").to_owned()),
        ("assignee", c.assignee.clone()),
        ("hidden", c.hidden.to_string()),
        ("reasons", c.reasons.join(", ")),
        ("text", c.text.clone()),
        ("version", c.version.to_string()),
    ])
}

/// Runs a `tagar review` command.
pub async fn run(config: Option<&Path>, args: ReviewArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    let mut client = session.moderation();
    let case = match args.command {
        ReviewCommand::List {
            brand,
            state,
            limit,
        } => {
            let state = match state {
                None => v1::CaseState::Unspecified,
                Some(CaseStateArg::Open) => v1::CaseState::Open,
                Some(CaseStateArg::Assigned) => v1::CaseState::Assigned,
                Some(CaseStateArg::Decided) => v1::CaseState::Decided,
            };
            let list = CaseList {
                cases: client
                    .list_review_cases(unary(v1::ListReviewCasesRequest {
                        brand_id: brand,
                        state: state as i32,
                        limit,
                    }))
                    .await
                    .or_status()?
                    .cases
                    .into_iter()
                    .map(CaseView::from)
                    .collect(),
            };
            session.output.emit(&list, || {
                let mut table =
                    Table::new(&["case", "state", "hidden", "reasons", "assignee", "text"]);
                for c in &list.cases {
                    table.row([
                        c.case_id.clone(),
                        c.state.to_owned(),
                        if c.hidden { "yes" } else { "no" }.to_owned(),
                        c.reasons.join(","),
                        c.assignee.clone(),
                        c.text.clone(),
                    ]);
                }
                table.render_or("The review queue is empty.")
            });
            return Ok(());
        }
        ReviewCommand::Assign {
            brand,
            case_id,
            to,
            expected_version,
        } => client
            .assign_case(unary(v1::AssignCaseRequest {
                brand_id: brand,
                case_id,
                moderator: to,
                expected_version,
            }))
            .await
            .or_status()?,
        ReviewCommand::Decide {
            brand,
            case_id,
            decision,
            note,
            expected_version,
        } => client
            .decide_case(unary(v1::DecideCaseRequest {
                brand_id: brand,
                case_id,
                decision: decision.wire() as i32,
                note,
                expected_version,
            }))
            .await
            .or_status()?,
    };
    let view = CaseView::from(case);
    session.output.emit(&view, || case_fields(&view));
    Ok(())
}
