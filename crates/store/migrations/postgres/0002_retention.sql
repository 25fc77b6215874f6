-- What retention prunes by age, indexed by that age.
CREATE INDEX processed_events_by_age ON processed_events (processed_at_us);
CREATE INDEX outbox_by_publication ON outbox (published_at_us);
CREATE INDEX log_records_by_age ON log_records (appended_at_ms);
