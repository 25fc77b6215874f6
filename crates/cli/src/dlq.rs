//! `tagar dlq`: the dead-letter topics, for an operator. A consumer sends a record there when
//! the record itself is at fault (it does not decode, the domain refuses it, the handler
//! panicked on it), with the reason in its headers. `list` shows them, `show` one of them in
//! full, `replay` sends one (or all) back to the topic it came from, once its cause is fixed.
//!
//! Like `tagar keys`, it talks to the event log itself, not to a running service: Kafka when
//! `--brokers` (or `TAGAR__KAFKA__BROKERS`) is given, else the standalone data directory's
//! log. Reading never commits, so it changes nothing; a replayed record carries the same event
//! id, so a consumer that handled it meanwhile drops it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use prost::Message as _;
use serde::Serialize;
use tagar_eventlog::kafka::KafkaLog;
use tagar_eventlog::{
    DLQ_GROUP, DLQ_REASON, DLQ_SOURCE_OFFSET, DLQ_SOURCE_PARTITION, DLQ_SOURCE_TOPIC, EventLog,
    Headers, OutgoingRecord, Record, dead_letter_topic,
};
use tagar_proto::topics;
use tagar_store::{SqlLog, SqlLogConfig, Store};

use crate::client::OutputFormat;
use crate::client::output::{Output, Table};

/// Header on a replayed record: the dead letter it was replayed from.
pub const REPLAYED_FROM: &str = "tagar-dlq-replayed-from";

/// Where the log is, and how to print.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Kafka bootstrap servers (the distributed mode's log). Without them, the standalone
    /// data directory's log.
    #[arg(long, env = "TAGAR__KAFKA__BROKERS", value_name = "HOST:PORT,…")]
    brokers: Option<String>,
    /// The standalone data directory (`[standalone] data_dir`).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// One topic's dead letters only (the source topic, e.g. `tagar.posts.ingested.v1`).
    #[arg(long, value_name = "TOPIC")]
    topic: Option<String>,
    /// `table` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table, env = "TAGAR_OUTPUT")]
    output: OutputFormat,
}

/// `tagar dlq`.
#[derive(Debug, Subcommand)]
pub enum DlqCommand {
    /// Lists the dead letters: id, consumer group, event type, tenant, reason.
    List {
        #[command(flatten)]
        log: LogArgs,
    },
    /// Shows one dead letter in full: its headers, key and event.
    Show {
        /// Its id, as `list` prints it (`<dead-letter topic>:<partition>:<offset>`).
        id: String,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Sends dead letters back to the topic they came from.
    Replay {
        /// The dead letter to replay; with `--all`, every one (of `--topic`, if given).
        id: Option<String>,
        /// Replay every dead letter.
        #[arg(long, conflicts_with = "id")]
        all: bool,
        #[command(flatten)]
        log: LogArgs,
    },
}

/// One dead letter, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    /// `<dead-letter topic>:<partition>:<offset>`.
    pub id: String,
    /// The topic it came from.
    pub source_topic: String,
    /// Where it was there.
    pub source_partition: String,
    /// Its offset there.
    pub source_offset: String,
    /// The consumer group that dead-lettered it.
    pub group: String,
    /// Why.
    pub reason: String,
    /// The envelope's event type, when it decodes.
    pub event_type: String,
    /// The envelope's tenant, when it decodes.
    pub tenant: String,
    /// The envelope's event id, when it decodes.
    pub event_id: String,
    /// Set when this record is itself a replay.
    pub replayed_from: String,
    #[serde(skip)]
    record: Option<Record>,
}

impl DeadLetter {
    fn of(record: Record) -> Self {
        let header = |name: &str| record.headers.get_str(name).unwrap_or_default().to_owned();
        let envelope = tagar_proto::v1::Envelope::decode(&record.value[..]).ok();
        Self {
            id: format!("{}:{}:{}", record.topic, record.partition, record.offset),
            source_topic: header(DLQ_SOURCE_TOPIC),
            source_partition: header(DLQ_SOURCE_PARTITION),
            source_offset: header(DLQ_SOURCE_OFFSET),
            group: header(DLQ_GROUP),
            reason: header(DLQ_REASON),
            event_type: envelope
                .as_ref()
                .map(|e| e.event_type.clone())
                .unwrap_or_else(|| "(does not decode)".into()),
            tenant: envelope
                .as_ref()
                .map(|e| e.tenant_id.clone())
                .unwrap_or_default(),
            event_id: envelope.map(|e| e.event_id).unwrap_or_default(),
            replayed_from: header(REPLAYED_FROM),
            record: Some(record),
        }
    }
}

