-- Hashtag chat sessions (read model of the chat_session aggregate). `ends_at_us` is when
-- the chat's hashtag stops being appended: its end, or the time it was cancelled.
CREATE TABLE scheduling_chats (
    tenant_id    TEXT   NOT NULL,
    chat_id      TEXT   NOT NULL,
    brand_id     TEXT   NOT NULL,
    account_id   TEXT   NOT NULL,
    network      TEXT   NOT NULL,
    hashtag      TEXT   NOT NULL,
    starts_at_us BIGINT NOT NULL,
    ends_at_us   BIGINT NOT NULL,
    cancelled    BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, chat_id)
);
CREATE INDEX scheduling_chats_by_brand ON scheduling_chats (tenant_id, brand_id, starts_at_us);
