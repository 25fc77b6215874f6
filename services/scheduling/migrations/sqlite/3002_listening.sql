-- Listening by polling: per linked Mastodon or X account, where its mentions were read up
-- to, and which replica polls it until when (a lease, so replicas do not poll one account
-- twice).
CREATE TABLE scheduling_listen_cursors (
    tenant_id      TEXT   NOT NULL,
    account_id     TEXT   NOT NULL,
    cursor         TEXT,
    owner          TEXT   NOT NULL,
    lease_until_us BIGINT NOT NULL,
    updated_at_us  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, account_id)
);
