-- Alerts raised by the analysis rules over the audit log (dsg-server
-- app/alerts/). Portable SQL (SQLite and PostgreSQL), as 0001.
--
-- An alert is one (rule, key) — e.g. failed logins of one account, a burst
-- of downloads by one user — with the entries that made it. While it is not
-- closed, new matching entries attach to it (entry_count, last_at) instead
-- of opening another; the partial unique index holds that even when two
-- gateways share the database. The watcher's position in the log is the
-- 'alerts' row of audit_forwarding (0007).
--   status: open → acknowledged → closed (or open → closed directly).
--   alert_key: a user id or a source address; key_kind says which.
CREATE TABLE alerts (
    id                  TEXT PRIMARY KEY,
    rule                TEXT NOT NULL,
    alert_key           TEXT NOT NULL,
    key_kind            TEXT NOT NULL CHECK (key_kind IN ('user', 'source')),
    severity            TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
    status              TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'closed')),
    first_at            BIGINT NOT NULL,
    last_at             BIGINT NOT NULL,
    entry_count         BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    acknowledged_by     TEXT REFERENCES users (id),
    acknowledged_at     BIGINT,
    acknowledge_note    TEXT,
    closed_by           TEXT REFERENCES users (id),
    closed_at           BIGINT,
    close_note          TEXT
);
CREATE UNIQUE INDEX alerts_one_active ON alerts (rule, alert_key) WHERE status <> 'closed';
CREATE INDEX alerts_status ON alerts (status, last_at);

-- The entries of each alert. An entry belongs to at most one alert of a
-- rule (the store checks it), so a re-run after a crash attaches nothing twice.
CREATE TABLE alert_entries (
    alert_id    TEXT NOT NULL REFERENCES alerts (id),
    event_id    TEXT NOT NULL REFERENCES audit_events (id),
    PRIMARY KEY (alert_id, event_id)
);
CREATE INDEX alert_entries_event ON alert_entries (event_id);
