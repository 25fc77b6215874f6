-- Analytics read models, folded from consumed events (see services/analytics/README.md).

-- Per brand and minute (minute_us: the minute's start, microseconds since the epoch).
CREATE TABLE analytics_brand_minutes (
    tenant_id  TEXT   NOT NULL,
    brand_id   TEXT   NOT NULL,
    minute_us  BIGINT NOT NULL,
    mentions   BIGINT NOT NULL DEFAULT 0,
    flagged    BIGINT NOT NULL DEFAULT 0,
    hidden     BIGINT NOT NULL DEFAULT 0,
    published  BIGINT NOT NULL DEFAULT 0,
    likes      BIGINT NOT NULL DEFAULT 0,
    reposts    BIGINT NOT NULL DEFAULT 0,
    replies    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, brand_id, minute_us)
);

-- Hashtag mentions per minute, per brand (scope = brand id) and per tenant (scope = '*').
CREATE TABLE analytics_hashtag_minutes (
    tenant_id  TEXT   NOT NULL,
    scope      TEXT   NOT NULL,
    hashtag    TEXT   NOT NULL,
    minute_us  BIGINT NOT NULL,
    n          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, scope, hashtag, minute_us)
);
CREATE INDEX analytics_hashtag_minutes_by_time
    ON analytics_hashtag_minutes (tenant_id, scope, minute_us);

-- Review cases seen, so a hide is counted once whether the policy or a moderator hid the post.
CREATE TABLE analytics_review_cases (
    tenant_id  TEXT   NOT NULL,
    case_id    TEXT   NOT NULL,
    hidden     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, case_id)
);
