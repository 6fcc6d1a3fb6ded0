-- Outgoing webhooks, PostgreSQL dialect of migrations/sqlite/0012_webhooks.sql.
CREATE TABLE webhook_events (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        TEXT    NOT NULL UNIQUE,
    type            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    delivered_at    BIGINT
);
CREATE INDEX webhook_events_due ON webhook_events (status, next_attempt_at);
