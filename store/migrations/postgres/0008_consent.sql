-- Consent that no one else can undo.

-- The consent history: every signup, confirmation, change and departure, with
-- its channel. Rows are only ever added; erasing a person deletes theirs.
CREATE TABLE consent_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    event         TEXT    NOT NULL,                    -- signup, confirm, preferences, unsubscribe, resubscribe, import, bounce, complaint, reconsent
    at            BIGINT NOT NULL,
    channel       TEXT    NOT NULL DEFAULT '',         -- form, link, one-click, admin, import, bounce, complaint, ...
    source        TEXT    NOT NULL DEFAULT '',         -- page, article or list
    form_version  TEXT    NOT NULL DEFAULT '',
    ip            TEXT    NOT NULL DEFAULT ''          -- truncated
);
CREATE INDEX consent_events_subscriber ON consent_events (subscriber_id, id);

-- Signups waiting for their confirmation link. A signup never changes the
-- subscriber it names: its spelling and choices are taken when its own link
-- is confirmed. A sequence: an id in a link never names another signup.
CREATE TABLE signups (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL,                    -- as typed (normalized): the confirmation goes there
    countries     TEXT    NOT NULL DEFAULT '',
    frequency     TEXT    NOT NULL,
    locale        TEXT    NOT NULL,
    consent_method TEXT   NOT NULL DEFAULT '',
    consent_source TEXT   NOT NULL DEFAULT '',
    consent_text  TEXT    NOT NULL DEFAULT '',
    consent_ip    TEXT    NOT NULL DEFAULT '',
    consent_agent TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    reminded_at   BIGINT                                  -- the one reminder of this signup went out
);
CREATE INDEX signups_subscriber ON signups (subscriber_id);
CREATE INDEX signups_created ON signups (created_at);

-- Pending subscribers from before: their one signup, so that their links and
-- reminders work as everyone's.
INSERT INTO signups (subscriber_id, email, countries, frequency, locale, consent_method, consent_source,
    consent_text, consent_ip, consent_agent, created_at)
SELECT id, email, countries, frequency, locale, consent_method, consent_source, consent_text, consent_ip,
    consent_agent, consent_at FROM subscribers WHERE status = 'pending' ORDER BY id;

-- A confirmation mail or reminder names the signup it confirms; once the
-- signup is spent the mail stays in the subscriber's record.
ALTER TABLE outbox ADD COLUMN signup_id BIGINT REFERENCES signups (id) ON DELETE SET NULL;

-- Suppressions: who (while still on the list; NULL once erased), and when and
-- why an operator or the reader's own confirmation lifted one.
ALTER TABLE suppressions ADD COLUMN subscriber_id BIGINT;
ALTER TABLE suppressions ADD COLUMN lifted_at BIGINT;
ALTER TABLE suppressions ADD COLUMN lift_reason TEXT NOT NULL DEFAULT '';

-- Confirmation mails sent today per base mailbox (the local part before "+",
-- case-folded), kept as a salted hash like the suppressions.
CREATE TABLE confirm_caps (
    base  TEXT    PRIMARY KEY,
    day   BIGINT NOT NULL,
    sends BIGINT NOT NULL DEFAULT 0
);
