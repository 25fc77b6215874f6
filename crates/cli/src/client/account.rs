//! `tagar account`: connect a brand's social accounts (the scheduling service).

use std::path::Path;

use clap::{Args, Subcommand};
use serde::Serialize;
use tagar_model::Network;
use tagar_proto::convert::network_to_wire;
use tagar_proto::v1;

use super::output::fields;
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
            let view = AccountView {
                account_id: a.account_id,
                brand_id: a.brand_id,
                network: network_name(a.network),
                handle: a.handle,
            };
            session.output.emit(&view, || {
                fields(&[
                    ("account", view.account_id.clone()),
                    ("brand", view.brand_id.clone()),
                    ("network", view.network.clone()),
                    ("handle", format!("@{}", view.handle)),
                ])
            });
        }
    }
    Ok(())
}
