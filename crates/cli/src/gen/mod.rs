//! `tagar gen`: the deterministic generator behind the demo. It writes JSONL replays of
//! `tagar_model::Post` (one JSON object per line, what `tagar push` and ingest read) and is
//! usable as a library: [`generate`] returns an iterator the demo streams straight into
//! `PushPosts`.
//!
//! The same configuration (seed and start included) gives byte-identical output.

mod config;
mod generator;
mod ids;
mod lexicon;
mod people;
mod render;
mod rng;
mod timeline;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tagar_model::Network;

// The library API the demo builds on (`tagar standalone --demo`), beside the command.
#[allow(unused_imports)]
pub use config::{BrandIdentity, ConfigError, GenConfig, Shape, brand_identity};
#[allow(unused_imports)]
pub use generator::{Generator, Kind};
pub use lexicon::Language;

/// The posts `config` describes, in time order.
pub fn generate(config: GenConfig) -> Result<Generator, ConfigError> {
    Generator::new(config)
}

/// `tagar gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// How many posts.
    #[arg(long, default_value_t = 10_000)]
    posts: u64,
    /// steady: a uniform rate; burst: a hashtag trends sharply mid-range; chat: a live
    /// hashtag chat (questions Q1..Qn and replies "A1 …").
    #[arg(long, value_enum, default_value_t = Shape::Steady)]
    shape: Shape,
    /// The length of the time range, in minutes.
    #[arg(long, default_value_t = 60)]
    minutes: u32,
    /// When the range starts (RFC 3339, or YYYY-MM-DDTHH:MM in UTC); default: it ends now.
    /// Give it for byte-identical output across runs.
    #[arg(long, value_parser = parse_start, value_name = "TIME")]
    start: Option<DateTime<Utc>>,
    /// The seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The trending hashtag (burst) or the chat's hashtag (chat).
    #[arg(long, default_value = "#KopiSenja")]
    hashtag: String,
    /// How many questions the chat host asks (chat).
    #[arg(long, default_value_t = 6)]
    questions: u32,
    /// Languages, comma-separated: en, fr, id, hi, fa.
    #[arg(long, value_delimiter = ',', default_value = "en,fr,id,hi,fa")]
    languages: Vec<Language>,
    /// The share of abusive replies.
    #[arg(long, default_value_t = 0.05)]
    abuse_share: f64,
    /// The share of spam (repeated text from brand-new accounts, link-only posts).
    #[arg(long, default_value_t = 0.03)]
    spam_share: f64,
    /// The brands people talk about (names; handles and hashtags are derived: "Kopi
    /// Nusantara" → @kopinusantara, #KopiNusantara).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "Kopi Nusantara,Batik Ayu,Teh Melati"
    )]
    brands: Vec<String>,
    /// Networks, comma-separated; the first gets most posts.
    #[arg(long, value_delimiter = ',', default_value = "x,mastodon,bluesky", value_parser = crate::client::account::parse_network)]
    networks: Vec<Network>,
    /// Write here instead of standard output (with a progress bar).
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn parse_start(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").map(|t| t.and_utc()))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").map(|t| t.and_utc()))
        .map_err(|_| format!("{s:?} is not a time like 2026-11-22T09:00:00Z"))
}

impl GenArgs {
    /// The generator configuration these flags describe.
    pub fn config(&self) -> GenConfig {
        let start = self
            .start
            .unwrap_or_else(|| Utc::now() - Duration::minutes(i64::from(self.minutes)));
        GenConfig {
            seed: self.seed,
            posts: self.posts,
            shape: self.shape,
            start,
            minutes: self.minutes,
            hashtag: self.hashtag.clone(),
            questions: self.questions,
            languages: self.languages.clone(),
            abuse_share: self.abuse_share,
            spam_share: self.spam_share,
            brands: self.brands.clone(),
            networks: self.networks.clone(),
        }
    }
}

/// Writes every post of `posts` as one JSON line; returns how many.
pub fn write_jsonl(
    posts: impl Iterator<Item = tagar_model::Post>,
    out: &mut impl Write,
    progress: &ProgressBar,
) -> std::io::Result<u64> {
    let mut n = 0u64;
    for post in posts {
        serde_json::to_writer(&mut *out, &post)?;
        out.write_all(b"\n")?;
        n += 1;
        if n.is_multiple_of(8192) {
            progress.set_position(n);
        }
    }
    progress.set_position(n);
    out.flush()?;
    Ok(n)
}

/// Runs `tagar gen`.
pub fn run(args: GenArgs) -> anyhow::Result<()> {
    let config = args.config();
    let total = config.posts;
    let posts = generate(config)?;
    let started = Instant::now();
    match &args.out {
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            match write_jsonl(posts, &mut out, &ProgressBar::hidden()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map(|_| ()).context("write to standard output"),
            }
        }
        Some(path) => {
            let file = File::create(path).with_context(|| format!("create {}", path.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let progress = ProgressBar::new(total).with_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} posts  {per_sec}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let n = write_jsonl(posts, &mut out, &progress)
                .with_context(|| format!("write {}", path.display()))?;
            progress.finish_and_clear();
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "Wrote {n} posts to {} in {secs:.1} s ({:.0} posts/s).",
                path.display(),
                n as f64 / secs.max(1e-6)
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests;
