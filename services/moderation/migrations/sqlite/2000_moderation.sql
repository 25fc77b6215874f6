-- Moderation's read models: brand policies, the review queue, blocked authors.
-- Scores are stored in millionths (BIGINT), ids as TEXT, times in microseconds since the epoch.

CREATE TABLE moderation_policies (
    tenant_id      TEXT   NOT NULL,
    brand_id       TEXT   NOT NULL,
    review_ppm     BIGINT NOT NULL,
    hide_ppm       BIGINT NOT NULL,
    spam_hide_ppm  BIGINT NOT NULL,
    version        BIGINT NOT NULL,
    updated_at_us  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id)
);

CREATE TABLE moderation_cases (
    case_id        TEXT   NOT NULL PRIMARY KEY,
    tenant_id      TEXT   NOT NULL,
    brand_id       TEXT   NOT NULL,
    network        BIGINT NOT NULL,
    native_id      TEXT   NOT NULL,
    author_id      TEXT   NOT NULL,
    text           TEXT   NOT NULL,
    reasons        TEXT   NOT NULL,
    hidden         BIGINT NOT NULL,
    state          BIGINT NOT NULL,
    assignee       TEXT   NOT NULL,
    decision       BIGINT NOT NULL,
    note           TEXT   NOT NULL,
    opened_at_us   BIGINT NOT NULL,
    version        BIGINT NOT NULL,
    updated_at_us  BIGINT NOT NULL
);
CREATE INDEX moderation_cases_queue ON moderation_cases (tenant_id, brand_id, state, opened_at_us);
CREATE UNIQUE INDEX moderation_cases_post ON moderation_cases (tenant_id, brand_id, network, native_id);

CREATE TABLE moderation_blocked_authors (
    tenant_id      TEXT   NOT NULL,
    brand_id       TEXT   NOT NULL,
    network        BIGINT NOT NULL,
    author_id      TEXT   NOT NULL,
    case_id        TEXT   NOT NULL,
    blocked_at_us  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id, network, author_id)
);
