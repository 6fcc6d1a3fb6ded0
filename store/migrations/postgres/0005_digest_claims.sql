-- Shared digest runs: several processes on one database (PostgreSQL) send one
-- run together. Each takes subscribers in batches; a claim is a lease that its
-- process renews while it lives, and that any other takes over once expired.
-- A claim whose subscriber has a ledger entry for the run is spent.
CREATE TABLE digest_claims (
    run_id        BIGINT NOT NULL REFERENCES digest_runs (id) ON DELETE CASCADE,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    owner         TEXT   NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (run_id, subscriber_id)
);
CREATE INDEX digest_claims_owner ON digest_claims (run_id, owner);
