-- A brand's SLA: minutes to an inbox item's first response.
ALTER TABLE moderation_policies ADD COLUMN first_response_minutes BIGINT NOT NULL DEFAULT 60;
-- A brand's support account: questions and complaints on its network are routed to it.
ALTER TABLE moderation_policies ADD COLUMN support_account_id TEXT NOT NULL DEFAULT '';

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
    updated_at_us BIGINT NOT NULL,
    -- The reply on its way (scheduling's post id), and the first response once out.
    reply_post_id    TEXT   NOT NULL DEFAULT '',
    answered_at_us   BIGINT,
    answered_by      TEXT   NOT NULL DEFAULT '',
    first_response_s BIGINT NOT NULL DEFAULT 0,
    reply_failure    TEXT   NOT NULL DEFAULT '',
    -- What was done to the author from the item: AuthorAction values, comma-separated.
    author_actions   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX moderation_inbox_desk ON moderation_inbox (tenant_id, state, due_at_us);
CREATE UNIQUE INDEX moderation_inbox_post ON moderation_inbox (tenant_id, brand_id, network, native_id);
CREATE INDEX moderation_inbox_reply ON moderation_inbox (tenant_id, reply_post_id);

-- The brands' accounts, as scheduling connects them: the desk answers from one of them.
CREATE TABLE moderation_accounts (
    tenant_id  TEXT   NOT NULL,
    account_id TEXT   NOT NULL,
    brand_id   TEXT   NOT NULL,
    network    BIGINT NOT NULL,
    handle     TEXT   NOT NULL,
    PRIMARY KEY (tenant_id, account_id)
);

-- The brands in a crisis (analytics' CrisisDetected, until scheduling's resume names it):
-- their inbox items come first.
CREATE TABLE moderation_crises (
    tenant_id TEXT   NOT NULL,
    brand_id  TEXT   NOT NULL,
    crisis_id TEXT   NOT NULL,
    since_us  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id)
);
