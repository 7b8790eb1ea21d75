-- dsg foundation schema. Portable SQL: the same file runs on SQLite and
-- PostgreSQL. Ids are random UUIDs as text; times are Unix milliseconds;
-- flags are 0/1 integers; key material is wrapped (encrypted) and base64 text.

CREATE TABLE companies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('agency', 'contractor')),
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id),
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('operator', 'member')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'locked')),
    password_hash   TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX users_company ON users (company_id);

CREATE TABLE contracts (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id),
    number          TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    special_clause  BIGINT NOT NULL CHECK (special_clause IN (0, 1)),
    created_at      BIGINT NOT NULL
);
CREATE INDEX contracts_company ON contracts (company_id);

CREATE TABLE compartments (
    id              TEXT PRIMARY KEY,
    contract_id     TEXT NOT NULL UNIQUE REFERENCES contracts (id),
    wrapped_key     TEXT NOT NULL,
    key_version     BIGINT NOT NULL,
    quota_bytes     BIGINT NOT NULL,
    used_bytes      BIGINT NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
    created_at      BIGINT NOT NULL
);

CREATE TABLE handlers (
    contract_id     TEXT NOT NULL REFERENCES contracts (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    designated_by   TEXT NOT NULL REFERENCES users (id),
    designated_at   BIGINT NOT NULL,
    PRIMARY KEY (contract_id, user_id)
);
CREATE INDEX handlers_user ON handlers (user_id);

CREATE TABLE files (
    id              TEXT PRIMARY KEY,
    compartment_id  TEXT NOT NULL REFERENCES compartments (id),
    name            TEXT NOT NULL,
    current_version BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'disposal_candidate')),
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_by      TEXT REFERENCES users (id),
    deleted_at      BIGINT
);
CREATE INDEX files_compartment ON files (compartment_id);

CREATE TABLE file_versions (
    file_id         TEXT NOT NULL REFERENCES files (id),
    version         BIGINT NOT NULL,
    blob_key        TEXT NOT NULL UNIQUE,
    size_bytes      BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    wrapped_key     TEXT NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (file_id, version)
);

CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    csrf_token      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Append-only: the application has no UPDATE or DELETE for this table.
-- The hash chain over it comes with the tamper-evident log.
CREATE TABLE audit_events (
    id              TEXT PRIMARY KEY,
    occurred_at     BIGINT NOT NULL,
    request_id      TEXT NOT NULL,
    actor_user_id   TEXT,
    source_addr     TEXT,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT,
    outcome         TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
    reason          TEXT NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (occurred_at);
