-- The end of a contract (第6-7). A compartment keeps the last day of an
-- approved extension of keeping and when it was closed; closing destroys
-- its wrapped key (the column is emptied, as a destroyed data key is).
-- Requests about the end: the company's extension of keeping, decided by
-- the agency, and an agency person's proposal to close, approved by
-- another. Portable SQL.
ALTER TABLE compartments ADD COLUMN kept_until TEXT;
ALTER TABLE compartments ADD COLUMN closed_at BIGINT;

CREATE TABLE end_requests (
    id              TEXT PRIMARY KEY,
    compartment_id  TEXT NOT NULL REFERENCES compartments (id),
    kind            TEXT NOT NULL CHECK (kind IN ('extension', 'close')),
    requested_by    TEXT NOT NULL REFERENCES users (id),
    requested_at    BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    -- an extension: the last day asked for
    until_date      TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    decided_by      TEXT REFERENCES users (id),
    decided_at      BIGINT,
    decision_reason TEXT,
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX end_requests_compartment ON end_requests (compartment_id, requested_at);
