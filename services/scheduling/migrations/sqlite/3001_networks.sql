-- Real networks: the dispatcher's next look at a post (its time, a retry, the end of a
-- publishing attempt's lease), accounts linked to their network, and credentials sealed by
-- the vault (base64 text: a nonce and AES-256-GCM ciphertext; never readable without the
-- master key, which is not in the database).

ALTER TABLE scheduling_posts ADD COLUMN due_at_us BIGINT;
ALTER TABLE scheduling_posts ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
UPDATE scheduling_posts SET due_at_us = publish_at_us WHERE state = 'scheduled';
DROP INDEX scheduling_posts_due;
CREATE INDEX scheduling_posts_due ON scheduling_posts (state, due_at_us);

ALTER TABLE scheduling_accounts ADD COLUMN native_account_id TEXT NOT NULL DEFAULT '';
ALTER TABLE scheduling_accounts ADD COLUMN needs_reconnect TEXT NOT NULL DEFAULT '';

-- One data key per tenant, wrapped under the master key `master_key_id`.
CREATE TABLE scheduling_tenant_keys (
    tenant_id       TEXT   NOT NULL PRIMARY KEY,
    master_key_id   TEXT   NOT NULL,
    wrapped         TEXT   NOT NULL,
    created_at_us   BIGINT NOT NULL,
    rewrapped_at_us BIGINT
);

-- An account's credentials, sealed under its tenant's data key with the tenant and account
-- as associated data (a row copied elsewhere does not open).
CREATE TABLE scheduling_credentials (
    tenant_id     TEXT   NOT NULL,
    account_id    TEXT   NOT NULL,
    sealed        TEXT   NOT NULL,
    updated_at_us BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, account_id)
);
