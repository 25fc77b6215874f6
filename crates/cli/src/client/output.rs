//! Printing results: aligned tables for people, one JSON document for scripts.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use unicode_width::UnicodeWidthStr as _;

use super::OutputFormat;

/// The widest a table cell may be before it is cut with `…`.
const MAX_CELL_WIDTH: usize = 60;

/// Where and how a command prints its result (always stdout; progress goes to stderr).
#[derive(Debug, Clone, Copy)]
pub struct Output {
    format: OutputFormat,
}

impl Output {
    /// Prints in `format`.
    pub fn new(format: OutputFormat) -> Self {
        Self { format }
    }

    /// Whether results are printed as JSON.
    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Prints one item of a stream (a JSON line, or the text `line` renders); `false` when
    /// standard output is gone (the reader of a pipe quit), so the stream can stop.
    pub fn emit_item<T: Serialize>(&self, value: &T, line: impl FnOnce() -> String) -> bool {
        use std::io::Write as _;
        let text = match self.format {
            OutputFormat::Json => to_json(value),
            OutputFormat::Table => line(),
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}").and_then(|()| out.flush()).is_ok()
    }

    /// Prints `value` as one JSON document, or the text `table` renders.
    pub fn emit<T: Serialize>(&self, value: &T, table: impl FnOnce() -> String) {
        match self.format {
            OutputFormat::Json => println!("{}", to_json(value)),
            OutputFormat::Table => print!("{}", ensure_newline(table())),
        }
    }
}

/// `value` as compact JSON on one line.
pub fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising our own view structs (strings, numbers, vectors) cannot fail.
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

fn ensure_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Columns aligned by display width (so Devanagari, Persian and emoji line up).
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (cells beyond the headers are dropped, missing ones are empty).
    pub fn row(&mut self, cells: impl IntoIterator<Item = String>) -> &mut Self {
        let mut cells: Vec<String> = cells.into_iter().map(|c| cell(&c)).collect();
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
        self
    }

    /// The table as text, or `empty` when it has no row.
    pub fn render_or(&self, empty: &str) -> String {
        if self.rows.is_empty() {
            return format!("{empty}\n");
        }
        self.render()
    }

    /// The table as text: a header line, then one line per row.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.width());
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.headers.iter().map(|h| h.to_uppercase()).collect();
        line(&mut out, &widths, &header);
        for row in &self.rows {
            line(&mut out, &widths, row);
        }
        out
    }
}

fn line(out: &mut String, widths: &[usize], cells: &[String]) {
    let last = cells.len().saturating_sub(1);
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        out.push_str(c);
        if i < last {
            let pad = w.saturating_sub(c.width()) + 2;
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    out.push('\n');
}

/// One line of a cell: newlines become spaces and long text is cut with `…`.
pub fn cell(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.width() <= MAX_CELL_WIDTH {
        return flat;
    }
    let mut cut = String::new();
    for c in flat.chars() {
        if cut.width() + 1 >= MAX_CELL_WIDTH {
            break;
        }
        cut.push(c);
    }
    cut.push('…');
    cut
}

/// `key: value` lines with the values aligned, for a single object.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in pairs {
        let _ = writeln!(
            out,
            "{k:<width$}  {v}",
            width = width + 1,
            k = format!("{k}:")
        );
    }
    out
}

/// A wire timestamp as RFC 3339 UTC, `None` when absent.
pub fn timestamp(ts: Option<&prost_types::Timestamp>) -> Option<String> {
    tagar_proto::convert::time_from_wire(ts?, "time")
        .ok()
        .map(|t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_by_display_width() {
        let mut t = Table::new(&["id", "name"]);
        t.row(["1".into(), "Kopi Nusantara".into()]);
        t.row(["22".into(), "बेवकूफ".into()]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "ID  NAME");
        assert_eq!(lines[1], "1   Kopi Nusantara");
        assert!(lines[2].starts_with("22  "));
    }

    #[test]
    fn long_cells_are_cut_and_flattened() {
        let long = "a\nb ".repeat(50);
        let c = cell(&long);
        assert!(c.ends_with('…') && !c.contains('\n'));
        assert!(c.width() <= MAX_CELL_WIDTH);
    }

    #[test]
    fn fields_align_values() {
        assert_eq!(
            fields(&[("id", "1".into()), ("time zone", "Asia/Jakarta".into())]),
            "id:         1\ntime zone:  Asia/Jakarta\n"
        );
    }
}
