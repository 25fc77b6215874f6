-- Scheduling's read models. Every row carries its tenant, and every query filters on it.

CREATE TABLE scheduling_brands (
    tenant_id     TEXT   NOT NULL,
    brand_id      TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    time_zone     TEXT   NOT NULL,
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id)
);

CREATE TABLE scheduling_accounts (
    tenant_id       TEXT   NOT NULL,
    account_id      TEXT   NOT NULL,
    brand_id        TEXT   NOT NULL,
    network         TEXT   NOT NULL,
    handle          TEXT   NOT NULL,
    handle_key      TEXT   NOT NULL,
    connected_at_us BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, account_id)
);
CREATE UNIQUE INDEX scheduling_accounts_handle ON scheduling_accounts (tenant_id, brand_id, network, handle_key);

-- One row per scheduled post: the aggregate as its events leave it, at `version`.
CREATE TABLE scheduling_posts (
    tenant_id       TEXT   NOT NULL,
    post_id         TEXT   NOT NULL,
    brand_id        TEXT   NOT NULL,
    account_id      TEXT   NOT NULL,
    text            TEXT   NOT NULL,
    media           TEXT   NOT NULL,
    state           TEXT   NOT NULL,
    publish_at_us   BIGINT,
    local_time      TEXT   NOT NULL,
    time_zone       TEXT   NOT NULL,
    native_id       TEXT   NOT NULL,
    reason          TEXT   NOT NULL,
    version         BIGINT NOT NULL,
    updated_at_us   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, post_id)
);
CREATE INDEX scheduling_posts_brand ON scheduling_posts (tenant_id, brand_id, state);
-- The dispatcher's question: which scheduled posts are due.
CREATE INDEX scheduling_posts_due ON scheduling_posts (state, publish_at_us);

-- PostgreSQL claims rows with FOR UPDATE SKIP LOCKED instead; the table exists for symmetry: a dispatcher's transaction writes
-- here first, so it is the one writer from its first statement.
CREATE TABLE scheduling_dispatch_lock (id BIGINT PRIMARY KEY, rounds BIGINT NOT NULL);
INSERT INTO scheduling_dispatch_lock (id, rounds) VALUES (1, 0);
