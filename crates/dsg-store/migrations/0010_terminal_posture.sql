-- Terminal posture reports (端末の状態). Portable SQL (SQLite and
-- PostgreSQL), as 0001. posture_reported_at exists since 0004; the newest
-- report itself (JSON) and whether it met the measures are kept beside it.
ALTER TABLE terminals ADD COLUMN posture_compliant BIGINT;
ALTER TABLE terminals ADD COLUMN posture_report TEXT;
