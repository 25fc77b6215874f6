//! What every Tagar benchmark does the same way: its sizes from the environment, counts with
//! thousands separators, the machine it ran on, a PostgreSQL database of its own, and the
//! table of results.

use std::time::Duration;

/// A count from the environment variable `name` (`100_000` and `100000` both read), or
/// `default` when it is unset.
///
/// # Panics
///
/// When the variable is set but is not a count: a benchmark run with a mistyped size should
/// stop at once rather than measure something else.
pub fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a count")),
        Err(_) => default,
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let (head, rest) = digits.split_at(digits.len() % 3);
    let groups = rest
        .as_bytes()
        .chunks(3)
        .map(|g| std::str::from_utf8(g).unwrap_or_default());
    std::iter::once(head)
        .filter(|h| !h.is_empty())
        .chain(groups)
        .collect::<Vec<_>>()
        .join(",")
}

/// CPU model, logical cores and memory, read from `/proc` (Linux; "unknown CPU" elsewhere).
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    format!("{model}, {cores} cores, {mem_gib:.0} GiB")
}

/// Connects to the test PostgreSQL server ([`crate::postgres_admin_url`]) within 5 seconds,
/// then makes a fresh database on it and returns its URL; the reason when the server does not
/// answer, so a benchmark can skip PostgreSQL and say why.
pub async fn reach_postgres() -> Result<String, String> {
    use sqlx::Connection;
    let admin = crate::postgres_admin_url();
    let connect = sqlx::PgConnection::connect(&admin);
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(crate::fresh_postgres().await)
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 5 s".to_owned()),
    }
}

/// Drops a benchmark's database (it can hold hundreds of megabytes); a failure is reported on
/// stderr, not raised, as the figures are already taken.
pub async fn drop_database(url: &str) {
    use sqlx::Connection;
    let name = url.rsplit('/').next().unwrap_or_default();
    let admin = crate::postgres_admin_url();
    let dropped = async {
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
    };
    if let Err(e) = dropped.await {
        eprintln!("could not drop the benchmark database {name}: {e}");
    }
}

/// Prints how far a measurement got, every tenth of the way, on stderr.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: usize,
    done: usize,
    next_report: usize,
}

impl Progress {
    /// Announces a measurement of `total` records.
    pub fn new(label: String, total: usize) -> Self {
        eprintln!("{label}: {} records", thousands(total));
        Self {
            label,
            total,
            done: 0,
            next_report: total / 10,
        }
    }

    /// Counts `n` more records done, reporting each tenth of the way.
    pub fn add(&mut self, n: usize) {
        self.done += n;
        if self.done >= self.next_report && self.done < self.total {
            eprintln!(
                "  {}: {} / {}",
                self.label,
                thousands(self.done),
                thousands(self.total)
            );
            self.next_report += (self.total / 10).max(1);
        }
    }

    /// The records done so far.
    pub fn done(&self) -> usize {
        self.done
    }
}

/// A benchmark's results, printed as one Markdown table: per backend and measurement, the
/// best and the worst of its rounds (other work on the machine only ever slows a round down).
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Row>,
}

/// One measurement on one backend: the unit counted, how many per round, and each round's time.
#[derive(Debug)]
struct Row {
    backend: &'static str,
    name: String,
    unit: &'static str,
    count: usize,
    runs: Vec<Duration>,
}

impl Table {
    /// Records one round of measurement `name` on `backend`: `count` `unit`s in `took`.
    pub fn push(
        &mut self,
        backend: &'static str,
        name: &str,
        unit: &'static str,
        count: usize,
        took: Duration,
    ) {
        eprintln!("  done in {:.2} s: {backend} {name}", took.as_secs_f64());
        match self
            .rows
            .iter_mut()
            .find(|r| r.backend == backend && r.name == name)
        {
            Some(row) => row.runs.push(took),
            None => self.rows.push(Row {
                backend,
                name: name.to_owned(),
                unit,
                count,
                runs: vec![took],
            }),
        }
    }

    /// Prints the table to stdout, then `note` (what the figures include).
    pub fn print(&self, note: &str) {
        let w = self
            .rows
            .iter()
            .map(|r| r.name.chars().count())
            .max()
            .unwrap_or(0)
            .max("measurement".len());
        println!();
        println!(
            "| {:<10} | {:<w$} | {:>7} | {:>10} | {:>10} | {:<7} |",
            "backend", "measurement", "n", "per second", "worst", "unit"
        );
        println!(
            "|{:-<12}|{:-<w2$}|{:->8}:|{:->11}:|{:->11}:|{:-<9}|",
            "",
            "",
            "",
            "",
            "",
            "",
            w2 = w + 2
        );
        for row in &self.rows {
            let rate = |took: &Duration| row.count as f64 / took.as_secs_f64();
            let best = row.runs.iter().min().map_or(0.0, rate);
            let worst = row.runs.iter().max().map_or(0.0, rate);
            println!(
                "| {:<10} | {:<w$} | {:>7} | {:>10} | {:>10} | {:<7} |",
                row.backend,
                row.name,
                thousands(row.count),
                thousands(best as usize),
                thousands(worst as usize),
                row.unit,
            );
        }
        println!();
        println!("Best and worst run. {note}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits_from_the_right() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(143_199), "143,199");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn an_unset_count_is_the_default() {
        assert_eq!(env_count("TAGAR_BENCH_TEST_NEVER_SET", 7), 7);
    }
}
