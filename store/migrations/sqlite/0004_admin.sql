-- Leaving and managing: re-consent, and counters for /metrics.

-- The re-consent cycle looks for active subscribers by their last confirmed activity.
CREATE INDEX subscribers_activity ON subscribers (status, last_activity_at);

-- Each failed feed poll is counted in daily_counts ("feed_poll_error"), so that
-- /metrics can report poll errors as a counter: the feeds table keeps only the
-- latest error. A trigger counts them wherever the poll is recorded.
CREATE TRIGGER feeds_count_poll_errors AFTER UPDATE OF last_error_at ON feeds
WHEN NEW.last_error_at IS NOT NULL AND NEW.last_error_at IS NOT OLD.last_error_at
BEGIN
    INSERT INTO daily_counts (day, event, n)
    VALUES (strftime('%Y-%m-%d', NEW.last_error_at / 1000, 'unixepoch'), 'feed_poll_error', 1)
    ON CONFLICT (day, event) DO UPDATE SET n = n + 1;
END;
