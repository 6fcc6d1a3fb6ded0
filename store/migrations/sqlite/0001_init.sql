-- Caravan's schema. Times are INTEGER unix milliseconds (UTC) so that the same
-- SQL reads the same on SQLite and PostgreSQL.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- AUTOINCREMENT: an id is never reused, so a signed link never points at someone else.
CREATE TABLE subscribers (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    email            TEXT    NOT NULL,
    email_key        TEXT    NOT NULL UNIQUE,          -- lower-cased address: one person, one row
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
    countries        TEXT    NOT NULL DEFAULT '',      -- comma-separated codes; empty means all
    frequency        TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    locale           TEXT    NOT NULL DEFAULT 'fr',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    confirmed_at     INTEGER,
    unsubscribed_at  INTEGER,
    unsubscribe_channel TEXT NOT NULL DEFAULT '',
    digest_since     INTEGER,                          -- articles arrived after this are new for them
    consent_at       INTEGER NOT NULL,
    consent_method   TEXT    NOT NULL,                 -- form, import, import-confirmed, api
    consent_source   TEXT    NOT NULL DEFAULT '',      -- page or article the form was on
    consent_text     TEXT    NOT NULL DEFAULT '',      -- version of the form text shown
    consent_ip       TEXT    NOT NULL DEFAULT '',      -- truncated: /24 or /48
    consent_agent    TEXT    NOT NULL DEFAULT '',
    confirm_day      INTEGER NOT NULL DEFAULT 0,       -- day number of the confirmation mails counted below
    confirm_sends    INTEGER NOT NULL DEFAULT 0,
    soft_bounces     INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL,                 -- confirmation, preference change: for re-consent
    reconsent_sent_at INTEGER
);
CREATE INDEX subscribers_digest ON subscribers (status, frequency, id);
CREATE INDEX subscribers_created ON subscribers (created_at);

-- Addresses that must never be mailed again, kept only as salted hashes.
CREATE TABLE suppressions (
    hash       TEXT PRIMARY KEY,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL UNIQUE,
    etag            TEXT    NOT NULL DEFAULT '',
    last_modified   TEXT    NOT NULL DEFAULT '',
    last_polled_at  INTEGER,
    last_success_at INTEGER,
    last_error      TEXT    NOT NULL DEFAULT '',
    last_error_at   INTEGER,
    articles_seen   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    guid         TEXT    NOT NULL UNIQUE,
    url          TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    summary      TEXT    NOT NULL DEFAULT '',
    countries    TEXT    NOT NULL DEFAULT '',          -- comma-separated codes; empty means regional
    published_at INTEGER NOT NULL,
    arrived_at   INTEGER NOT NULL,                     -- when Caravan learned of it: what "new" means
    updated_at   INTEGER NOT NULL,
    feed_id      INTEGER REFERENCES feeds (id) ON DELETE SET NULL
);
CREATE INDEX articles_arrived ON articles (arrived_at);

CREATE TABLE digest_runs (
    id            INTEGER PRIMARY KEY,
    frequency     TEXT    NOT NULL,
    slot          INTEGER NOT NULL,                    -- the scheduled time the run stands for
    cutoff        INTEGER NOT NULL,                    -- articles arrived up to here are in this run
    status        TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    owner         TEXT    NOT NULL DEFAULT '',
    heartbeat_at  INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    selected      INTEGER NOT NULL DEFAULT 0,
    sent          INTEGER NOT NULL DEFAULT 0,
    skipped_empty INTEGER NOT NULL DEFAULT 0,
    failed_temp   INTEGER NOT NULL DEFAULT 0,
    failed_perm   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (frequency, slot)
);

-- The ledger: one row per run and subscriber makes a digest go out at most once.
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES digest_runs (id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    status        TEXT    NOT NULL CHECK (status IN ('sent', 'empty', 'failed_temp', 'failed_perm')),
    message_id    TEXT    NOT NULL DEFAULT '',
    articles      INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    error         TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (run_id, subscriber_id)
);
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);

-- The durable mail queue for one-off messages (confirmations, re-consent):
-- the request records the mail, a sender loop delivers it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Counters per day for the stats endpoint; they survive erasure of the people behind them.
CREATE TABLE daily_counts (
    day   TEXT NOT NULL,                               -- YYYY-MM-DD, UTC
    event TEXT NOT NULL,                               -- signup, confirm, unsubscribe
    n     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, event)
);
