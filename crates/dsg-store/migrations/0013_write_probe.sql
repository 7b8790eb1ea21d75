-- One row the readiness check rewrites while the audit writer is failing:
-- a committed write is the only proof that the log can be written again
-- (a full volume fails at commit, not at BEGIN). It holds no data.
-- Portable SQL (SQLite and PostgreSQL).
CREATE TABLE write_probe (
    id INTEGER PRIMARY KEY,
    probed_at BIGINT NOT NULL
);
INSERT INTO write_probe (id, probed_at) VALUES (1, 0);
