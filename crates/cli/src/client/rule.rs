//! `tagar rule`: a brand's listening rules (the ingest service).

use std::path::Path;

use clap::{ArgGroup, Args, Subcommand};
use serde::Serialize;
use tagar_proto::v1;

use super::output::{Table, fields};
use super::{Connection, Session, StatusExt as _, unary};

/// `tagar rule …`.
#[derive(Debug, Args)]
pub struct RuleArgs {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: RuleCommand,
}

/// Listening rule commands.
#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// Adds a listening rule: posts matching it are counted for the brand and moderated.
    #[command(group(ArgGroup::new("pattern").required(true).multiple(false)
        .args(["hashtag", "keyword", "handle", "competitor"])))]
    Add {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// A hashtag, with or without `#` (matched canonically: case and Unicode forms fold).
        #[arg(long, value_name = "TAG")]
        hashtag: Option<String>,
        /// A word or phrase, matched on word boundaries.
        #[arg(long, value_name = "WORDS")]
        keyword: Option<String>,
        /// A handle, with or without `@`: posts mentioning or written by it.
        #[arg(long, value_name = "HANDLE")]
        handle: Option<String>,
        /// A competitor's name, listened to for share of voice.
        #[arg(long, value_name = "NAME")]
        competitor: Option<String>,
    },
    /// Lists a brand's listening rules.
    List {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
    },
    /// Removes a listening rule.
    Remove {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// The rule's id, as `tagar rule list` shows it.
        rule_id: String,
    },
}

/// A listening rule as printed in JSON.
#[derive(Debug, Serialize)]
pub struct RuleView {
    /// The rule's id.
    pub rule_id: String,
    /// The brand it belongs to.
    pub brand_id: String,
    /// `hashtag`, `keyword`, `handle` or `competitor`.
    pub kind: &'static str,
    /// The hashtag (without `#`), the words, or the handle (without `@`).
    pub pattern: String,
}

impl From<v1::ListeningRule> for RuleView {
    fn from(r: v1::ListeningRule) -> Self {
        Self {
            rule_id: r.rule_id,
            brand_id: r.brand_id,
            kind: kind_name(r.kind),
            pattern: r.pattern,
        }
    }
}

/// `tagar rule list --output json`.
#[derive(Debug, Serialize)]
pub struct RuleList {
    /// The brand's rules.
    pub rules: Vec<RuleView>,
}

/// `tagar rule remove --output json`.
#[derive(Debug, Serialize)]
pub struct Removed {
    /// The removed rule's id.
    pub rule_id: String,
    /// Always true: a failure is an error, not a document.
    pub removed: bool,
}

fn kind_name(kind: i32) -> &'static str {
    match v1::RuleKind::try_from(kind) {
        Ok(v1::RuleKind::Hashtag) => "hashtag",
        Ok(v1::RuleKind::Keyword) => "keyword",
        Ok(v1::RuleKind::Handle) => "handle",
        Ok(v1::RuleKind::Competitor) => "competitor",
        _ => "unspecified",
    }
}

/// The rule kind and pattern of `tagar rule add`'s flags (sigils dropped).
pub fn rule_pattern(
    hashtag: Option<String>,
    keyword: Option<String>,
    handle: Option<String>,
    competitor: Option<String>,
) -> Option<(v1::RuleKind, String)> {
    let trimmed = |s: String, sigils: &[char]| s.trim().trim_start_matches(sigils).to_owned();
    hashtag
        .map(|t| (v1::RuleKind::Hashtag, trimmed(t, &['#', '＃'])))
        .or_else(|| keyword.map(|k| (v1::RuleKind::Keyword, k.trim().to_owned())))
        .or_else(|| handle.map(|h| (v1::RuleKind::Handle, trimmed(h, &['@', '＠']))))
        .or_else(|| competitor.map(|c| (v1::RuleKind::Competitor, c.trim().to_owned())))
}

/// Runs a `tagar rule` command.
pub async fn run(config: Option<&Path>, args: RuleArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    let mut client = session.ingest();
    match args.command {
        RuleCommand::Add {
            brand,
            hashtag,
            keyword,
            handle,
            competitor,
        } => {
            let (kind, pattern) =
                rule_pattern(hashtag, keyword, handle, competitor).ok_or_else(|| {
                    anyhow::anyhow!("give one of --hashtag, --keyword, --handle, --competitor")
                })?;
            let rule = client
                .add_listening_rule(unary(v1::AddListeningRuleRequest {
                    brand_id: brand,
                    kind: kind as i32,
                    pattern,
                }))
                .await
                .or_status()?
                .rule
                .ok_or_else(|| anyhow::anyhow!("internal: the server returned no rule"))?;
            let view = RuleView::from(rule);
            session.output.emit(&view, || {
                fields(&[
                    ("rule", view.rule_id.clone()),
                    ("brand", view.brand_id.clone()),
                    ("kind", view.kind.to_owned()),
                    ("pattern", view.pattern.clone()),
                ])
            });
        }
        RuleCommand::List { brand } => {
            let list = RuleList {
                rules: client
                    .list_listening_rules(unary(v1::ListListeningRulesRequest { brand_id: brand }))
                    .await
                    .or_status()?
                    .rules
                    .into_iter()
                    .map(RuleView::from)
                    .collect(),
            };
            session.output.emit(&list, || {
                let mut table = Table::new(&["rule", "kind", "pattern"]);
                for r in &list.rules {
                    table.row([r.rule_id.clone(), r.kind.to_owned(), r.pattern.clone()]);
                }
                table.render_or("No listening rules: add one with `tagar rule add`.")
            });
        }
        RuleCommand::Remove { brand, rule_id } => {
            client
                .remove_listening_rule(unary(v1::RemoveListeningRuleRequest {
                    brand_id: brand,
                    rule_id: rule_id.clone(),
                }))
                .await
                .or_status()?;
            let removed = Removed {
                rule_id,
                removed: true,
            };
            session
                .output
                .emit(&removed, || format!("Removed rule {}.", removed.rule_id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigils_are_dropped_from_hashtags_and_handles() {
        assert_eq!(
            rule_pattern(Some("#KopiSenja".into()), None, None, None),
            Some((v1::RuleKind::Hashtag, "KopiSenja".into()))
        );
        assert_eq!(
            rule_pattern(None, None, Some("@batikayu".into()), None),
            Some((v1::RuleKind::Handle, "batikayu".into()))
        );
        assert_eq!(
            rule_pattern(None, Some(" teh melati ".into()), None, None),
            Some((v1::RuleKind::Keyword, "teh melati".into()))
        );
    }
}
