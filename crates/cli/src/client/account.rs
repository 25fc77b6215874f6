//! `tagar account`: connect and list brands' social accounts (the scheduling service).

use std::path::Path;

use clap::{Args, Subcommand};
use serde::Serialize;
use tagar_model::Network;
use tagar_proto::convert::network_to_wire;
use tagar_proto::v1;

use super::output::{Table, fields};
use super::{Connection, Session, StatusExt as _, unary};

/// `tagar account …`.
#[derive(Debug, Args)]
pub struct AccountArgs {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: AccountCommand,
}

/// Social account commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Connects a social account to a brand, so posts can be drafted and published on it.
    Connect {
        /// The brand's id.
        #[arg(long, value_name = "BRAND_ID")]
        brand: String,
        /// x, mastodon, bluesky, threads, linkedin, instagram, facebook or loopback (the
        /// built-in network that feeds published posts back into ingest).
        #[arg(long, value_parser = parse_network)]
        network: Network,
        /// The account's handle, without `@`.
        #[arg(long)]
        handle: String,
    },
    /// Lists the accounts of one brand, or of every brand the key may see.
    List {
        /// Only this brand's accounts.
        #[arg(long, value_name = "BRAND_ID")]
        brand: Option<String>,
    },
}

/// Parses a network name as the model does (`x`, `twitter`, `bsky`, …).
pub fn parse_network(s: &str) -> Result<Network, String> {
    s.parse::<Network>().map_err(|e| e.to_string())
}

/// A social account as printed in JSON.
#[derive(Debug, Serialize)]
pub struct AccountView {
    /// The account's id (UUID).
    pub account_id: String,
    /// The brand it belongs to.
    pub brand_id: String,
    /// The network, lowercase.
    pub network: String,
    /// The handle, without `@`.
    pub handle: String,
}

/// `tagar account list --output json`.
#[derive(Debug, Serialize)]
pub struct AccountList {
    /// The accounts, by brand and then oldest first.
    pub accounts: Vec<AccountView>,
}

impl From<v1::SocialAccount> for AccountView {
    fn from(a: v1::SocialAccount) -> Self {
        Self {
            account_id: a.account_id,
            brand_id: a.brand_id,
            network: network_name(a.network),
            handle: a.handle,
        }
    }
}

/// The lowercase network name of a wire network.
pub fn network_name(value: i32) -> String {
    tagar_proto::convert::network_from_wire(value, "network")
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "unspecified".to_owned())
}

/// Runs a `tagar account` command.
pub async fn run(config: Option<&Path>, args: AccountArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    match args.command {
        AccountCommand::Connect {
            brand,
            network,
            handle,
        } => {
            let a = session
                .scheduling()
                .connect_account(unary(v1::ConnectAccountRequest {
                    brand_id: brand,
                    network: network_to_wire(network) as i32,
                    handle: handle.trim_start_matches('@').to_owned(),
                }))
                .await
                .or_status()?;
            let view = AccountView::from(a);
            session.output.emit(&view, || {
                fields(&[
                    ("account", view.account_id.clone()),
                    ("brand", view.brand_id.clone()),
                    ("network", view.network.clone()),
                    ("handle", format!("@{}", view.handle)),
                ])
            });
        }
        AccountCommand::List { brand } => {
            let list = AccountList {
                accounts: session
                    .scheduling()
                    .list_accounts(unary(v1::ListAccountsRequest {
                        brand_id: brand.unwrap_or_default(),
                    }))
                    .await
                    .or_status()?
                    .accounts
                    .into_iter()
                    .map(AccountView::from)
                    .collect(),
            };
            session.output.emit(&list, || account_table(&list.accounts));
        }
    }
    Ok(())
}

fn account_table(accounts: &[AccountView]) -> String {
    let mut table = Table::new(&["account", "brand", "network", "handle"]);
    for a in accounts {
        table.row([
            a.account_id.clone(),
            a.brand_id.clone(),
            a.network.clone(),
            format!("@{}", a.handle),
        ]);
    }
    table.render_or(
        "No accounts yet: connect one with `tagar account connect --brand ID --network NAME --handle HANDLE`.",
    )
}
