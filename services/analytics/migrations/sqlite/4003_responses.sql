-- The engagement desk's inbox items as the response figures need them (see
-- services/analytics/README.md, "Response times"): when each came in, its first response
-- (who, how long after, within the SLA), how many replies it got, when it was closed.
CREATE TABLE analytics_responses (
    tenant_id        TEXT   NOT NULL,
    item_id          TEXT   NOT NULL,
    brand_id         TEXT   NOT NULL,
    opened_at_us     BIGINT NOT NULL,
    answered_at_us   BIGINT,
    responder        TEXT   NOT NULL DEFAULT '',
    first_response_s BIGINT NOT NULL DEFAULT 0,
    within_sla       BIGINT NOT NULL DEFAULT 0,
    replies          BIGINT NOT NULL DEFAULT 0,
    closed_at_us     BIGINT,
    PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX analytics_responses_by_brand ON analytics_responses (tenant_id, brand_id, opened_at_us);
