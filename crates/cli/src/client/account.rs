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
        #[command(flatten)]
        credentials: CredentialArgs,
    },
    /// Gives a connected account new credentials, after its network refused the old ones
    /// (`tagar account list` shows "needs reconnect").
    Reconnect {
        /// The account's id.
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: String,
        #[command(flatten)]
        credentials: CredentialArgs,
    },
    /// Lists the accounts of one brand, or of every brand the key may see.
    List {
        /// Only this brand's accounts.
        #[arg(long, value_name = "BRAND_ID")]
        brand: Option<String>,
    },
}

/// How the account signs in to its network. Without any, the account publishes to the
/// loopback network. Secrets are never taken as a flag's value (shell history, `ps`).
#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// Bluesky: read the account's app password from this environment variable (Bluesky
    /// settings → Privacy and security → App passwords; never the main password).
    #[arg(long, value_name = "VAR", conflicts_with_all = ["app_password_stdin", "access_token_env", "access_token_stdin"])]
    app_password_env: Option<String>,
    /// Bluesky: read the app password from the first line of standard input.
    #[arg(long, conflicts_with_all = ["access_token_env", "access_token_stdin"])]
    app_password_stdin: bool,
    /// Bluesky: the PDS the account lives on.
    #[arg(long, value_name = "URL", default_value = "https://bsky.social")]
    service: String,
    /// Mastodon or X: read the account's OAuth access token from this environment variable
    /// (Mastodon: scopes read and write).
    #[arg(long, value_name = "VAR", conflicts_with = "access_token_stdin")]
    access_token_env: Option<String>,
    /// Mastodon: read the access token from the first line of standard input.
    #[arg(long)]
    access_token_stdin: bool,
    /// Mastodon: the account's server (required with an access token).
    #[arg(long, value_name = "URL", conflicts_with = "refresh_token_env")]
    instance: Option<String>,
    /// X: read the OAuth 2.0 refresh token from this environment variable (with
    /// --access-token-env for the access token, and --client-id).
    #[arg(long, value_name = "VAR", requires_all = ["client_id", "access_token_env"])]
    refresh_token_env: Option<String>,
    /// X: your app's OAuth 2.0 client id.
    #[arg(long, value_name = "ID", requires = "refresh_token_env")]
    client_id: Option<String>,
    /// X: seconds until the access token expires, as the token endpoint said (0: unknown).
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    expires_in: u32,
    /// X: the API's address.
    #[arg(long, value_name = "URL", default_value = "https://api.x.com")]
    x_api: String,
}

/// Credentials as the CLI read them.
enum Given {
    Bluesky(v1::BlueskyCredentials),
    Mastodon(v1::MastodonCredentials),
    X(v1::XCredentials),
}

fn secret(env: Option<&String>, stdin: bool, flag: &str) -> anyhow::Result<Option<String>> {
    if let Some(var) = env {
        let value = std::env::var(var)
            .map_err(|_| anyhow::anyhow!("--{flag}-env: the variable {var} is not set"))?;
        return Ok(Some(value));
    }
    if stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        anyhow::ensure!(!line.is_empty(), "--{flag}-stdin: standard input was empty");
        return Ok(Some(line));
    }
    Ok(None)
}

impl CredentialArgs {
    fn given(&self) -> anyhow::Result<Option<Given>> {
        if let Some(app_password) = secret(
            self.app_password_env.as_ref(),
            self.app_password_stdin,
            "app-password",
        )? {
            return Ok(Some(Given::Bluesky(v1::BlueskyCredentials {
                service: self.service.clone(),
                app_password,
            })));
        }
        if let Some(refresh_token) =
            secret(self.refresh_token_env.as_ref(), false, "refresh-token")?
        {
            let access_token = secret(self.access_token_env.as_ref(), false, "access-token")?
                .ok_or_else(|| {
                    anyhow::anyhow!("--access-token-env: required with --refresh-token-env")
                })?;
            return Ok(Some(Given::X(v1::XCredentials {
                client_id: self.client_id.clone().unwrap_or_default(),
                access_token,
                refresh_token,
                expires_in_seconds: self.expires_in,
                api: self.x_api.clone(),
            })));
        }
        if let Some(access_token) = secret(
            self.access_token_env.as_ref(),
            self.access_token_stdin,
            "access-token",
        )? {
            let Some(instance) = self.instance.clone() else {
                anyhow::bail!("--instance: the Mastodon server is required with an access token");
            };
            return Ok(Some(Given::Mastodon(v1::MastodonCredentials {
                instance,
                access_token,
            })));
        }
        Ok(None)
    }

