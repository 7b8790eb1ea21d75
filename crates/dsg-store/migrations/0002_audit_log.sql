-- The tamper-evident log over audit_events. Portable SQL (SQLite and
-- PostgreSQL). Hashes, salts and keys are lowercase hex text.

-- One leaf per sequenced audit event; seq is the leaf index (0, 1, 2, …,
-- contiguous). leaf_hash = SHA-256(0x00 ‖ salt ‖ canonical entry).
CREATE TABLE audit_leaves (
    seq         BIGINT PRIMARY KEY,
    event_id    TEXT NOT NULL UNIQUE REFERENCES audit_events (id),
    salt        TEXT NOT NULL,
    leaf_hash   TEXT NOT NULL
);

-- Signed statements "the first tree_size leaves have this root".
CREATE TABLE audit_checkpoints (
    tree_size       BIGINT PRIMARY KEY,
    root            TEXT NOT NULL,
    timestamp_ms    BIGINT NOT NULL,
    signed          TEXT NOT NULL
);

-- The checkpoint signing key (ECDSA P-256): PKCS#8 sealed under the master
-- key, and the public key (uncompressed SEC1 point).
CREATE TABLE audit_keys (
    id                      TEXT PRIMARY KEY,
    wrapped_private_key     TEXT NOT NULL,
    public_key              TEXT NOT NULL,
    created_at              BIGINT NOT NULL
);
