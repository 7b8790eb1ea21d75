-- Zero trust: registered terminals and their client certificates, the
-- terminal CA, and the terminal in audit entries and sessions. Portable SQL
-- (SQLite and PostgreSQL), as 0001.

-- The terminal certificate authority: its certificate, and its ECDSA P-256
-- key as PKCS#8 sealed (AES-256-GCM) under the master key. One row.
CREATE TABLE terminal_ca (
    id                      TEXT PRIMARY KEY,
    cert_pem                TEXT NOT NULL,
    wrapped_private_key     TEXT NOT NULL,
    created_at              BIGINT NOT NULL
);

-- A terminal (端末) registered to a company. status is "active",
-- "quarantined" (isolated, e.g. suspected infection; reversible) or
-- "revoked" (final). cert_fingerprint is the SHA-256 (lowercase hex) of the
-- DER certificate in force; the gateway finds the terminal of a connection by
-- it on every request.
CREATE TABLE terminals (
    id                  TEXT PRIMARY KEY,
    company_id          TEXT NOT NULL REFERENCES companies (id),
    name                TEXT NOT NULL,
    site                TEXT NOT NULL,
    serial              TEXT NOT NULL,
    status              TEXT NOT NULL,
    status_reason       TEXT NOT NULL,
    status_changed_at   BIGINT NOT NULL,
    cert_fingerprint    TEXT UNIQUE,
    cert_serial         TEXT,
    cert_not_after      BIGINT,
    registered_at       BIGINT NOT NULL,
    registered_by       TEXT REFERENCES users (id),
    last_seen_at        BIGINT,
    posture_reported_at BIGINT,
    UNIQUE (company_id, serial)
);
CREATE INDEX terminals_company ON terminals (company_id);

-- The terminal a request came from, when it presented a certificate.
ALTER TABLE audit_events ADD COLUMN terminal_id TEXT;

-- The certificate a session was created with: a session is usable only from
-- the same certificate ("" when created without one).
ALTER TABLE sessions ADD COLUMN terminal_fingerprint TEXT;
