//! Bound-parameter placeholders for statements built at run time (multi-row inserts, `IN`
//! lists), written in the order their values are bound: `$1, $2, …` on PostgreSQL, `?` on
//! SQLite.
//!
//! Why not `$n` on both: SQLite treats `$n` as a *named* parameter. Preparing a statement looks
//! each new name up in the list of names so far, and sqlx's SQLite driver asks for every
//! parameter's name when it binds (a linear scan of the same list), so a statement of `n`
//! parameters costs time in `n²`: a 4,000-parameter upsert spent most of its time there. Plain
//! `?` parameters have no names. The price is that every value is bound where it is written,
//! in order: a value used by every row is bound once per row.

use std::fmt::Write as _;

use crate::Dialect;

/// Writes the placeholders of one statement, numbering them in order.
#[derive(Debug, Clone)]
pub struct Placeholders {
    dialect: Dialect,
    written: usize,
}

impl Placeholders {
    /// The placeholders of a new statement for `dialect`.
    pub fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            written: 0,
        }
    }

    /// Appends the next placeholder to `sql`.
    pub fn push(&mut self, sql: &mut String) {
        self.written += 1;
        match self.dialect {
            Dialect::Sqlite => sql.push('?'),
            Dialect::Postgres => {
                let _ = write!(sql, "${}", self.written);
            }
        }
    }

    /// Appends `count` placeholders separated by commas (an `IN (…)` list's inside).
    pub fn list(&mut self, sql: &mut String, count: usize) {
        for i in 0..count {
            if i > 0 {
                sql.push(',');
            }
            self.push(sql);
        }
    }

    /// Appends `rows` parenthesised tuples of `width` placeholders, separated by commas (the
    /// `VALUES` of a multi-row insert).
    pub fn rows(&mut self, sql: &mut String, rows: usize, width: usize) {
        for row in 0..rows {
            sql.push_str(if row == 0 { "(" } else { ",(" });
            self.list(sql, width);
            sql.push(')');
        }
    }

    /// How many placeholders were written: how many values the statement binds.
    pub fn count(&self) -> usize {
        self.written
    }
}

/// The most values one multi-row statement binds: well under both databases' limits
/// (SQLite 32,766, PostgreSQL 65,535), and where the benchmarks stopped getting faster.
pub const MAX_BOUND_PER_STATEMENT: usize = 5_000;
/// The most rows one multi-row statement writes.
pub const MAX_ROWS_PER_STATEMENT: usize = 1_000;

/// A multi-row `INSERT` (or upsert) written for any number of rows: `head`, then `VALUES`
/// tuples of `width` placeholders, then the `tail`'s pieces with one placeholder between each
/// two (for values bound after the rows, such as a bound in an `ON CONFLICT … WHERE`).
///
/// Callers split their rows in chunks of [`BulkInsert::rows_per_statement`] and bind, for
/// each chunk, every row's `width` values in order, then the tail's values.
///
/// ```
/// # use tagar_store::{BulkInsert, Dialect};
/// let upsert = BulkInsert::new(Dialect::Postgres, "INSERT INTO t (a, b)", 2)
///     .tail(&[" ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.b < ", ""]);
/// assert_eq!(
///     upsert.sql(2),
///     "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.b < $5"
/// );
/// ```
#[derive(Debug, Clone, Copy)]
pub struct BulkInsert<'a> {
    dialect: Dialect,
    head: &'a str,
    width: usize,
    tail: &'a [&'a str],
}

impl<'a> BulkInsert<'a> {
    /// `head` (`INSERT INTO table (columns)`) for rows of `width` values, in `dialect`.
    pub fn new(dialect: Dialect, head: &'a str, width: usize) -> Self {
        Self {
            dialect,
            head,
            width: width.max(1),
            tail: &[],
        }
    }

    /// What follows the rows: pieces of SQL with a placeholder between each two.
    pub fn tail(mut self, pieces: &'a [&'a str]) -> Self {
        self.tail = pieces;
        self
    }

    /// The most rows one statement may write, so it binds at most
    /// [`MAX_BOUND_PER_STATEMENT`] values.
    pub fn rows_per_statement(&self) -> usize {
        let after = self.tail.len().saturating_sub(1);
        (MAX_BOUND_PER_STATEMENT.saturating_sub(after) / self.width)
            .clamp(1, MAX_ROWS_PER_STATEMENT)
    }

    /// The statement for `rows` rows.
    pub fn sql(&self, rows: usize) -> String {
        let mut sql = String::with_capacity(self.head.len() + 64 + rows * self.width * 4);
        sql.push_str(self.head);
        sql.push_str(" VALUES ");
        let mut params = Placeholders::new(self.dialect);
        params.rows(&mut sql, rows, self.width);
        for (i, piece) in self.tail.iter().enumerate() {
            if i > 0 {
                params.push(&mut sql);
            }
            sql.push_str(piece);
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_numbers_in_the_order_written() {
        let mut p = Placeholders::new(Dialect::Postgres);
        let mut sql = String::from("VALUES ");
        p.rows(&mut sql, 2, 3);
        sql.push_str(" WHERE x < ");
        p.push(&mut sql);
        assert_eq!(sql, "VALUES ($1,$2,$3),($4,$5,$6) WHERE x < $7");
        assert_eq!(p.count(), 7);
    }

    #[test]
    fn bulk_inserts_stay_under_the_bound_and_place_the_tail() {
        let insert = BulkInsert::new(Dialect::Sqlite, "INSERT INTO t (a, b, c)", 3)
            .tail(&[" ON CONFLICT DO NOTHING RETURNING a"]);
        assert_eq!(
            insert.sql(2),
            "INSERT INTO t (a, b, c) VALUES (?,?,?),(?,?,?) ON CONFLICT DO NOTHING RETURNING a"
        );
        assert_eq!(insert.rows_per_statement(), 1_000);
        let wide = BulkInsert::new(Dialect::Postgres, "INSERT INTO t (x)", 10);
        assert_eq!(wide.rows_per_statement(), 500);
        assert!(wide.rows_per_statement() * 10 <= MAX_BOUND_PER_STATEMENT);
    }

    #[test]
    fn sqlite_gets_anonymous_parameters() {
        let mut p = Placeholders::new(Dialect::Sqlite);
        let mut sql = String::from("IN (");
        p.list(&mut sql, 3);
        sql.push(')');
        assert_eq!(sql, "IN (?,?,?)");
        assert_eq!(p.count(), 3);
    }
}
