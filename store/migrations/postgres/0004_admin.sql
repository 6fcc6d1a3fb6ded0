-- Leaving and managing: re-consent, and counters for /metrics.
-- PostgreSQL dialect of migrations/sqlite/0004_admin.sql.

-- The re-consent cycle looks for active subscribers by their last confirmed activity.
CREATE INDEX subscribers_activity ON subscribers (status, last_activity_at);

-- Each failed feed poll is counted in daily_counts ("feed_poll_error"), so that
-- /metrics can report poll errors as a counter: the feeds table keeps only the
-- latest error. A trigger counts them wherever the poll is recorded.
CREATE FUNCTION feeds_count_poll_errors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO daily_counts (day, event, n)
    VALUES (to_char(to_timestamp(NEW.last_error_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'feed_poll_error', 1)
    ON CONFLICT (day, event) DO UPDATE SET n = daily_counts.n + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER feeds_count_poll_errors AFTER UPDATE OF last_error_at ON feeds
FOR EACH ROW WHEN (NEW.last_error_at IS NOT NULL AND NEW.last_error_at IS DISTINCT FROM OLD.last_error_at)
EXECUTE FUNCTION feeds_count_poll_errors();
