//! `tagar`: run Tagar standalone (every service in one process on SQLite) or one service at a
//! time against PostgreSQL and Kafka, and manage API keys.

mod client;
mod demo;
mod dlq;
mod r#gen;
mod keys;
mod run;
mod vault;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tagar: the backend an agency runs its clients' social media on.
#[derive(Debug, Parser)]
#[command(name = "tagar", version, about, long_about = None)]
struct Cli {
    /// A TOML settings file (also `TAGAR_CONFIG`); `TAGAR__SECTION__KEY` variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs every service in one process: SQLite in the data directory, the store's own event
    /// log, one gRPC port. Restarts where it left off. Creates a first admin API key on a new
    /// data directory.
    Standalone(run::StandaloneArgs),
    /// Runs services against PostgreSQL and Kafka, as they run in Kubernetes pods.
    Serve(run::ServeArgs),
    /// Creates, lists and revokes API keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Master keys of the vault that protects stored network credentials: new-key, rotate,
    /// status.
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// Lists, shows and replays dead letters: records a consumer could not handle.
    #[command(subcommand)]
    Dlq(dlq::DlqCommand),
    /// Creates and lists brands (client: talks gRPC to a running Tagar).
    Brand(client::brand::BrandArgs),
    /// Connects a brand's social accounts.
    Account(client::account::AccountArgs),
    /// Adds, lists and removes a brand's listening rules.
    Rule(client::rule::RuleArgs),
    /// Streams a JSONL file of posts into ingest, with a progress bar and a summary.
    Push(client::push::PushArgs),
    /// Drafts, approves, schedules and lists a brand's posts.
    Post(client::post::PostArgs),
    /// Works the moderation review queue: list, assign, decide.
    Review(client::review::ReviewArgs),
    /// The engagement desk: what wants an answer across your brands; list, assign, reply,
    /// close, watch, and the desk's response figures.
    Inbox(client::inbox::InboxArgs),
    /// Shows the hashtags growing fastest (once, or live with --watch).
    Trends(client::trends::TrendsArgs),
    /// Shows a brand's per-minute activity: mentions, flagged, hidden, published, interactions.
    Activity(client::trends::ActivityArgs),
    /// Live hashtag chats: create, list, show, reschedule, cancel; watch, catch-up, report.
    Chat(client::chat::ChatArgs),
    /// Crises: list, show and watch detected storms, set thresholds; pause and resume a
    /// brand's queue, publish its statement.
    Crisis(client::crisis::CrisisArgs),
    /// Generates a deterministic JSONL replay of posts (steady, burst or a live chat).
    Gen(r#gen::GenArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Standalone(args) => run::standalone(cli.config.as_deref(), args).await,
        Command::Serve(args) => run::serve(cli.config.as_deref(), args).await,
        Command::Keys(command) => keys::run(cli.config.as_deref(), command).await,
        Command::Dlq(command) => dlq::run(cli.config.as_deref(), command).await,
        Command::Vault(command) => vault::run(cli.config.as_deref(), command).await,
        Command::Brand(args) => client::brand::run(cli.config.as_deref(), args).await,
        Command::Account(args) => client::account::run(cli.config.as_deref(), args).await,
        Command::Rule(args) => client::rule::run(cli.config.as_deref(), args).await,
        Command::Push(args) => client::push::run(cli.config.as_deref(), args).await,
        Command::Post(args) => client::post::run(cli.config.as_deref(), args).await,
        Command::Review(args) => client::review::run(cli.config.as_deref(), args).await,
        Command::Inbox(args) => client::inbox::run(cli.config.as_deref(), args).await,
        Command::Trends(args) => client::trends::run_trends(cli.config.as_deref(), args).await,
        Command::Activity(args) => client::trends::run_activity(cli.config.as_deref(), args).await,
        Command::Chat(args) => client::chat::run(cli.config.as_deref(), args).await,
        Command::Crisis(args) => client::crisis::run(cli.config.as_deref(), args).await,
        Command::Gen(args) => r#gen::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tagar: {e:#}");
            ExitCode::FAILURE
        }
    }
}