async fn open(config: Option<&Path>, args: &LogArgs) -> anyhow::Result<Arc<dyn EventLog>> {
    let settings = tagar_kernel::load_settings(config)?;
    if let Some(brokers) = &args.brokers {
        let mut kafka = settings.kafka.clone();
        kafka.brokers = brokers.clone();
        let log = KafkaLog::connect(kafka).context("configure the Kafka client")?;
        return Ok(Arc::new(log));
    }
    let standalone = tagar_kernel::StandaloneConfig {
        data_dir: args
            .data_dir
            .clone()
            .unwrap_or_else(|| settings.standalone.data_dir.clone()),
        ..settings.standalone
    };
    let database = standalone.database();
    let store = Store::connect(&database)
        .await
        .with_context(|| format!("open the store at {}", database.redacted_url()))?;
    Ok(Arc::new(SqlLog::new(store, SqlLogConfig::default())))
}

/// The dead-letter topics to read: one topic's, or every topic's Tagar writes.
fn dead_letter_topics(only: Option<&str>) -> Vec<String> {
    match only {
        Some(topic) if topic.ends_with(".dlq") => vec![topic.to_owned()],
        Some(topic) => vec![dead_letter_topic(topic)],
        None => topics::ALL.iter().map(|t| dead_letter_topic(t)).collect(),
    }
}

/// Every dead letter of `dlq_topics`, read from the start by a group of its own that never
/// commits. Reading stops once the group has joined and nothing arrived for a second.
async fn read_all(
    log: &Arc<dyn EventLog>,
    dlq_topics: &[String],
) -> anyhow::Result<Vec<DeadLetter>> {
    let group = format!("tagar-dlq-reader-{}", uuid::Uuid::now_v7().simple());
    let mut letters = Vec::new();
    for topic in dlq_topics {
        let mut consumer = match log.subscribe(&group, &[topic.as_str()]).await {
            Ok(consumer) => consumer,
            // A topic not provisioned yet has no dead letters.
            Err(tagar_eventlog::LogError::UnknownTopic(_)) => continue,
            Err(e) => return Err(e).with_context(|| format!("read {topic}")),
        };
        let joining = std::time::Instant::now();
        let mut quiet_since: Option<std::time::Instant> = None;
        while quiet_since.is_none_or(|t| t.elapsed() < Duration::from_secs(1)) {
            let records = consumer
                .poll(1_000, Duration::from_millis(250))
                .await
                .with_context(|| format!("read {topic}"))?;
            // A Kafka group's first polls return nothing until it has joined.
            let joined = !records.is_empty()
                || !consumer.assignment().await.unwrap_or_default().is_empty()
                || joining.elapsed() > Duration::from_secs(30);
            if joined && (quiet_since.is_none() || !records.is_empty()) {
                quiet_since = Some(std::time::Instant::now());
            }
            letters.extend(records.into_iter().map(DeadLetter::of));
        }
        let _ = consumer.close().await;
    }
    Ok(letters)
}

fn table(letters: &[DeadLetter]) -> String {
    let mut table = Table::new(&["ID", "GROUP", "EVENT", "TENANT", "REASON"]);
    for l in letters {
        table.row([
            l.id.clone(),
            l.group.clone(),
            l.event_type.clone(),
            l.tenant.clone(),
            l.reason.clone(),
        ]);
    }
    table.render_or("No dead letters.")
}

fn details(l: &DeadLetter) -> String {
    let or_none = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            s.to_owned()
        }
    };
    let event = match l.event_id.as_str() {
        "" => l.event_type.clone(),
        id => format!("{} ({id})", l.event_type),
    };
    let mut out = format!(
        "id          {}\nfrom        {} partition {} offset {}\ngroup       {}\nreason      {}\nevent       {}\ntenant      {}\n",
        l.id,
        l.source_topic,
        l.source_partition,
        l.source_offset,
        l.group,
        l.reason,
        event,
        or_none(&l.tenant)
    );
    if !l.replayed_from.is_empty() {
        out.push_str(&format!("replayed    from {}\n", l.replayed_from));
    }
    if let Some(record) = &l.record {
        out.push_str(&format!(
            "key         {}\nvalue       {} bytes\nheaders\n",
            String::from_utf8_lossy(&record.key),
            record.value.len()
        ));
        for (name, value) in record.headers.iter() {
            out.push_str(&format!("  {name}: {}\n", String::from_utf8_lossy(value)));
        }
        if let Ok(envelope) = tagar_proto::v1::Envelope::decode(&record.value[..]) {
            out.push_str(&format!("envelope\n{envelope:#?}\n"));
        }
    }
    out
}

