-- Applications between the agency, the service provider and a company
-- (申請), and the agency's software lists. Portable SQL (SQLite and
-- PostgreSQL), as 0001.
--
-- One row per application, whatever its type; the state is one of the
-- type's states (dsg-core software.rs for 'software'), changed only by the
-- workflow engine's transitions. due_on is the day (YYYY-MM-DD, in the
-- deployment's time zone) the next step is due, counted in working days;
-- closed_at is set when it reaches a final state (the inbox shows the rest).
CREATE TABLE applications (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('software')),
    company_id      TEXT NOT NULL REFERENCES companies (id),
    requested_by    TEXT NOT NULL REFERENCES users (id),
    state           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    submitted_at    BIGINT NOT NULL,
    due_on          TEXT,
    updated_at      BIGINT NOT NULL,
    closed_at       BIGINT
);
CREATE INDEX applications_company ON applications (company_id, submitted_at);
CREATE INDEX applications_open ON applications (closed_at, due_on);

-- The form of a software installation request (ソフトウェアインストール申請).
-- list_version: the software lists it was screened against.
CREATE TABLE software_requests (
    application_id  TEXT PRIMARY KEY REFERENCES applications (id),
    product         TEXT NOT NULL,
    product_version TEXT NOT NULL,
    vendor          TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    installation    TEXT NOT NULL CHECK (installation IN ('offline', 'online')),
    updates         TEXT NOT NULL CHECK (updates IN ('offline', 'online', 'none')),
    preinstalled    BIGINT NOT NULL CHECK (preinstalled IN (0, 1)),
    list_version    BIGINT NOT NULL
);

-- The timeline: one line per step taken (filing included), with its reason.
CREATE TABLE application_steps (
    application_id  TEXT NOT NULL REFERENCES applications (id),
    seq             BIGINT NOT NULL,
    action          TEXT NOT NULL,
    from_state      TEXT,
    to_state        TEXT NOT NULL,
    actor           TEXT NOT NULL REFERENCES users (id),
    reason          TEXT NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (application_id, seq)
);

-- The software lists (ホワイトリスト / ブラックリスト), versioned: each
-- change puts a whole new version in force; old versions stay as history.
-- Version 0 (no row) is the empty lists.
CREATE TABLE software_list_versions (
    version         BIGINT PRIMARY KEY,
    changed_by      TEXT NOT NULL REFERENCES users (id),
    changed_at      BIGINT NOT NULL,
    note            TEXT NOT NULL
);

CREATE TABLE software_list_entries (
    version         BIGINT NOT NULL REFERENCES software_list_versions (version),
    list            TEXT NOT NULL CHECK (list IN ('allowed', 'denied')),
    product         TEXT NOT NULL,
    vendor          TEXT NOT NULL,
    product_version TEXT NOT NULL,
    PRIMARY KEY (version, list, product, vendor, product_version)
);
