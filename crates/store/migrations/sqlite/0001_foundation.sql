-- The event store: every aggregate's events, in one global order.
CREATE TABLE events (
    global_position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        TEXT   NOT NULL UNIQUE,
    tenant_id       TEXT   NOT NULL,
    aggregate_type  TEXT   NOT NULL,
    aggregate_id    TEXT   NOT NULL,
    version         BIGINT NOT NULL,
    event_type      TEXT   NOT NULL,
    payload         BLOB  NOT NULL,
    occurred_at_us  BIGINT NOT NULL,
    UNIQUE (aggregate_id, version)
);
CREATE INDEX events_by_tenant ON events (tenant_id, global_position);

-- Serialises appends so global positions are handed out in commit order (SQLite; PostgreSQL
-- uses a transaction-scoped advisory lock instead, the row is unused there).
CREATE TABLE append_lock (id BIGINT PRIMARY KEY, appends BIGINT NOT NULL);
INSERT INTO append_lock (id, appends) VALUES (1, 0);

-- The transactional outbox: written with the events, published by the relay, in order.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    topic            TEXT   NOT NULL,
    record_key       BLOB  NOT NULL,
    payload          BLOB  NOT NULL,
    headers          BLOB  NOT NULL,
    created_at_us    BIGINT NOT NULL,
    published_at_us  BIGINT
);
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at_us IS NULL;

-- Consumer idempotency: an event id recorded with the read-model change it caused.
CREATE TABLE processed_events (
    consumer         TEXT   NOT NULL,
    event_id         TEXT   NOT NULL,
    processed_at_us  BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- The standalone event log: topics, partitions, records, consumer groups.
CREATE TABLE log_topics (
    topic         TEXT   PRIMARY KEY,
    partitions    BIGINT NOT NULL,
    retention_ms  BIGINT
);
CREATE TABLE log_partitions (
    topic        TEXT   NOT NULL,
    partition_no BIGINT NOT NULL,
    next_offset  BIGINT NOT NULL,
    PRIMARY KEY (topic, partition_no)
);
CREATE TABLE log_records (
    topic          TEXT   NOT NULL,
    partition_no   BIGINT NOT NULL,
    record_offset  BIGINT NOT NULL,
    record_key     BLOB  NOT NULL,
    payload        BLOB  NOT NULL,
    headers        BLOB  NOT NULL,
    appended_at_ms BIGINT NOT NULL,
    PRIMARY KEY (topic, partition_no, record_offset)
);
CREATE TABLE log_checkpoints (
    consumer_group TEXT   NOT NULL,
    topic          TEXT   NOT NULL,
    partition_no   BIGINT NOT NULL,
    next_offset    BIGINT NOT NULL,
    PRIMARY KEY (consumer_group, topic, partition_no)
);
CREATE TABLE log_members (
    consumer_group  TEXT   NOT NULL,
    member_id       TEXT   NOT NULL,
    heartbeat_at_ms BIGINT NOT NULL,
    PRIMARY KEY (consumer_group, member_id)
);
CREATE TABLE log_leases (
    consumer_group TEXT   NOT NULL,
    topic          TEXT   NOT NULL,
    partition_no   BIGINT NOT NULL,
    member_id      TEXT   NOT NULL,
    expires_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (consumer_group, topic, partition_no)
);

-- API keys: only a hash of the secret is kept.
CREATE TABLE api_keys (
    key_id         TEXT   PRIMARY KEY,
    tenant_id      TEXT   NOT NULL,
    role           TEXT   NOT NULL,
    brands         TEXT,
    secret_hash    TEXT   NOT NULL,
    label          TEXT   NOT NULL,
    created_at_us  BIGINT NOT NULL,
    revoked_at_us  BIGINT
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id);
