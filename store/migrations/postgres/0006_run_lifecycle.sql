-- The run lifecycle: who holds a run since when, its retry passes, and the
-- readers withheld at the last moment (they left, or their address was
-- suppressed, while the run was under way).
ALTER TABLE digest_runs ADD COLUMN claimed_at BIGINT NOT NULL DEFAULT 0; -- the current pass began (start, resume, takeover)
ALTER TABLE digest_runs ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;   -- temporary failures are retried from then on
ALTER TABLE digest_runs ADD COLUMN retries BIGINT NOT NULL DEFAULT 0;    -- passes that ended with temporary failures
ALTER TABLE digest_runs ADD COLUMN withheld BIGINT NOT NULL DEFAULT 0;

ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('sent', 'empty', 'failed_temp', 'failed_perm', 'withheld'));
