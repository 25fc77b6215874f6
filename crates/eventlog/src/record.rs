//! Records going into and coming out of the log.

use std::sync::Arc;

use bytes::Bytes;

/// Record headers: an ordered list of names and byte values (names may repeat, as in Kafka).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, Bytes)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Adds a header.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Bytes>) -> &mut Self {
        self.0.push((name.into(), value.into()));
        self
    }

    /// Adds a header, builder style.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.insert(name, value);
        self
    }

    /// The last value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The last value of `name` as UTF-8 text.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Every header in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_ref()))
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, Bytes)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, Bytes)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A record to publish. The key decides the partition, so records with one key keep their order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingRecord {
    /// The key; records with the same key go to the same partition, in order.
    pub key: Bytes,
    /// The value (an encoded protobuf `Envelope` for Tagar's own topics).
    pub value: Bytes,
    /// Headers.
    pub headers: Headers,
}

impl OutgoingRecord {
    /// A record with a key and a value and no headers.
    pub fn new(key: impl Into<Bytes>, value: impl Into<Bytes>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            headers: Headers::new(),
        }
    }

    /// The same record with headers.
    pub fn with_headers(mut self, headers: Headers) -> Self {
        self.headers = headers;
        self
    }
}

/// A consumed record, with where it sits in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The topic.
    pub topic: Arc<str>,
    /// The partition within the topic.
    pub partition: i32,
    /// The record's offset within the partition.
    pub offset: i64,
    /// The key (empty when the record had none).
    pub key: Bytes,
    /// The value.
    pub value: Bytes,
    /// Headers.
    pub headers: Headers,
    /// When the log appended it, in milliseconds since the epoch, where the backend says.
    pub timestamp_ms: Option<i64>,
}

impl Record {
    /// The position to commit once this record is durably handled: the offset after it.
    pub fn next_position(&self) -> Position {
        Position {
            topic: Arc::clone(&self.topic),
            partition: self.partition,
            offset: self.offset + 1,
        }
    }
}

/// A position in one partition of a topic: the offset of the next record to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// The topic.
    pub topic: Arc<str>,
    /// The partition.
    pub partition: i32,
    /// The next offset to read.
    pub offset: i64,
}

/// For each partition, the furthest of `positions`: what a batch commit should say.
pub fn furthest(positions: impl IntoIterator<Item = Position>) -> Vec<Position> {
    let mut by_partition: std::collections::BTreeMap<(Arc<str>, i32), i64> = Default::default();
    for p in positions {
        let slot = by_partition
            .entry((p.topic, p.partition))
            .or_insert(p.offset);
        *slot = (*slot).max(p.offset);
    }
    by_partition
        .into_iter()
        .map(|((topic, partition), offset)| Position {
            topic,
            partition,
            offset,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_header_of_a_name_wins() {
        let h = Headers::new().with("a", "1").with("b", "2").with("a", "3");
        assert_eq!(h.get_str("a"), Some("3"));
        assert_eq!(h.get("c"), None);
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn furthest_keeps_the_highest_offset_per_partition() {
        let t: Arc<str> = Arc::from("t");
        let p = |partition, offset| Position {
            topic: Arc::clone(&t),
            partition,
            offset,
        };
        let got = furthest([p(0, 3), p(1, 1), p(0, 7), p(0, 5)]);
        assert_eq!(got, vec![p(0, 7), p(1, 1)]);
    }
}
