-- Policy versions and decision records. Portable SQL (SQLite and
-- PostgreSQL), as 0001.

-- Every version of the Cedar policy set. Exactly one is "active"; a proposal
-- is "proposed" until another operator approves it ("active", the former
-- one becomes "retired") or someone rejects it ("rejected"). Nothing is
-- deleted: a rollback activates a copy of an earlier version. origin is
-- "shipped" (the policies of this dsg release), "proposed" (an operator's
-- text) or "rollback". digest is the SHA-256 (hex) of the text.
CREATE TABLE policy_versions (
    version         BIGINT PRIMARY KEY,
    policies        TEXT NOT NULL,
    digest          TEXT NOT NULL,
    status          TEXT NOT NULL,
    origin          TEXT NOT NULL,
    summary         TEXT NOT NULL,
    based_on        BIGINT,
    proposed_by     TEXT REFERENCES users (id),
    proposed_at     BIGINT NOT NULL,
    decided_by      TEXT,
    decided_at      BIGINT,
    activated_at    BIGINT
);
CREATE UNIQUE INDEX policy_versions_one_active ON policy_versions (status)
    WHERE status = 'active';

-- What a recorded policy decision was made on (the request and its entity
-- slice, JSON), kept with the audit entry it justifies. The entry's
-- decision_digest (SHA-256 of slice, in the tamper-evident leaf) makes the
-- record tamper-evident too.
CREATE TABLE decision_records (
    event_id        TEXT PRIMARY KEY REFERENCES audit_events (id),
    policy_version  BIGINT NOT NULL,
    allowed         BIGINT NOT NULL,
    slice           TEXT NOT NULL
);

ALTER TABLE audit_events ADD COLUMN decision_digest TEXT;
