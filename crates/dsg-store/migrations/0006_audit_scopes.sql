-- Who may read which part of the log, and which company each entry
-- concerns. Portable SQL (SQLite and PostgreSQL), as 0001.

-- Duties (職務) held on top of a user's role. The names are rows rather than
-- a CHECK so a later release can add one with an INSERT (SQLite cannot
-- alter a CHECK constraint without rebuilding the table).
--   auditor:        agency staff who audit (契約担当官等 / 監査): read the
--                   whole log, decision records and registers; change nothing.
--   security-admin: a contractor's protected-system administrator
--                   (保護システム管理者): reads their own company's log and
--                   takes its verifiable extract.
CREATE TABLE duties (
    name        TEXT PRIMARY KEY
);
INSERT INTO duties (name) VALUES ('auditor');
INSERT INTO duties (name) VALUES ('security-admin');

CREATE TABLE user_duties (
    user_id     TEXT NOT NULL REFERENCES users (id),
    duty        TEXT NOT NULL REFERENCES duties (name),
    granted_by  TEXT REFERENCES users (id),
    granted_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, duty)
);

-- The contractor an entry concerns (NULL: the agency's own business). Set
-- by the store when the entry is written (audit.rs), never by callers, so
-- no code path can forget it. Entries of one company form its sub-log,
-- whose signed heads are entries of the main log.
ALTER TABLE audit_events ADD COLUMN company_id TEXT REFERENCES companies (id);
CREATE INDEX audit_events_company ON audit_events (company_id, occurred_at);
CREATE INDEX audit_events_action ON audit_events (action, occurred_at);
