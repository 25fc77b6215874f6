-- A second owner's tables, beside the store's: 'ingest' numbers its files from 1000.
CREATE TABLE probe_rules (rule_id TEXT PRIMARY KEY, pattern TEXT NOT NULL);
