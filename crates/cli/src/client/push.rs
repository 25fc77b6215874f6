//! `tagar push`: streams a JSONL file of posts into ingest (`PushPosts`, client streaming).
//!
//! A reader thread parses the file line by line and deals batches to `--streams` concurrent
//! request streams through bounded channels, so the file is never held in memory and a slow server
//! slows the reader down. A line that is not a post is reported with its line number and
//! skipped; the server reports each post it rejects by its index in the stream, which is
//! mapped back to the line it came from.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tagar_proto::v1;

use tagar_client::push::push_posts_concurrently;

use super::{Connection, Session, status_error};

/// Unreadable lines kept (and printed) in full; the rest are only counted.
const KEPT_LINE_ERRORS: usize = 20;

/// `tagar push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    #[command(flatten)]
    conn: Connection,
    /// A JSONL file: one `tagar_model::Post` as JSON per line (what `tagar gen` writes);
    /// `-` reads standard input.
    file: PathBuf,
    /// Posts per stream message.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    batch: u32,
    /// Concurrent `PushPosts` streams the messages are dealt to in turn. With more than one,
    /// posts of one conversation may reach the log out of file order; `--streams 1` keeps it.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    streams: u32,
}

/// A line that could not be read as a post.
#[derive(Debug, Clone, Serialize)]
pub struct LineError {
    /// 1-based line number.
    pub line: u64,
    /// Why it is not a post.
    pub error: String,
}

/// What the reader saw besides posts.
#[derive(Debug, Default)]
struct ReadLog {
    /// Line numbers not sent (blank or unreadable), ascending: maps stream index → line.
    skipped: Vec<u64>,
    unreadable: u64,
    errors: Vec<LineError>,
    io_error: Option<String>,
}

impl ReadLog {
    /// The line of the `index`-th post sent (0-based).
    fn line_of(&self, index: u64) -> u64 {
        let mut line = index + 1;
        for &s in &self.skipped {
            if s <= line {
                line += 1;
            } else {
                break;
            }
        }
        line
    }
}

/// Reads posts from JSONL, logging what it skips and moving the progress bar.
struct JsonlPosts<R> {
    reader: R,
    buf: String,
    line: u64,
    bytes: u64,
    sent: u64,
    log: Arc<Mutex<ReadLog>>,
    progress: ProgressBar,
    started: Instant,
}

impl<R: BufRead> Iterator for JsonlPosts<R> {
    type Item = v1::Post;

    fn next(&mut self) -> Option<v1::Post> {
        loop {
            self.buf.clear();
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => return None,
                Ok(n) => self.bytes += n as u64,
                Err(e) => {
                    self.lock().io_error = Some(format!("line {}: {e}", self.line + 1));
                    return None;
                }
            }
            self.line += 1;
            let text = self.buf.trim();
            if text.is_empty() {
                self.lock().skipped.push(self.line);
                continue;
            }
            match tagar_client::jsonl::parse_line(text) {
                Ok(post) => {
                    self.sent += 1;
                    if self.sent.is_multiple_of(512) {
                        self.tick();
                    }
                    return Some(v1::Post::from(&post));
                }
                Err(e) => self.unreadable(e.to_string()),
            }
        }
    }
}

impl<R> JsonlPosts<R> {
    fn lock(&self) -> std::sync::MutexGuard<'_, ReadLog> {
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn unreadable(&mut self, error: String) {
        let line = self.line;
        let mut log = self.lock();
        log.skipped.push(line);
        log.unreadable += 1;
        if log.errors.len() < KEPT_LINE_ERRORS {
            self.progress
                .suspend(|| eprintln!("tagar: line {line}: not a post: {error}"));
            log.errors.push(LineError { line, error });
        }
    }

    fn tick(&self) {
        self.progress.set_position(self.bytes);
        self.progress.set_message(format!(
            "{} posts, {:.0} posts/s",
            self.sent,
            per_second(self.sent, self.started.elapsed())
        ));
    }
}

fn per_second(n: u64, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(1e-6)
}

/// A rejected post as printed in JSON.
#[derive(Debug, Serialize)]
pub struct RejectedPost {
    /// 0-based position in the stream of posts sent.
    pub index: u64,
    /// 1-based line of the file it came from.
    pub line: u64,
    /// The field that was wrong, e.g. `post.author.handle`.
    pub field: String,
    /// What was wrong with it.
    pub reason: String,
}

/// `tagar push --output json`.
#[derive(Debug, Serialize)]
pub struct PushSummary {
    /// The file pushed (`-` for standard input).
    pub file: String,
    /// Lines read.
    pub lines: u64,
    /// Posts sent to the server.
    pub sent: u64,
    /// Posts ingest accepted.
    pub accepted: u64,
    /// Posts dropped as already seen (same network and native id).
    pub duplicates: u64,
    /// Posts the server rejected.
    pub rejected: u64,
    /// Lines that were not a post (not sent).
    pub unreadable: u64,
    /// The first unreadable lines.
    pub unreadable_lines: Vec<LineError>,
    /// The first rejected posts, with the line each came from.
    pub errors: Vec<RejectedPost>,
    /// Wall time of the push.
    pub seconds: f64,
    /// Posts sent per second.
    pub posts_per_second: f64,
}

