-- A session's CSRF token is no longer stored: it is derived from the session
-- token (HMAC-SHA-256 keyed with it), which the browser presents on every
-- request and the database keeps only hashed. A copy of the database then
-- holds neither. Open sessions keep working: their token is derived the same
-- way from the cookie they already have (pages fetch it afresh).
-- Portable SQL (SQLite 3.35+ and PostgreSQL).
ALTER TABLE sessions DROP COLUMN csrf_token;