    fn for_connect(&self) -> anyhow::Result<Option<v1::connect_account_request::Credentials>> {
        use v1::connect_account_request::Credentials as C;
        Ok(self.given()?.map(|g| match g {
            Given::Bluesky(b) => C::Bluesky(b),
            Given::Mastodon(m) => C::Mastodon(m),
            Given::X(x) => C::X(x),
        }))
    }

    fn for_reconnect(&self) -> anyhow::Result<Option<v1::reconnect_account_request::Credentials>> {
        use v1::reconnect_account_request::Credentials as C;
        Ok(self.given()?.map(|g| match g {
            Given::Bluesky(b) => C::Bluesky(b),
            Given::Mastodon(m) => C::Mastodon(m),
            Given::X(x) => C::X(x),
        }))
    }
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
    /// Where its posts go: `network` (its own, with stored credentials) or `loopback`.
    pub link: String,
    /// The network's id of the account (Bluesky: its DID); empty on loopback.
    pub native_account_id: String,
    /// Why its network refused its credentials; empty while they work.
    pub needs_reconnect: String,
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
            link: match v1::AccountLink::try_from(a.link) {
                Ok(v1::AccountLink::Network) => "network",
                _ => "loopback",
            }
            .to_owned(),
            native_account_id: a.native_account_id,
            needs_reconnect: a.needs_reconnect,
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
            credentials,
        } => {
            let credentials = credentials.for_connect()?;
            let a = session
                .scheduling()
                .connect_account(unary(v1::ConnectAccountRequest {
                    brand_id: brand,
                    network: network_to_wire(network) as i32,
                    handle: handle.trim_start_matches('@').to_owned(),
                    credentials,
                }))
                .await
                .or_status()?;
            emit_account(&session, AccountView::from(a));
        }
        AccountCommand::Reconnect {
            account,
            credentials,
        } => {
            let Some(given) = credentials.for_reconnect()? else {
                anyhow::bail!(
                    "give the new credentials: --app-password-env VAR or --app-password-stdin (Bluesky), --access-token-env VAR or --access-token-stdin with --instance URL (Mastodon)"
                );
            };
            let a = session
                .scheduling()
                .reconnect_account(unary(v1::ReconnectAccountRequest {
                    account_id: account,
                    credentials: Some(given),
                }))
                .await
                .or_status()?;
            emit_account(&session, AccountView::from(a));
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

fn emit_account(session: &Session, view: AccountView) {
    session.output.emit(&view, || {
        fields(&[
            ("account", view.account_id.clone()),
            ("brand", view.brand_id.clone()),
            ("network", view.network.clone()),
            ("handle", format!("@{}", view.handle)),
            ("publishes to", publishes_to(&view)),
        ])
    });
}

fn publishes_to(a: &AccountView) -> String {
    match (a.link.as_str(), a.needs_reconnect.is_empty()) {
        ("network", true) => format!("{} as {}", a.network, a.native_account_id),
        ("network", false) => format!("nothing: needs reconnect ({})", a.needs_reconnect),
        _ => "loopback".to_owned(),
    }
}

fn account_table(accounts: &[AccountView]) -> String {
    let mut table = Table::new(&["account", "brand", "network", "handle", "publishes to"]);
    for a in accounts {
        table.row([
            a.account_id.clone(),
            a.brand_id.clone(),
            a.network.clone(),
            format!("@{}", a.handle),
            publishes_to(a),
        ]);
    }
    table.render_or(
        "No accounts yet: connect one with `tagar account connect --brand ID --network NAME --handle HANDLE`.",
    )
}