fn progress_bar(total_bytes: Option<u64>) -> ProgressBar {
    let bar = match total_bytes {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes}  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bytes}  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(8));
    bar
}

/// Runs `tagar push`.
pub async fn run(config: Option<&Path>, args: PushArgs) -> anyhow::Result<()> {
    let stdin = args.file.as_os_str() == "-";
    let (reader, total): (Box<dyn BufRead + Send>, Option<u64>) = if stdin {
        (Box::new(BufReader::new(std::io::stdin())), None)
    } else {
        let file = File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file.display()))?;
        let len = file.metadata().ok().map(|m| m.len());
        (Box::new(BufReader::with_capacity(1 << 20, file)), len)
    };
    let session = Session::connect(config, &args.conn).await?;
    let log = Arc::new(Mutex::new(ReadLog::default()));
    let progress = progress_bar(total);
    let started = Instant::now();
    let posts = JsonlPosts {
        reader,
        buf: String::with_capacity(4096),
        line: 0,
        bytes: 0,
        sent: 0,
        log: Arc::clone(&log),
        progress: progress.clone(),
        started,
    };
    let response = push_posts_concurrently(
        &session.ingest(),
        posts,
        args.batch as usize,
        args.streams as usize,
    )
    .await;
    progress.finish_and_clear();
    let response = response.map_err(status_error)?;
    let elapsed = started.elapsed();
    let log = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
    if let Some(e) = &log.io_error {
        anyhow::bail!("reading {}: {e}", args.file.display());
    }
    let sent = response.accepted + response.duplicates + response.rejected;
    let summary = PushSummary {
        file: args.file.display().to_string(),
        lines: sent + log.skipped.len() as u64,
        sent,
        accepted: response.accepted,
        duplicates: response.duplicates,
        rejected: response.rejected,
        unreadable: log.unreadable,
        errors: response
            .errors
            .into_iter()
            .map(|e| RejectedPost {
                line: log.line_of(e.index),
                index: e.index,
                field: e.field,
                reason: e.reason,
            })
            .collect(),
        unreadable_lines: log.errors,
        seconds: elapsed.as_secs_f64(),
        posts_per_second: per_second(sent, elapsed),
    };
    session.output.emit(&summary, || summary_text(&summary));
    Ok(())
}

fn summary_text(s: &PushSummary) -> String {
    let mut out = format!(
        "Pushed {} posts from {} in {:.1} s ({:.0} posts/s)\n  accepted    {}\n  duplicates  {}\n  rejected    {}\n",
        s.sent, s.file, s.seconds, s.posts_per_second, s.accepted, s.duplicates, s.rejected
    );
    if s.unreadable > 0 {
        out.push_str(&format!(
            "  unreadable  {} lines (not sent)\n",
            s.unreadable
        ));
    }
    if !s.errors.is_empty() {
        out.push_str("First rejected posts:\n");
        for e in s.errors.iter().take(10) {
            out.push_str(&format!(
                "  line {} (post {}): {}: {}\n",
                e.line, e.index, e.field, e.reason
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_indexes_map_back_to_file_lines() {
        let log = ReadLog {
            skipped: vec![1, 3, 4, 9],
            ..ReadLog::default()
        };
        // Lines: 1 skip, 2 → post 0, 3 skip, 4 skip, 5 → 1, 6 → 2, 7 → 3, 8 → 4, 9 skip, 10 → 5.
        assert_eq!(log.line_of(0), 2);
        assert_eq!(log.line_of(1), 5);
        assert_eq!(log.line_of(4), 8);
        assert_eq!(log.line_of(5), 10);
        assert_eq!(ReadLog::default().line_of(7), 8);
    }

    #[test]
    fn bad_lines_are_logged_and_reading_goes_on() {
        let post = r#"{"network":"x","native_id":"1","author":{"id":"u1","handle":"ayu","display_name":"Ayu","followers":3,"verified":false,"account_created_at":null},"text":"hi #KopiSenja","language":"id","created_at":"2026-01-01T00:00:00Z","reply_to":null,"quote_of":null,"repost_of":null,"conversation_id":null,"media":[],"metrics":{"likes":0,"reposts":0,"replies":0,"quotes":0,"views":0}}"#;
        let text = format!("{post}\nnot json\n\n{post}\n");
        let log = Arc::new(Mutex::new(ReadLog::default()));
        let posts = JsonlPosts {
            reader: BufReader::new(text.as_bytes()),
            buf: String::new(),
            line: 0,
            bytes: 0,
            sent: 0,
            log: Arc::clone(&log),
            progress: ProgressBar::hidden(),
            started: Instant::now(),
        };
        let sent: Vec<v1::Post> = posts.collect();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].text, "hi #KopiSenja");
        let log = log.lock().unwrap();
        assert_eq!(log.unreadable, 1);
        assert_eq!(log.errors[0].line, 2);
        assert_eq!(log.line_of(1), 4);
    }
}
