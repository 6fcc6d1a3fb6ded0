-- The readers' side: the confirmation reminder, breaking-news alerts.
-- PostgreSQL dialect of migrations/sqlite/0011_readers.sql.

-- When the one reminder of a pending signup went out; a new signup (a newer
-- consent_at) earns a new one.
ALTER TABLE subscribers ADD COLUMN reminded_at BIGINT;

-- 1: the reader also wants breaking-news alerts (frequency "immediate"), on
-- top of their daily or weekly digest.
ALTER TABLE subscribers ADD COLUMN alerts INTEGER NOT NULL DEFAULT 0;

-- 1: the article is breaking news, sent at once to the readers of alerts.
ALTER TABLE articles ADD COLUMN alert INTEGER NOT NULL DEFAULT 0;

CREATE INDEX subscribers_pending_consent ON subscribers (status, consent_at);
