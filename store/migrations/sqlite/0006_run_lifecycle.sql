-- The run lifecycle: who holds a run since when, its retry passes, and the
-- readers withheld at the last moment (they left, or their address was
-- suppressed, while the run was under way).
ALTER TABLE digest_runs ADD COLUMN claimed_at INTEGER NOT NULL DEFAULT 0; -- the current pass began (start, resume, takeover)
ALTER TABLE digest_runs ADD COLUMN retry_at INTEGER NOT NULL DEFAULT 0;   -- temporary failures are retried from then on
ALTER TABLE digest_runs ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;    -- passes that ended with temporary failures
ALTER TABLE digest_runs ADD COLUMN withheld INTEGER NOT NULL DEFAULT 0;

-- SQLite changes a CHECK constraint only by rebuilding the table.
CREATE TABLE deliveries_new (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES digest_runs (id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    status        TEXT    NOT NULL CHECK (status IN ('sent', 'empty', 'failed_temp', 'failed_perm', 'withheld')),
    message_id    TEXT    NOT NULL DEFAULT '',
    articles      INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    error         TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (run_id, subscriber_id)
);
INSERT INTO deliveries_new (id, run_id, subscriber_id, status, message_id, articles, attempts, error, created_at)
    SELECT id, run_id, subscriber_id, status, message_id, articles, attempts, error, created_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);
