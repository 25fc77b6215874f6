-- The duplicate drop no longer writes a row per post: a replica remembers what it published
-- lately, and consumers drop a repeated event by its id (see src/seen.rs).
DROP TABLE IF EXISTS ingest_seen;
