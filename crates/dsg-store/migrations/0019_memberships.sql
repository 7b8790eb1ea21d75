-- Membership applications (加入申請), and the service provider's duties.
-- Portable SQL (SQLite and PostgreSQL), as 0001.
--
-- Application types become rows rather than a CHECK on applications.kind,
-- so the next type is an INSERT: SQLite cannot alter a CHECK without
-- rebuilding the table, which is what happens here, once. The three
-- application tables are rebuilt under new names, copied, the old ones
-- dropped (children first, so nothing references them) and the new ones
-- renamed back: SQLite rewrites the references to the renamed tables, and
-- PostgreSQL keeps its references by identity.
CREATE TABLE application_kinds (
    name        TEXT PRIMARY KEY
);
INSERT INTO application_kinds (name) VALUES ('software');
INSERT INTO application_kinds (name) VALUES ('membership');

CREATE TABLE applications_v2 (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL REFERENCES application_kinds (name),
    company_id      TEXT NOT NULL REFERENCES companies (id),
    requested_by    TEXT NOT NULL REFERENCES users (id),
    state           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    submitted_at    BIGINT NOT NULL,
    due_on          TEXT,
    updated_at      BIGINT NOT NULL,
    closed_at       BIGINT
);
INSERT INTO applications_v2 (id, kind, company_id, requested_by, state, reason,
    submitted_at, due_on, updated_at, closed_at)
SELECT id, kind, company_id, requested_by, state, reason, submitted_at, due_on,
    updated_at, closed_at FROM applications;

CREATE TABLE software_requests_v2 (
    application_id  TEXT PRIMARY KEY REFERENCES applications_v2 (id),
    product         TEXT NOT NULL,
    product_version TEXT NOT NULL,
    vendor          TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    installation    TEXT NOT NULL CHECK (installation IN ('offline', 'online')),
    updates         TEXT NOT NULL CHECK (updates IN ('offline', 'online', 'none')),
    preinstalled    BIGINT NOT NULL CHECK (preinstalled IN (0, 1)),
    list_version    BIGINT NOT NULL
);
INSERT INTO software_requests_v2 (application_id, product, product_version, vendor,
    purpose, installation, updates, preinstalled, list_version)
SELECT application_id, product, product_version, vendor, purpose, installation,
    updates, preinstalled, list_version FROM software_requests;

CREATE TABLE application_steps_v2 (
    application_id  TEXT NOT NULL REFERENCES applications_v2 (id),
    seq             BIGINT NOT NULL,
    action          TEXT NOT NULL,
    from_state      TEXT,
    to_state        TEXT NOT NULL,
    actor           TEXT NOT NULL REFERENCES users (id),
    reason          TEXT NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (application_id, seq)
);
INSERT INTO application_steps_v2 (application_id, seq, action, from_state, to_state,
    actor, reason, at)
SELECT application_id, seq, action, from_state, to_state, actor, reason, at
FROM application_steps;

DROP TABLE application_steps;
DROP TABLE software_requests;
DROP TABLE applications;
ALTER TABLE applications_v2 RENAME TO applications;
ALTER TABLE software_requests_v2 RENAME TO software_requests;
ALTER TABLE application_steps_v2 RENAME TO application_steps;
CREATE INDEX applications_company ON applications (company_id, submitted_at);
CREATE INDEX applications_open ON applications (closed_at, due_on);

-- The form of a membership application (dsg-core membership.rs), and the
-- service provider the agency assigned when it accepted it (NULL before):
-- the provider's staff see only the memberships assigned to their
-- organisation.
CREATE TABLE memberships (
    application_id      TEXT PRIMARY KEY REFERENCES applications (id),
    provider_id         TEXT REFERENCES companies (id),
    company_name        TEXT NOT NULL,
    company_address     TEXT NOT NULL,
    site_name           TEXT NOT NULL,
    site_prefecture     TEXT NOT NULL,
    site_address        TEXT NOT NULL,
    contact             TEXT NOT NULL,
    contracts_evidence  TEXT NOT NULL,
    facility_evidence   TEXT NOT NULL,
    equipment_evidence  TEXT NOT NULL,
    location_evidence   TEXT NOT NULL,
    audit_result        TEXT NOT NULL,
    schedule_wish       TEXT NOT NULL
);
CREATE INDEX memberships_provider ON memberships (provider_id);

-- The schedule to completion: one line per step (①–⑦), generated on
-- filing in working days, adjusted by the agency (adjusted_by/at: the last
-- adjustment that set this line).
CREATE TABLE membership_schedule (
    application_id  TEXT NOT NULL REFERENCES applications (id),
    step            TEXT NOT NULL,
    owner           TEXT NOT NULL CHECK (owner IN ('agency', 'provider', 'company')),
    due_on          TEXT NOT NULL,
    adjusted_by     TEXT REFERENCES users (id),
    adjusted_at     BIGINT,
    PRIMARY KEY (application_id, step)
);

-- Membership-completion notices (加入完了通知書), numbered per year in the
-- order they are issued.
CREATE TABLE membership_notices (
    application_id  TEXT PRIMARY KEY REFERENCES applications (id),
    year            BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    issued_at       BIGINT NOT NULL,
    issued_by       TEXT NOT NULL REFERENCES users (id),
    UNIQUE (year, seq)
);

-- The service provider's duties (dsg-core entities.rs Duty).
INSERT INTO duties (name) VALUES ('site-survey');
INSERT INTO duties (name) VALUES ('terminal-setup');
