-- Listening to the networks: the accounts brands linked to their networks (from
-- scheduling's SocialAccountConnected, so posts addressed to them reach their tenant), and
-- where each firehose was read up to, with the lease of the one replica that reads it.

CREATE TABLE ingest_linked_accounts (
    tenant_id         TEXT   NOT NULL,
    account_id        TEXT   NOT NULL,
    brand_id          TEXT   NOT NULL,
    network           TEXT   NOT NULL,
    native_account_id TEXT   NOT NULL,
    linked_at_us      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, account_id)
);
CREATE INDEX ingest_linked_accounts_native ON ingest_linked_accounts (network, native_account_id);

CREATE TABLE ingest_firehose_cursors (
    firehose      TEXT   NOT NULL PRIMARY KEY,
    seq           BIGINT,
    owner         TEXT   NOT NULL,
    lease_until_us BIGINT NOT NULL,
    updated_at_us BIGINT NOT NULL
);
