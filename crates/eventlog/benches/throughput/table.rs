//! The results table on stdout: one row per measurement, its best and worst rounds, against
//! the raw rdkafka baseline of its kind.

use std::time::Duration;

use crate::VALUE_BYTES;

/// What a row measures; each kind's first row is the raw rdkafka baseline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Produce,
    Consume,
}

/// One run of a measurement: group join time (consumers), time for all records, CPU used.
#[derive(Clone, Copy)]
struct Run {
    join: Option<Duration>,
    took: Duration,
    cpu: Duration,
}

/// A measurement and its runs, one per round.
struct Row {
    kind: Kind,
    name: String,
    runs: Vec<Run>,
}

impl Row {
    fn best(&self) -> Run {
        *self
            .runs
            .iter()
            .min_by_key(|r| r.took)
            .expect("a row has runs")
    }

    fn worst(&self) -> Run {
        *self
            .runs
            .iter()
            .max_by_key(|r| r.took)
            .expect("a row has runs")
    }
}

/// The results, printed as a Markdown table.
pub(crate) struct Table {
    records: usize,
    rows: Vec<Row>,
}

impl Table {
    pub(crate) fn new(records: usize) -> Self {
        Self {
            records,
            rows: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        kind: Kind,
        name: &str,
        join: Option<Duration>,
        took: Duration,
        cpu: Duration,
    ) {
        eprintln!("  done in {:.2} s: {name}", took.as_secs_f64());
        let run = Run { join, took, cpu };
        match self.rows.iter_mut().find(|r| r.name == name) {
            Some(row) => row.runs.push(run),
            None => self.rows.push(Row {
                kind,
                name: name.to_owned(),
                runs: vec![run],
            }),
        }
    }

    fn rate(&self, took: Duration) -> f64 {
        self.records as f64 / took.as_secs_f64()
    }

    pub(crate) fn print(&self) {
        println!();
        println!(
            "| {:<52} | {:>9} | {:>9} | {:>6} | {:>10} | {:>8} | {:>6} |",
            "measurement", "records/s", "worst", "MB/s", "vs rdkafka", "CPU µs/r", "join s"
        );
        println!(
            "|{:-<54}|{:->10}:|{:->10}:|{:->7}:|{:->11}:|{:->9}:|{:->7}:|",
            "", "", "", "", "", "", ""
        );
        for row in &self.rows {
            let baseline = self
                .rows
                .iter()
                .find(|r| r.kind == row.kind)
                .map_or(row.best(), Row::best);
            let best = row.best();
            let rate = self.rate(best.took);
            let join = best
                .join
                .map_or("-".to_owned(), |j| format!("{:.2}", j.as_secs_f64()));
            println!(
                "| {:<52} | {:>9} | {:>9} | {:>6.1} | {:>10.2} | {:>8.1} | {:>6} |",
                row.name,
                thousands(rate as usize),
                thousands(self.rate(row.worst().took) as usize),
                rate * VALUE_BYTES as f64 / 1e6,
                rate / self.rate(baseline.took),
                best.cpu.as_secs_f64() * 1e6 / self.records as f64,
                join,
            );
        }
        println!();
        println!(
            "Best and worst of {} rounds. MB/s counts values only. CPU µs/r: this process's CPU \
             time (all threads, librdkafka's included) per record in the best round. Consumer \
             rates run from the first record to the last; \"join s\" is subscribe to first record.",
            self.rows.first().map_or(0, |r| r.runs.len())
        );
    }
}

pub(crate) use tagar_testkit::bench::thousands;
