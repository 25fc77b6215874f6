-- Hashtag chats (folded from scheduling's chat events) and the posts each received (posts
-- ingested for the tenant carrying the chat's hashtag on its network within its window).
CREATE TABLE analytics_chats (
    tenant_id    TEXT   NOT NULL,
    chat_id      TEXT   NOT NULL,
    brand_id     TEXT   NOT NULL,
    network      TEXT   NOT NULL,
    hashtag      TEXT   NOT NULL,
    hashtag_key  TEXT   NOT NULL,
    starts_at_us BIGINT NOT NULL,
    ends_at_us   BIGINT NOT NULL,
    people       TEXT   NOT NULL,
    cancelled    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, chat_id)
);
CREATE INDEX analytics_chats_by_time ON analytics_chats (tenant_id, ends_at_us);
CREATE INDEX analytics_chats_by_tag ON analytics_chats (tenant_id, hashtag_key);

-- `seq` orders a chat's posts as received: a watch resumes after the last one it saw.
CREATE TABLE analytics_chat_posts (
    seq            BIGSERIAL PRIMARY KEY,
    tenant_id      TEXT   NOT NULL,
    chat_id        TEXT   NOT NULL,
    network        TEXT   NOT NULL,
    native_id      TEXT   NOT NULL,
    author_id      TEXT   NOT NULL,
    author_handle  TEXT   NOT NULL,
    followers      BIGINT NOT NULL,
    text           TEXT   NOT NULL,
    created_at_us  BIGINT NOT NULL,
    in_reply_to    TEXT   NOT NULL,
    engagement     BIGINT NOT NULL,
    received_at_us BIGINT NOT NULL,
    UNIQUE (tenant_id, chat_id, network, native_id)
);
CREATE INDEX analytics_chat_posts_by_chat ON analytics_chat_posts (tenant_id, chat_id, seq);

-- Moderation's label of posts classified while one of the tenant's chats runs (an hour
-- either side): sentiment, and hidden by the policy.
CREATE TABLE analytics_chat_labels (
    tenant_id  TEXT   NOT NULL,
    network    TEXT   NOT NULL,
    native_id  TEXT   NOT NULL,
    sentiment  TEXT   NOT NULL,
    hidden     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, network, native_id)
);

-- A review case's post, so a moderator's hide or block reaches the chats' views.
ALTER TABLE analytics_review_cases ADD COLUMN network TEXT NOT NULL DEFAULT '';
ALTER TABLE analytics_review_cases ADD COLUMN native_id TEXT NOT NULL DEFAULT '';
ALTER TABLE analytics_review_cases ADD COLUMN author_id TEXT NOT NULL DEFAULT '';

-- Authors a moderator blocked: their posts are left out of every chat's views.
CREATE TABLE analytics_chat_blocked (
    tenant_id  TEXT NOT NULL,
    network    TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, network, author_id)
);

-- One post's text per hashtag and minute (the first folded, of posts matched to the tenant):
-- the words of recurring chats. As many rows as the tenant's hashtag minutes at most.
CREATE TABLE analytics_hashtag_samples (
    tenant_id  TEXT   NOT NULL,
    hashtag    TEXT   NOT NULL,
    minute_us  BIGINT NOT NULL,
    text       TEXT   NOT NULL,
    PRIMARY KEY (tenant_id, hashtag, minute_us)
);
