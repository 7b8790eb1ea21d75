-- A file version whose stored blob failed an integrity check (a chunk's
-- tag, the SHA-256 of its plaintext, a missing or truncated blob) is marked
-- damaged, for operators, and never streamed again: a whole-file download
-- of it is refused before the first byte. The mark is set in the same
-- transaction as its `file.integrity_failure` audit entry.
-- Portable SQL (SQLite and PostgreSQL).
ALTER TABLE file_versions ADD COLUMN damaged_at BIGINT;
ALTER TABLE file_versions ADD COLUMN damage TEXT;
