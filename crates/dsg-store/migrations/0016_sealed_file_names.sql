-- File names are protected information themselves (a project's or a
-- system's name), so they are sealed like the contents: AES-256-GCM under
-- the compartment key, bound to the compartment and the file
-- (`name_sealed`, base64), with a keyed hash of the NFC name
-- (`name_hash`: HMAC-SHA-256 under a key derived from the compartment key)
-- for "one active file per name" without the name. The gateway seals the
-- names of existing rows at start (it alone holds the keys) and empties
-- `name` in the same transaction; the column stays, empty, because the
-- conversion needs it after this migration has run.
-- Portable SQL (SQLite and PostgreSQL).
ALTER TABLE files ADD COLUMN name_sealed TEXT;
ALTER TABLE files ADD COLUMN name_hash TEXT;
CREATE UNIQUE INDEX files_active_name ON files (compartment_id, name_hash)
    WHERE status = 'active';
