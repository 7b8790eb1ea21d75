-- Change requests after membership (変更申請: layout change, move, site
-- closure, company name, contacts) and the disposal of the data of the
-- terminals a closure revokes, with its performer and a separate checker.
-- Portable SQL (SQLite and PostgreSQL), as 0001.
INSERT INTO application_kinds (name) VALUES ('change');

-- The form of a change request (dsg-core membership_change.rs).
CREATE TABLE membership_changes (
    application_id  TEXT PRIMARY KEY REFERENCES applications (id),
    change_kind     TEXT NOT NULL CHECK (change_kind IN
                        ('layout', 'move', 'closure', 'company_name', 'contacts')),
    site            TEXT NOT NULL,
    new_name        TEXT NOT NULL,
    details         TEXT NOT NULL
);

-- One row per terminal a completed closure revoked: the disposal of its
-- data, performed by one person and checked by another.
CREATE TABLE change_disposals (
    application_id  TEXT NOT NULL REFERENCES applications (id),
    terminal_id     TEXT NOT NULL REFERENCES terminals (id),
    opened_at       BIGINT NOT NULL,
    performed_by    TEXT REFERENCES users (id),
    performed_at    BIGINT,
    checked_by      TEXT REFERENCES users (id),
    checked_at      BIGINT,
    PRIMARY KEY (application_id, terminal_id),
    CHECK (checked_by IS NULL OR (performed_by IS NOT NULL AND checked_by <> performed_by))
);
