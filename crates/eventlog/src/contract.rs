//! The contract every [`EventLog`] backend passes. A backend's test crate expands
//! [`contract_suite!`](crate::contract_suite) with a [`Harness`] and gets one test per guarantee:
//! ordering per key, at-least-once delivery across a consumer restart, nothing skipped after a
//! crash before commit, group members splitting partitions, and dead-lettering.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::{
    Consumer, ConsumerRunner, DLQ_GROUP, DLQ_REASON, DLQ_SOURCE_OFFSET, EventLog, HandleError,
    OutgoingRecord, Record, RecordHandler, RunnerConfig, TopicSpec, dead_letter_topic, furthest,
};

/// Gives the suite logs over one backend instance.
#[async_trait]
pub trait Harness: Send + Sync {
    /// A new client of the backend, as a freshly started process would have.
    async fn log(&self) -> Arc<dyn EventLog>;
}

/// Expands to one `#[tokio::test]` per contract test, each calling `$harness` (an async
/// expression yielding a [`Harness`]) for its backend.
#[macro_export]
macro_rules! contract_suite {
    ($harness:expr) => {
        $crate::contract_suite!(@tests $harness;
            ordering_per_key, at_least_once_across_restart, crash_before_commit_skips_nothing,
            group_members_split_partitions, dead_letters_poison_and_exhausted_records,
            a_batch_refused_at_flush_dead_letters_only_the_record_at_fault);
    };
    (@tests $harness:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let harness = $harness.await;
                $crate::contract::$name(&harness).await;
            }
        )*
    };
}

const WAIT: Duration = Duration::from_secs(60);

async fn topic(log: &dyn EventLog, partitions: i32) -> String {
    let name = tagar_testkit::unique("contract");
    log.provision(&[
        TopicSpec::new(&name, partitions),
        TopicSpec::new(dead_letter_topic(&name), 1),
    ])
    .await
    .expect("provision");
    name
}

fn numbered(keys: usize, per_key: usize) -> Vec<OutgoingRecord> {
    (0..per_key)
        .flat_map(|seq| {
            (0..keys).map(move |k| OutgoingRecord::new(format!("key-{k}"), format!("{k}:{seq}")))
        })
        .collect()
}

fn value(record: &Record) -> String {
    String::from_utf8(record.value.to_vec()).expect("utf-8 value")
}

/// Polls until `want` records arrived or the wait ran out; fails on a duplicate.
async fn drain(consumer: &mut dyn Consumer, want: usize) -> Vec<Record> {
    let deadline = Instant::now() + WAIT;
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        got.extend(
            consumer
                .poll(500, Duration::from_millis(200))
                .await
                .expect("poll"),
        );
    }
    got
}

async fn expect_quiet(consumer: &mut dyn Consumer) {
    let extra = consumer
        .poll(100, Duration::from_secs(2))
        .await
        .expect("poll");
    assert!(
        extra.is_empty(),
        "unexpected records: {:?}",
        extra.iter().map(value).collect::<Vec<_>>()
    );
}

/// Records with one key come out in the order they went in, across batches.
pub async fn ordering_per_key(h: &dyn Harness) {
    let log = h.log().await;
    let topic = topic(&*log, 3).await;
    let records = numbered(10, 30);
    for batch in records.chunks(100) {
        log.publish(&topic, batch).await.expect("publish");
    }
    let mut consumer = log
        .subscribe(&tagar_testkit::unique("g"), &[&topic])
        .await
        .expect("subscribe");
    let got = drain(&mut *consumer, records.len()).await;
    assert_eq!(got.len(), records.len());
    let mut last_seq: BTreeMap<String, i64> = BTreeMap::new();
    for r in &got {
        let (key, seq) = value(r)
            .split_once(':')
            .map(|(k, s)| (k.to_owned(), s.parse::<i64>().unwrap()))
            .unwrap();
        let previous = last_seq.insert(key.clone(), seq).unwrap_or(-1);
        assert_eq!(seq, previous + 1, "key {key} out of order");
    }
    consumer.close().await.expect("close");
}

