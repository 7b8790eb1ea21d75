-- The handler roster (取扱者名簿) and security training records (教育記録).
-- Portable SQL (SQLite and PostgreSQL), as 0001. The personal details of a
-- roster line and a training's notes are sealed by the gateway (AES-256-GCM
-- under the master key, bound to the person) before they get here: the
-- standard asks for these records to be kept encrypted.

-- One line per person: entered (or changed) by their company, confirmed by
-- the agency. A change puts it back to 'submitted'.
CREATE TABLE roster_entries (
    user_id         TEXT PRIMARY KEY REFERENCES users (id),
    company_id      TEXT NOT NULL REFERENCES companies (id),
    status          TEXT NOT NULL CHECK (status IN ('submitted', 'confirmed', 'removed')),
    details_sealed  TEXT NOT NULL,
    submitted_by    TEXT NOT NULL REFERENCES users (id),
    submitted_at    BIGINT NOT NULL,
    confirmed_by    TEXT REFERENCES users (id),
    confirmed_at    BIGINT,
    removed_by      TEXT REFERENCES users (id),
    removed_at      BIGINT
);
CREATE INDEX roster_entries_company ON roster_entries (company_id);

CREATE TABLE training_records (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    company_id      TEXT NOT NULL REFERENCES companies (id),
    course          TEXT NOT NULL CHECK (course IN ('annual', 'designation', 'change', 'role')),
    completed_on    TEXT NOT NULL,
    completed_at    BIGINT NOT NULL,
    notes_sealed    TEXT NOT NULL,
    recorded_by     TEXT NOT NULL REFERENCES users (id),
    recorded_at     BIGINT NOT NULL
);
CREATE INDEX training_records_user ON training_records (user_id, completed_at);
CREATE INDEX training_records_company ON training_records (company_id, completed_at);
