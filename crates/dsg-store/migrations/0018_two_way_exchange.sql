-- Two-way exchange: the agency's own staff designated on a contract
-- (agency participants: 契約担当官等, programme engineers) reach its
-- compartment beside the contractor's handlers; every file records which
-- way it travelled, and a provided file what becomes of it at the
-- contract's end. Portable SQL (SQLite and PostgreSQL).
CREATE TABLE agency_participants (
    contract_id     TEXT NOT NULL REFERENCES contracts (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    designated_by   TEXT NOT NULL REFERENCES users (id),
    designated_at   BIGINT NOT NULL,
    PRIMARY KEY (contract_id, user_id)
);
CREATE INDEX agency_participants_user ON agency_participants (user_id);

-- direction: 'provided' (agency → company) or 'submitted' (company →
-- agency), from the organisation of whoever put the file there. Until now
-- only a contract's handlers could, so existing files are submitted;
-- the update covers any row an agency account created all the same.
ALTER TABLE files ADD COLUMN direction TEXT NOT NULL DEFAULT 'submitted'
    CHECK (direction IN ('provided', 'submitted'));
UPDATE files SET direction = 'provided' WHERE created_by IN (
    SELECT u.id FROM users u JOIN companies c ON c.id = u.company_id
    WHERE c.kind = 'agency');
-- end_instruction: on a provided file, 'return' or 'destroy' at the
-- contract's end (第6-7); empty when none was given.
ALTER TABLE files ADD COLUMN end_instruction TEXT
    CHECK (end_instruction IN ('return', 'destroy'));

-- Disposal (第6-6) of a file marked for it: recorded by who performed it
-- (method, place, time), then confirmed by a checker who is another person
-- (the policy point decides it; the CHECK holds it in the database too).
-- On confirmation, in the same transaction, the versions' data keys are
-- destroyed (key_destroyed_at set, wrapped_key emptied) and their bytes
-- leave the quota; the blobs are deleted after the commit, and the orphan
-- sweep removes any a failure left behind (a blob whose key is destroyed is
-- no longer in use).
CREATE TABLE disposals (
    id              TEXT PRIMARY KEY,
    compartment_id  TEXT NOT NULL REFERENCES compartments (id),
    file_id         TEXT NOT NULL UNIQUE REFERENCES files (id),
    method          TEXT NOT NULL CHECK (method IN
                        ('crypto_shred', 'shredding', 'physical_destruction', 'wipe')),
    place           TEXT NOT NULL,
    performed_by    TEXT NOT NULL REFERENCES users (id),
    performed_at    BIGINT NOT NULL,
    checked_by      TEXT REFERENCES users (id),
    checked_at      BIGINT,
    CHECK (checked_by IS NULL OR checked_by <> performed_by)
);
CREATE INDEX disposals_compartment ON disposals (compartment_id);
ALTER TABLE file_versions ADD COLUMN key_destroyed_at BIGINT;