/// A member that committed part of what it read and left: the next member of the group gets
/// exactly the rest, nothing committed comes again.
pub async fn at_least_once_across_restart(h: &dyn Harness) {
    let log = h.log().await;
    let topic = topic(&*log, 2).await;
    let records = numbered(4, 25);
    log.publish(&topic, &records).await.expect("publish");
    let group = tagar_testkit::unique("g");

    let mut first = log.subscribe(&group, &[&topic]).await.expect("subscribe");
    let got = drain(&mut *first, records.len()).await;
    assert_eq!(got.len(), records.len());
    let (done, rest) = got.split_at(40);
    first
        .commit(&furthest(done.iter().map(Record::next_position)))
        .await
        .expect("commit");
    first.close().await.expect("close");

    // The committed positions, per partition: the second member starts exactly there.
    let committed: BTreeMap<i32, i64> = furthest(done.iter().map(Record::next_position))
        .into_iter()
        .map(|p| (p.partition, p.offset))
        .collect();
    let expected: BTreeSet<(i32, i64)> = got
        .iter()
        .filter(|r| r.offset >= committed.get(&r.partition).copied().unwrap_or(0))
        .map(|r| (r.partition, r.offset))
        .collect();
    assert!(expected.len() >= rest.len());

    let second_log = h.log().await;
    let mut second = second_log
        .subscribe(&group, &[&topic])
        .await
        .expect("subscribe again");
    let again = drain(&mut *second, expected.len()).await;
    let again: BTreeSet<(i32, i64)> = again.iter().map(|r| (r.partition, r.offset)).collect();
    assert_eq!(again, expected);
    expect_quiet(&mut *second).await;
    second.close().await.expect("close");
}

/// A member that read everything and died before committing: every record comes again.
pub async fn crash_before_commit_skips_nothing(h: &dyn Harness) {
    let log = h.log().await;
    let topic = topic(&*log, 2).await;
    let records = numbered(5, 10);
    log.publish(&topic, &records).await.expect("publish");
    let group = tagar_testkit::unique("g");
    {
        let mut doomed = log.subscribe(&group, &[&topic]).await.expect("subscribe");
        assert_eq!(
            drain(&mut *doomed, records.len()).await.len(),
            records.len()
        );
        // Dropped without a commit and without leaving: a crash.
    }
    let restarted = h.log().await;
    let mut consumer = restarted
        .subscribe(&group, &[&topic])
        .await
        .expect("subscribe again");
    let got = drain(&mut *consumer, records.len()).await;
    let values: BTreeSet<String> = got.iter().map(value).collect();
    assert_eq!(
        values.len(),
        records.len(),
        "every record is delivered again"
    );
    consumer.close().await.expect("close");
}

