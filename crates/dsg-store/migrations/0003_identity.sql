-- Identity: enrolment, second factors, lockout, login history and richer
-- sessions. Portable SQL (SQLite and PostgreSQL), as 0001.

-- Account lifecycle. An account whose enrolled_at is NULL is pending: it may
-- only enrol its authenticators. Accounts created before this migration have
-- no second factor and therefore start pending.
ALTER TABLE users ADD COLUMN enrolled_at BIGINT;
ALTER TABLE users ADD COLUMN valid_until BIGINT;
ALTER TABLE users ADD COLUMN locked_until BIGINT;

-- WebAuthn credentials (passkeys / security keys with user verification).
-- `passkey` is the verifier's record (public key, counter) as JSON: no secret.
CREATE TABLE webauthn_credentials (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    credential_id   TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    passkey         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);

-- TOTP seeds, AES-256-GCM-sealed under the master key with the user id as
-- associated data; the last accepted time step refuses replays.
CREATE TABLE totp_secrets (
    user_id         TEXT PRIMARY KEY REFERENCES users (id),
    sealed_secret   TEXT NOT NULL,
    last_used_step  BIGINT,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT
);

-- One-time recovery codes, stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    user_id         TEXT NOT NULL REFERENCES users (id),
    code_hash       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    used_at         BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- One-time enrolment links, stored as token hashes.
CREATE TABLE enrolment_tokens (
    token_hash      TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX enrolment_tokens_user ON enrolment_tokens (user_id);

-- Every login step, for lockout windows, the user's login history and the
-- operators' failed-login trends. user_id is NULL for unknown login names.
CREATE TABLE login_attempts (
    id              TEXT PRIMARY KEY,
    user_id         TEXT REFERENCES users (id),
    source_addr     TEXT,
    user_agent      TEXT,
    at              BIGINT NOT NULL,
    factor          TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    reason          TEXT NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (user_id, at);
CREATE INDEX login_attempts_time ON login_attempts (at);

-- Authenticator resets need a second operator (requester ≠ approver).
CREATE TABLE authenticator_resets (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    requested_by    TEXT NOT NULL,
    requested_at    BIGINT NOT NULL,
    approved_by     TEXT,
    approved_at     BIGINT
);

-- Sessions gain the strength of their authentication, a public id for
-- listing and revoking, the device they came from and a pending WebAuthn
-- ceremony. Sessions from before this migration were password-only: drop them.
DROP TABLE sessions;
CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL REFERENCES users (id),
    csrf_token      TEXT NOT NULL,
    mfa             TEXT NOT NULL CHECK (mfa IN ('none', 'webauthn', 'totp', 'recovery')),
    created_at      BIGINT NOT NULL,
    authenticated_at BIGINT NOT NULL,
    step_up_at      BIGINT,
    last_seen_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    source_addr     TEXT,
    user_agent      TEXT,
    ceremony        TEXT,
    ceremony_expires_at BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id);
