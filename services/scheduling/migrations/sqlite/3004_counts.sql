-- A published post's counts as last read from its network, and when they are read next.
ALTER TABLE scheduling_posts ADD COLUMN count_at_us BIGINT;
ALTER TABLE scheduling_posts ADD COLUMN counted_at_us BIGINT;
ALTER TABLE scheduling_posts ADD COLUMN likes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE scheduling_posts ADD COLUMN reposts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE scheduling_posts ADD COLUMN replies BIGINT NOT NULL DEFAULT 0;
ALTER TABLE scheduling_posts ADD COLUMN quotes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE scheduling_posts ADD COLUMN views BIGINT NOT NULL DEFAULT 0;
CREATE INDEX scheduling_posts_count_at ON scheduling_posts (count_at_us);
