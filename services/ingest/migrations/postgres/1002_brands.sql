-- The brands ingest knows of, from scheduling's BrandCreated events: a listening rule may only
-- name a brand of its own tenant that exists.
CREATE TABLE ingest_brands (
    tenant_id     TEXT   NOT NULL,
    brand_id      TEXT   NOT NULL,
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, brand_id)
);
