-- Posts seen per tenant, by network and native id: the duplicate drop shared by every
-- replica. A row is claimed before its post is published and marked published after; a
-- claim left unpublished (a crash mid-publish) can be taken over once stale.
CREATE TABLE ingest_seen (
    tenant_id       TEXT   NOT NULL,
    network         TEXT   NOT NULL,
    native_id       TEXT   NOT NULL,
    claimed_at_us   BIGINT NOT NULL,
    published_at_us BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, network, native_id)
);

-- The listening rules' read model: the active rules of every brand.
CREATE TABLE ingest_rules (
    tenant_id     TEXT   NOT NULL,
    rule_id       TEXT   NOT NULL,
    brand_id      TEXT   NOT NULL,
    kind          TEXT   NOT NULL,
    pattern       TEXT   NOT NULL,
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, rule_id),
    UNIQUE (tenant_id, brand_id, kind, pattern)
);
CREATE INDEX ingest_rules_by_brand ON ingest_rules (tenant_id, brand_id);

-- One counter per tenant, bumped with every rule change: replicas compare it to the version
-- they compiled their matcher from.
CREATE TABLE ingest_rule_versions (
    tenant_id TEXT   PRIMARY KEY,
    version   BIGINT NOT NULL
);
