-- The editors' desk: accounts, server-side sessions, sign-in throttling, the
-- audit log, and articles an editor hid from the digests.

CREATE TABLE editors (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL UNIQUE,             -- lower-cased address
    password_hash TEXT    NOT NULL,                    -- argon2id, PHC string format
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER
);

-- A session is kept by the SHA-256 of its cookie: a copy of the table signs no one in.
CREATE TABLE editor_sessions (
    id_hash      TEXT    PRIMARY KEY,
    editor_id    INTEGER NOT NULL REFERENCES editors (id) ON DELETE CASCADE,
    csrf         TEXT    NOT NULL,                     -- the token every form of the session carries
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX editor_sessions_expiry ON editor_sessions (expires_at);

-- Failed sign-ins, by client ("ip:...") and by account ("account:..."), for the rate limit.
CREATE TABLE signin_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures (key, at);

-- Who did what to whom, and when. subject_key finds a reader's lines; erasure
-- replaces both subject and subject_key with the address's salted hash.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    editor      TEXT    NOT NULL,                      -- the editor's address, or "cli"
    action      TEXT    NOT NULL,
    subject     TEXT    NOT NULL DEFAULT '',
    subject_key TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_subject ON audit_log (subject_key, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- An article an editor hid is never put in a digest.
ALTER TABLE articles ADD COLUMN hidden_at INTEGER;
