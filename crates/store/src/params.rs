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
    fn sqlite_gets_anonymous_parameters() {
        let mut p = Placeholders::new(Dialect::Sqlite);
        let mut sql = String::from("IN (");
        p.list(&mut sql, 3);
        sql.push(')');
        assert_eq!(sql, "IN (?,?,?)");
        assert_eq!(p.count(), 3);
    }
}
