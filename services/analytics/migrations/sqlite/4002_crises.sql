-- Crises (see services/analytics/README.md, "Crises").

-- Mentions moderation found negative, per brand and minute: what the detector watches.
ALTER TABLE analytics_brand_minutes ADD COLUMN negative BIGINT NOT NULL DEFAULT 0;

-- Negative posts with moderation's excerpt: a crisis's evidence and its rising terms.
CREATE TABLE analytics_negative_posts (
    tenant_id   TEXT   NOT NULL,
    brand_id    TEXT   NOT NULL,
    network     TEXT   NOT NULL,
    native_id   TEXT   NOT NULL,
    author_id   TEXT   NOT NULL,
    text        TEXT   NOT NULL,
    abuse_score REAL NOT NULL,
    at_us       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id, network, native_id)
);
CREATE INDEX analytics_negative_posts_by_time ON analytics_negative_posts (tenant_id, brand_id, at_us);
-- Retention prunes by age alone (ServiceModule::prunes): kept for the baseline's 7 days and a day.
CREATE INDEX analytics_negative_posts_by_age ON analytics_negative_posts (at_us);

-- One row per crisis: the CrisisDetected it raised (encoded), open until the brand's queue
-- is resumed. At most one open crisis per brand (a second detector replica is refused).
CREATE TABLE analytics_crises (
    tenant_id      TEXT   NOT NULL,
    crisis_id      TEXT   NOT NULL,
    brand_id       TEXT   NOT NULL,
    detected_at_us BIGINT NOT NULL,
    detected       BLOB  NOT NULL,
    closed_at_us   BIGINT,
    PRIMARY KEY (tenant_id, crisis_id)
);
CREATE UNIQUE INDEX analytics_crises_one_open ON analytics_crises (tenant_id, brand_id)
    WHERE closed_at_us IS NULL;
CREATE INDEX analytics_crises_by_brand ON analytics_crises (tenant_id, brand_id, detected_at_us);

-- A crisis's timeline: detected, paused, statement_planned, statement_published, resumed.
CREATE TABLE analytics_crisis_steps (
    tenant_id TEXT   NOT NULL,
    crisis_id TEXT   NOT NULL,
    step      TEXT   NOT NULL,
    post_id   TEXT   NOT NULL DEFAULT '',
    at_us     BIGINT NOT NULL,
    by_whom   TEXT   NOT NULL,
    detail    TEXT   NOT NULL,
    PRIMARY KEY (tenant_id, crisis_id, step, post_id)
);
CREATE INDEX analytics_crisis_steps_by_post ON analytics_crisis_steps (tenant_id, post_id);

-- A brand's detection thresholds, where set (else the defaults).
CREATE TABLE analytics_crisis_thresholds (
    tenant_id          TEXT   NOT NULL,
    brand_id           TEXT   NOT NULL,
    window_minutes     BIGINT NOT NULL,
    min_negatives      BIGINT NOT NULL,
    negative_factor    REAL NOT NULL,
    min_negative_share REAL NOT NULL,
    min_mentions       BIGINT NOT NULL,
    volume_factor      REAL NOT NULL,
    updated_by         TEXT   NOT NULL,
    updated_at_us      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id)
);
