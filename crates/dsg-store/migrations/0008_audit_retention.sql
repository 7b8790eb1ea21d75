-- Retention of the audit log. Portable SQL (SQLite and PostgreSQL), as 0001.
-- At the end of its retention period an entry's content is dropped (the row
-- keeps its id, time and company; the other columns are blanked and its
-- decision record deleted) while its leaf hash stays, so the tree, every
-- checkpoint and every proof still verify. expired_at says when.
ALTER TABLE audit_leaves ADD COLUMN expired_at BIGINT;
