-- The editors' desk, PostgreSQL dialect of migrations/sqlite/0010_desk.sql.

CREATE TABLE editors (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_login_at BIGINT
);

CREATE TABLE editor_sessions (
    id_hash      TEXT    PRIMARY KEY,
    editor_id    BIGINT  NOT NULL REFERENCES editors (id) ON DELETE CASCADE,
    csrf         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE INDEX editor_sessions_expiry ON editor_sessions (expires_at);

CREATE TABLE signin_failures (
    id  BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT    NOT NULL,
    at  BIGINT  NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures (key, at);

CREATE TABLE audit_log (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT  NOT NULL,
    editor      TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL DEFAULT '',
    subject_key TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_subject ON audit_log (subject_key, at);
CREATE INDEX audit_log_at ON audit_log (at);

ALTER TABLE articles ADD COLUMN hidden_at BIGINT;
