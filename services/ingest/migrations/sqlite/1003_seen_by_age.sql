-- Retention prunes seen posts by the time they were claimed.
CREATE INDEX ingest_seen_by_age ON ingest_seen (claimed_at_us);
