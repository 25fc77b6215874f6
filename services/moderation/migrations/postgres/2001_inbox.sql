-- The engagement desk's inbox: posts that want an answer from a brand (see
-- services/moderation/README.md, "The inbox"). `opened` is the InboxItemOpened it began
-- with (encoded); the other columns are what the desk filters and orders by.
CREATE TABLE moderation_inbox (
    item_id       TEXT   NOT NULL PRIMARY KEY,
    tenant_id     TEXT   NOT NULL,
    brand_id      TEXT   NOT NULL,
    network       BIGINT NOT NULL,
    native_id     TEXT   NOT NULL,
    author_id     TEXT   NOT NULL,
    state         BIGINT NOT NULL,
    assignee      TEXT   NOT NULL,
    opened_at_us  BIGINT NOT NULL,
    due_at_us     BIGINT NOT NULL,
    opened        BYTEA  NOT NULL,
    version       BIGINT NOT NULL,
    updated_at_us BIGINT NOT NULL
);
CREATE INDEX moderation_inbox_desk ON moderation_inbox (tenant_id, state, due_at_us);
CREATE UNIQUE INDEX moderation_inbox_post ON moderation_inbox (tenant_id, brand_id, network, native_id);
