//! `tagar standalone --demo`: a trending event, start to finish, on the running system.
//!
//! It creates an agency (a tenant and its admin key) with three brands, their accounts and
//! listening rules; schedules a post per brand a few seconds ahead; replays a generated
//! trending event through ingest over gRPC, as any client would; waits while moderation and
//! analytics catch up and the scheduled posts go out; prints a short report; then hosts a
//! live hashtag chat and prints its report so far ([`chat`]). Everything
//! goes through the public API, so what it shows is what a user gets.

mod bluesky;
mod chat;
mod report;
mod setup;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use tagar_model::TenantId;
use tagar_proto::v1;
use tagar_runtime::auth::{ApiKey, BrandScope, Role};
use tagar_store::Store;

use crate::client::{OutputFormat, Session};
use crate::r#gen::{self, GenConfig, Shape};

/// What the demo replays.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Posts in the trending event.
    pub posts: u64,
    /// The generator's seed.
    pub seed: u64,
    /// A Bluesky PDS to publish to and listen on, besides the loopback network.
    pub bluesky: Option<String>,
}

/// Runs the demo against the process serving on `grpc`.
pub async fn run(
    store: &Store,
    data_dir: &Path,
    grpc: SocketAddr,
    options: &DemoOptions,
) -> anyhow::Result<()> {
    let key_path = data_dir.join("demo-agency.key");
    let key = new_agency(store, &key_path).await?;
    let server = format!("http://127.0.0.1:{}", grpc.port());
    let session = Session::open(&server, &key, OutputFormat::Table).await?;

    println!("\n▶ Demo: an agency with three brands meets a trending hashtag.");
    let brands = setup::agency(&session).await.context("set up the agency")?;
    for b in &brands {
        println!(
            "  brand {:<15} {:<13} rules: {}, @{}, \"{}\"",
            b.name, b.time_zone, b.identity.hashtag, b.identity.handle, b.identity.name
        );
    }
    let scheduled = setup::schedule_posts(&session, &brands)
        .await
        .context("schedule posts")?;
    println!(
        "  scheduled {} posts to go out in the next 30 seconds (each in its brand's time zone)",
        scheduled.len()
    );

    let replay = replay(&session, options).await?;
    let settled = report::wait_until_settled(&session, &brands, &scheduled).await?;
    report::print(&session, &brands, &replay, &settled).await?;
    let chat = chat::run(&session, &brands[0], options.seed)
        .await
        .context("the demo's hashtag chat")?;
    let crises = session
        .analytics()
        .list_crises(v1::ListCrisesRequest::default())
        .await
        .context("list crises")?
        .into_inner()
        .crises;
    println!(
        "\n▶ Crisis watch (negative posts and volume against each brand's own baseline): {}",
        match crises.len() {
            0 => "no storm in this traffic; `tagar crisis watch` streams one when it comes"
                .to_owned(),
            n => format!("{n} crises detected; `tagar crisis list` shows them"),
        }
    );
    if let Some(pds) = &options.bluesky {
        bluesky::run(&session, pds, &brands[0])
            .await
            .context("the demo on Bluesky")?;
    }

    println!(
        "\nThe demo agency's admin key is in {} — try:",
        key_path.display()
    );
    println!(
        "  cargo run --release -p tagar -- trends --api-key \"$(cat {})\"",
        key_path.display()
    );
    println!(
        "  cargo run --release -p tagar -- review list --brand {} --api-key \"$(cat {})\"",
        brands[0].id,
        key_path.display()
    );
    println!(
        "  cargo run --release -p tagar -- chat watch --brand {} {chat} --api-key \"$(cat {})\"",
        brands[0].id,
        key_path.display()
    );
    Ok(())
}

/// A new tenant and its admin key, written to `path` (readable only by its owner).
async fn new_agency(store: &Store, path: &Path) -> anyhow::Result<String> {
    let (plain, stored) = ApiKey::generate(TenantId::new(), Role::Admin, BrandScope::All);
    store.save_key(&stored, "demo agency").await?;
    crate::keys::write_private(path, plain.expose())
        .with_context(|| format!("write {}", path.display()))?;
    Ok(plain.expose().to_owned())
}

/// What the replay did.
pub struct Replay {
    /// Ingest's answer.
    pub response: v1::PushPostsResponse,
    /// How long it took.
    pub elapsed: Duration,
    /// The trending hashtag.
    pub hashtag: String,
}

async fn replay(session: &Session, options: &DemoOptions) -> anyhow::Result<Replay> {
    let config = GenConfig {
        seed: options.seed,
        posts: options.posts,
        shape: Shape::Burst,
        start: chrono::Utc::now() - chrono::Duration::minutes(30),
        minutes: 30,
        ..GenConfig::default()
    };
    let hashtag = config.hashtag.clone();
    let posts = r#gen::generate(config).map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let bar = ProgressBar::new(options.posts);
    bar.set_style(
        ProgressStyle::with_template(
            "  replaying {bar:36.cyan/blue} {human_pos}/{human_len} posts  {per_sec}  eta {eta}",
        )
        .expect("progress template")
        .progress_chars("█▉▊▋▌▍▎▏ "),
    );
    println!(
        "\n▶ Replaying {} posts of a trending event ({hashtag} bursts halfway) through ingest…",
        options.posts
    );
    let started = Instant::now();
    let counted = bar.clone();
    let wire = posts.map(move |post| {
        counted.inc(1);
        v1::Post::from(&post)
    });
    let response = tagar_client::push::push_posts(&mut session.ingest(), wire, 1_000)
        .await
        .map_err(|s| anyhow::anyhow!(crate::client::describe_status(&s)))?;
    bar.finish_and_clear();
    Ok(Replay {
        response,
        elapsed: started.elapsed(),
        hashtag,
    })
}
