-- A brand's queue paused (a crisis, or a person): posts due while paused are held.
ALTER TABLE scheduling_brands ADD COLUMN paused_at_us BIGINT;
ALTER TABLE scheduling_brands ADD COLUMN pause_crisis_id TEXT NOT NULL DEFAULT '';
ALTER TABLE scheduling_brands ADD COLUMN pause_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE scheduling_brands ADD COLUMN paused_by TEXT NOT NULL DEFAULT '';
ALTER TABLE scheduling_brands ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- The crisis a post is the brand's statement on: it goes out while the queue is paused.
ALTER TABLE scheduling_posts ADD COLUMN statement_of TEXT NOT NULL DEFAULT '';
-- The network's id of the post a reply answers: a conversation goes on while the queue is
-- paused (a crisis is when people must be answered).
ALTER TABLE scheduling_posts ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
