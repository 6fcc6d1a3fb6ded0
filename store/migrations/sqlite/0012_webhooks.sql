-- Outgoing webhooks: subscriber events, written in the same transaction as
-- the change they report, then POSTed by a sender loop until the receiver
-- takes them (at least once: event_id stays the same across attempts).
CREATE TABLE webhook_events (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT    NOT NULL UNIQUE,
    type            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,               -- the JSON body, as signed
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX webhook_events_due ON webhook_events (status, next_attempt_at);
