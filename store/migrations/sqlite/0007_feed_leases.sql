-- Feeds follow the setting, and several instances share the polling.

-- A feed removed from CARAVAN_FEEDS is retired rather than deleted: it leaves
-- the admin list and the metrics, its articles keep their feed, and it comes
-- back with its history if it is configured again.
ALTER TABLE feeds ADD COLUMN retired_at INTEGER;

-- A short lease per feed: the instance that holds it polls the feed, the
-- others leave it alone until it ends.
ALTER TABLE feeds ADD COLUMN poll_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN poll_until INTEGER NOT NULL DEFAULT 0;

-- Every article write reads the latest cutoff taken (an article arrives after it).
CREATE INDEX digest_runs_cutoff ON digest_runs (cutoff);
