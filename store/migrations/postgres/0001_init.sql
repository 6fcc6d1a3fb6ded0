-- Caravan's schema, PostgreSQL dialect of migrations/sqlite/0001_init.sql: the
-- same tables, columns, constraints and indexes. Times are BIGINT unix
-- milliseconds (UTC), as on SQLite, so the same SQL reads the same on both.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- An identity never hands out a value twice, so a signed link never points at someone else.
CREATE TABLE subscribers (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email            TEXT    NOT NULL,
    email_key        TEXT    NOT NULL UNIQUE,          -- lower-cased address: one person, one row
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
    countries        TEXT    NOT NULL DEFAULT '',      -- comma-separated codes; empty means all
    frequency        TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    locale           TEXT    NOT NULL DEFAULT 'fr',
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    confirmed_at     BIGINT,
    unsubscribed_at  BIGINT,
    unsubscribe_channel TEXT NOT NULL DEFAULT '',
    digest_since     BIGINT,                           -- articles arrived after this are new for them
    consent_at       BIGINT  NOT NULL,
    consent_method   TEXT    NOT NULL,                 -- form, import, import-confirmed, api
    consent_source   TEXT    NOT NULL DEFAULT '',      -- page or article the form was on
    consent_text     TEXT    NOT NULL DEFAULT '',      -- version of the form text shown
    consent_ip       TEXT    NOT NULL DEFAULT '',      -- truncated: /24 or /48
    consent_agent    TEXT    NOT NULL DEFAULT '',
    confirm_day      BIGINT  NOT NULL DEFAULT 0,       -- day number of the confirmation mails counted below
    confirm_sends    BIGINT  NOT NULL DEFAULT 0,
    soft_bounces     BIGINT  NOT NULL DEFAULT 0,
    last_activity_at BIGINT  NOT NULL,                 -- confirmation, preference change: for re-consent
    reconsent_sent_at BIGINT
);
CREATE INDEX subscribers_digest ON subscribers (status, frequency, id);
CREATE INDEX subscribers_created ON subscribers (created_at);

-- Addresses that must never be mailed again, kept only as salted hashes.
CREATE TABLE suppressions (
    hash       TEXT PRIMARY KEY,
    reason     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);

CREATE TABLE feeds (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url             TEXT    NOT NULL UNIQUE,
    etag            TEXT    NOT NULL DEFAULT '',
    last_modified   TEXT    NOT NULL DEFAULT '',
    last_polled_at  BIGINT,
    last_success_at BIGINT,
    last_error      TEXT    NOT NULL DEFAULT '',
    last_error_at   BIGINT,
    articles_seen   BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE articles (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guid         TEXT    NOT NULL UNIQUE,
    url          TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    summary      TEXT    NOT NULL DEFAULT '',
    countries    TEXT    NOT NULL DEFAULT '',          -- comma-separated codes; empty means regional
    published_at BIGINT  NOT NULL,
    arrived_at   BIGINT  NOT NULL,                     -- when Caravan learned of it: what "new" means
    updated_at   BIGINT  NOT NULL,
    feed_id      BIGINT  REFERENCES feeds (id) ON DELETE SET NULL
);
CREATE INDEX articles_arrived ON articles (arrived_at);

CREATE TABLE digest_runs (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    frequency     TEXT    NOT NULL,
    slot          BIGINT  NOT NULL,                    -- the scheduled time the run stands for
    cutoff        BIGINT  NOT NULL,                    -- articles arrived up to here are in this run
    status        TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    owner         TEXT    NOT NULL DEFAULT '',
    heartbeat_at  BIGINT  NOT NULL,
    started_at    BIGINT  NOT NULL,
    finished_at   BIGINT,
    selected      BIGINT  NOT NULL DEFAULT 0,
    sent          BIGINT  NOT NULL DEFAULT 0,
    skipped_empty BIGINT  NOT NULL DEFAULT 0,
    failed_temp   BIGINT  NOT NULL DEFAULT 0,
    failed_perm   BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (frequency, slot)
);

-- The ledger: one row per run and subscriber makes a digest go out at most once.
CREATE TABLE deliveries (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id        BIGINT  NOT NULL REFERENCES digest_runs (id) ON DELETE CASCADE,
    subscriber_id BIGINT  NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    status        TEXT    NOT NULL CHECK (status IN ('sent', 'empty', 'failed_temp', 'failed_perm')),
    message_id    TEXT    NOT NULL DEFAULT '',
    articles      BIGINT  NOT NULL DEFAULT 0,
    attempts      BIGINT  NOT NULL DEFAULT 0,
    error         TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    UNIQUE (run_id, subscriber_id)
);
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);

-- The durable mail queue for one-off messages (confirmations, re-consent):
-- the request records the mail, a sender loop delivers it.
CREATE TABLE outbox (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT    NOT NULL,
    subscriber_id   BIGINT  NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Counters per day for the stats endpoint; they survive erasure of the people behind them.
CREATE TABLE daily_counts (
    day   TEXT   NOT NULL,                             -- YYYY-MM-DD, UTC
    event TEXT   NOT NULL,                             -- signup, confirm, unsubscribe
    n     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, event)
);
