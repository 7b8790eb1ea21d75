-- The compliance view (第4–第14 requirement by requirement). Portable SQL
-- (SQLite and PostgreSQL), as 0001.

-- What the gateway cannot see, attested by a named person: the requirement
-- (an id of the catalogue), the day attested and the last day it holds in
-- the clear, as the evidence rules read them; the person's name and the
-- document reference sealed by the gateway like the roster (purpose
-- `compliance-attestation`, owner the attestation's id).
CREATE TABLE compliance_attestations (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id),
    requirement     TEXT NOT NULL,
    attested_on     TEXT NOT NULL,
    valid_until     TEXT NOT NULL,
    details_sealed  TEXT NOT NULL,
    recorded_by     TEXT NOT NULL REFERENCES users (id),
    recorded_at     BIGINT NOT NULL,
    CHECK (valid_until >= attested_on)
);
CREATE INDEX compliance_attestations_company ON compliance_attestations (company_id, requirement);

-- The view's history: one snapshot of every status per company and day
-- (the deployment's day), with the catalogue version it was evaluated
-- against. statuses is JSON: {"4-1": "met", …}.
CREATE TABLE compliance_snapshots (
    company_id          TEXT NOT NULL REFERENCES companies (id),
    day                 TEXT NOT NULL,
    catalogue_version   TEXT NOT NULL,
    statuses            TEXT NOT NULL,
    taken_at            BIGINT NOT NULL,
    PRIMARY KEY (company_id, day)
);

-- The disposal rule reads the files still marked for disposal on every view.
CREATE INDEX files_status ON files (status, compartment_id);
