-- What the listener searches the networks for: the brands' hashtags, keywords and handles,
-- kept from ingest's listening rules (tagar.ingest.rules.v1). And, per polled account, where
-- its searches were read up to (beside where its mentions were).
CREATE TABLE scheduling_search_terms (
    tenant_id TEXT NOT NULL,
    rule_id   TEXT NOT NULL,
    brand_id  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    term      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, rule_id)
);
CREATE INDEX scheduling_search_terms_brand ON scheduling_search_terms (tenant_id, brand_id);
ALTER TABLE scheduling_listen_cursors ADD COLUMN search_cursor TEXT;