/// Two members of one group split the partitions between them: each partition goes to exactly
/// one member, both get work, and every record is delivered once.
pub async fn group_members_split_partitions(h: &dyn Harness) {
    let log = h.log().await;
    let topic = topic(&*log, 4).await;
    let group = tagar_testkit::unique("g");
    let mut a = log.subscribe(&group, &[&topic]).await.expect("subscribe a");
    let mut b = h
        .log()
        .await
        .subscribe(&group, &[&topic])
        .await
        .expect("subscribe b");

    // Wait until the group has settled on a split (both members poll to take part).
    let deadline = Instant::now() + WAIT;
    loop {
        assert!(
            a.poll(10, Duration::from_millis(100))
                .await
                .expect("poll a")
                .is_empty()
        );
        assert!(
            b.poll(10, Duration::from_millis(100))
                .await
                .expect("poll b")
                .is_empty()
        );
        let (sa, sb) = (a.assignment().await.unwrap(), b.assignment().await.unwrap());
        let all: BTreeSet<_> = sa.iter().chain(&sb).collect();
        if !sa.is_empty() && !sb.is_empty() && all.len() == 4 && sa.len() + sb.len() == 4 {
            break;
        }
        assert!(Instant::now() < deadline, "no split: a={sa:?} b={sb:?}");
    }

    let records = numbered(40, 5);
    log.publish(&topic, &records).await.expect("publish");
    let mut by_member: [Vec<Record>; 2] = [Vec::new(), Vec::new()];
    let deadline = Instant::now() + WAIT;
    while by_member[0].len() + by_member[1].len() < records.len() && Instant::now() < deadline {
        by_member[0].extend(
            a.poll(500, Duration::from_millis(100))
                .await
                .expect("poll a"),
        );
        by_member[1].extend(
            b.poll(500, Duration::from_millis(100))
                .await
                .expect("poll b"),
        );
    }
    let partitions = |rs: &[Record]| rs.iter().map(|r| r.partition).collect::<BTreeSet<_>>();
    let (pa, pb) = (partitions(&by_member[0]), partitions(&by_member[1]));
    assert!(
        !by_member[0].is_empty() && !by_member[1].is_empty(),
        "both members get work"
    );
    assert!(
        pa.is_disjoint(&pb),
        "a partition went to both members: {pa:?} {pb:?}"
    );
    let values: BTreeSet<String> = by_member.iter().flatten().map(value).collect();
    assert_eq!(values.len(), records.len());
    assert_eq!(
        by_member[0].len() + by_member[1].len(),
        records.len(),
        "no duplicates"
    );
    a.close().await.expect("close a");
    b.close().await.expect("close b");
}

struct Picky {
    handled: Vec<String>,
    flaky_failures: u32,
}

#[async_trait]
impl RecordHandler for Picky {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        match value(record).as_str() {
            "poison" => Err(HandleError::Poison("cannot decode".into())),
            "panics" => panic!("a bug in the handler"),
            // The database is down for three attempts, then back.
            "flaky" if self.flaky_failures < 3 => {
                self.flaky_failures += 1;
                Err(HandleError::Retry("database unavailable".into()))
            }
            v => {
                self.handled.push(v.to_owned());
                Ok(())
            }
        }
    }
}

/// Writes at flush, like a consumer that batches: the flush refuses the whole batch when it
/// holds a record it cannot write.
#[derive(Default)]
struct Batching {
    pending: Vec<String>,
    written: Vec<String>,
}

#[async_trait]
impl RecordHandler for Batching {
    async fn handle(&mut self, record: &Record) -> Result<(), HandleError> {
        match value(record).as_str() {
            "poison" => Err(HandleError::Poison("cannot decode".into())),
            v => {
                self.pending.push(v.to_owned());
                Ok(())
            }
        }
    }

    async fn flush(&mut self) -> Result<(), HandleError> {
        if self.pending.iter().any(|v| v == "unwritable") {
            return Err(HandleError::Poison("a unique index refused it".into()));
        }
        self.written.append(&mut self.pending);
        Ok(())
    }

    fn reset(&mut self) {
        self.pending.clear();
    }
}

/// A batch whose flush refuses it for one of its records is handled again one record at a
/// time: the record at fault is dead-lettered (once, as is the one refused on handling, not
/// twice), every other record is written once, and the group moves past them all.
pub async fn a_batch_refused_at_flush_dead_letters_only_the_record_at_fault(h: &dyn Harness) {
    let mut handler = Batching::default();
    let values = ["a", "poison", "unwritable", "b", "c"];
    let (dead, _) = dead_letters_of(h, &values, RunnerConfig::default(), &mut handler, 2).await;

    assert_eq!(handler.written, ["a", "b", "c"]);
    assert_eq!(
        dead.iter().map(value).collect::<Vec<_>>(),
        ["poison", "unwritable"]
    );
    assert_eq!(
        dead[1].headers.get_str(DLQ_REASON),
        Some("a unique index refused it")
    );
}

