-- Durable cursors of the audit forwarder (dsg-server app/audit_forward.rs),
-- which copies the tamper-evident log to places outside the operator's
-- reach: a checkpoint publication directory and a SIEM. Portable SQL
-- (SQLite and PostgreSQL), as 0001.
--
-- One row per sink; next_seq is the first position not yet delivered, so a
-- restart resumes there instead of losing or re-sending everything:
--   'checkpoint_dir'    the smallest checkpoint tree_size not yet published
--   'siem'              the leaf seq of the next entry to send
--   'siem_checkpoints'  the smallest checkpoint tree_size not yet sent
-- A cursor only moves forward (see Store::set_forwarding_cursor) and only
-- after the sink accepted what it covers: delivery is at least once.
CREATE TABLE audit_forwarding (
    sink        TEXT PRIMARY KEY,
    next_seq    BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