/// The record to send back: the original key, value and headers, without the dead letter's
/// own, and saying where it was replayed from.
fn replay_of(letter: &DeadLetter) -> Option<OutgoingRecord> {
    let record = letter.record.as_ref()?;
    let dlq_headers = [
        DLQ_REASON,
        DLQ_SOURCE_TOPIC,
        DLQ_SOURCE_PARTITION,
        DLQ_SOURCE_OFFSET,
        DLQ_GROUP,
        REPLAYED_FROM,
    ];
    let mut headers: Headers = record
        .headers
        .iter()
        .filter(|(name, _)| !dlq_headers.contains(name))
        .map(|(name, value)| (name.to_owned(), bytes::Bytes::copy_from_slice(value)))
        .collect();
    headers.insert(REPLAYED_FROM, letter.id.clone());
    Some(OutgoingRecord {
        key: record.key.clone(),
        value: record.value.clone(),
        headers,
    })
}

/// What a replay did, for `--output json`.
#[derive(Debug, Serialize)]
struct Replayed {
    replayed: Vec<String>,
}

/// Runs a `tagar dlq` command.
pub async fn run(config: Option<&Path>, command: DlqCommand) -> anyhow::Result<()> {
    match command {
        DlqCommand::List { log: args } => {
            let log = open(config, &args).await?;
            let letters = read_all(&log, &dead_letter_topics(args.topic.as_deref())).await?;
            Output::new(args.output).emit(&letters, || table(&letters));
        }
        DlqCommand::Show { id, log: args } => {
            let log = open(config, &args).await?;
            let topic = id.split(':').next().unwrap_or_default().to_owned();
            let letters = read_all(&log, &dead_letter_topics(Some(&topic))).await?;
            let letter = letters
                .into_iter()
                .find(|l| l.id == id)
                .with_context(|| format!("no dead letter {id}; `tagar dlq list` shows them"))?;
            Output::new(args.output).emit(&letter, || details(&letter));
        }
        DlqCommand::Replay { id, all, log: args } => {
            anyhow::ensure!(
                all || id.is_some(),
                "name the dead letter to replay (`tagar dlq list` shows their ids), or --all"
            );
            let log = open(config, &args).await?;
            let only = match &id {
                Some(id) => Some(id.split(':').next().unwrap_or_default().to_owned()),
                None => args.topic.clone(),
            };
            let letters = read_all(&log, &dead_letter_topics(only.as_deref())).await?;
            let chosen: Vec<&DeadLetter> = letters
                .iter()
                .filter(|l| id.as_ref().is_none_or(|id| &l.id == id))
                .collect();
            if let Some(id) = &id {
                anyhow::ensure!(
                    !chosen.is_empty(),
                    "no dead letter {id}; `tagar dlq list` shows them"
                );
            }
            let mut replayed = Vec::new();
            for letter in chosen {
                let record = replay_of(letter).context("the dead letter has no record")?;
                anyhow::ensure!(
                    !letter.source_topic.is_empty(),
                    "{}: the dead letter does not say which topic it came from",
                    letter.id
                );
                log.publish(&letter.source_topic, std::slice::from_ref(&record))
                    .await
                    .with_context(|| format!("replay {} to {}", letter.id, letter.source_topic))?;
                replayed.push(letter.id.clone());
            }
            let result = Replayed { replayed };
            Output::new(args.output).emit(&result, || {
                if result.replayed.is_empty() {
                    "No dead letters to replay.\n".to_owned()
                } else {
                    let n = result.replayed.len();
                    format!(
                        "Replayed {n} dead letter{} to the topic{} {} came from:\n  {}\n",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "it" } else { "they" },
                        result.replayed.join("\n  ")
                    )
                }
            });
        }
    }
    Ok(())
}