/// Publishes `values` to a new topic and runs `handler` over them in a new group until
/// `want` records reached the dead-letter topic and a second passed with no more. Returns
/// the dead letters and the group, having checked it committed past every record.
async fn dead_letters_of<H: RecordHandler>(
    h: &dyn Harness,
    values: &[&str],
    config: RunnerConfig,
    handler: &mut H,
    want: usize,
) -> (Vec<Record>, String) {
    let log = h.log().await;
    let topic = topic(&*log, 1).await;
    let records: Vec<_> = values
        .iter()
        .map(|v| OutgoingRecord::new("k", (*v).to_owned()))
        .collect();
    log.publish(&topic, &records).await.expect("publish");

    let group = tagar_testkit::unique("g");
    let consumer = log.subscribe(&group, &[&topic]).await.expect("subscribe");
    let runner = ConsumerRunner::new(Arc::clone(&log), &group, consumer, config);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let dlq = dead_letter_topic(&topic);
    let watcher_log = Arc::clone(&log);
    let watcher = tokio::spawn(async move {
        let mut dead = watcher_log
            .subscribe(&tagar_testkit::unique("dlq-reader"), &[&dlq])
            .await
            .expect("dlq");
        let mut got = drain(&mut *dead, want).await;
        // Whatever else might arrive (nothing should) comes within a second.
        tokio::time::sleep(Duration::from_secs(1)).await;
        got.extend(
            dead.poll(10, Duration::from_millis(200))
                .await
                .expect("poll"),
        );
        stop.cancel();
        dead.close().await.expect("close");
        got
    });
    runner.run(handler, cancel).await.expect("runner");
    let dead = watcher.await.expect("watcher");

    // The group committed past every record, dead or handled.
    let mut again = h
        .log()
        .await
        .subscribe(&group, &[&topic])
        .await
        .expect("subscribe again");
    expect_quiet(&mut *again).await;
    again.close().await.expect("close");
    (dead, group)
}

/// Records each stall and recovery, as readiness would.
#[derive(Default)]
struct Watch(std::sync::Mutex<Vec<String>>);

#[async_trait]
impl crate::ConsumerWatch for Watch {
    async fn stalled(&self, _group: &str, why: &str) {
        self.0.lock().unwrap().push(format!("stalled: {why}"));
    }
    async fn moving(&self, _group: &str) {
        self.0.lock().unwrap().push("moving".into());
    }
}

/// A record that cannot be decoded, and one the handler panics on, go to the dead-letter
/// topic at once, with the reason in their headers. A record whose handling fails because
/// the database is down is retried until it is handled, never dead-lettered, and the watch
/// hears the consumer stall and move again. The group moves past all of them.
pub async fn dead_letters_poison_and_exhausted_records(h: &dyn Harness) {
    let watch = Arc::new(Watch::default());
    let config = RunnerConfig {
        retry_backoff: Duration::from_millis(10),
        watch: Some(Arc::clone(&watch) as Arc<dyn crate::ConsumerWatch>),
        ..RunnerConfig::default()
    };
    let mut handler = Picky {
        handled: Vec::new(),
        flaky_failures: 0,
    };
    let values = ["ok-1", "poison", "ok-2", "flaky", "panics", "ok-3"];
    let (dead, group) = dead_letters_of(h, &values, config, &mut handler, 2).await;

    assert_eq!(handler.handled, ["ok-1", "ok-2", "flaky", "ok-3"]);
    assert_eq!(
        dead.iter().map(value).collect::<Vec<_>>(),
        ["poison", "panics"]
    );
    assert_eq!(dead[0].headers.get_str(DLQ_REASON), Some("cannot decode"));
    assert_eq!(dead[0].headers.get_str(DLQ_SOURCE_OFFSET), Some("1"));
    assert_eq!(dead[0].headers.get_str(DLQ_GROUP), Some(group.as_str()));
    assert_eq!(
        dead[1].headers.get_str(DLQ_REASON),
        Some("the handler panicked: a bug in the handler")
    );
    assert_eq!(
        *watch.0.lock().unwrap(),
        ["stalled: database unavailable", "moving"]
    );
}
