-- Terminal and removable-media requests (端末登録・撤去申請, 可搬記憶媒体
-- 登録・撤去申請), the media list they feed, and the disposal of a removed
-- terminal's data. Portable SQL (SQLite and PostgreSQL), as 0001.
INSERT INTO application_kinds (name) VALUES ('terminal');
INSERT INTO application_kinds (name) VALUES ('media');

-- The form of a terminal request (dsg-core requests.rs). terminal_id: the
-- terminal to remove, or the one registered on approval with its
-- certificate (public; the company installs it with its own key).
CREATE TABLE terminal_requests (
    application_id  TEXT PRIMARY KEY REFERENCES applications (id),
    operation       TEXT NOT NULL CHECK (operation IN ('register', 'remove')),
    serial          TEXT NOT NULL,
    site            TEXT NOT NULL,
    model           TEXT NOT NULL,
    csr_pem         TEXT NOT NULL,
    terminal_id     TEXT,
    reason          TEXT NOT NULL,
    cert_serial     TEXT,
    certificate_pem TEXT
);

-- The form of a media request; its permitted users in their own table.
CREATE TABLE media_requests (
    application_id  TEXT PRIMARY KEY REFERENCES applications (id),
    operation       TEXT NOT NULL CHECK (operation IN ('register', 'remove')),
    media_id        TEXT NOT NULL,
    media_type      TEXT,
    capacity_mb     BIGINT NOT NULL,
    purpose         TEXT NOT NULL,
    reason          TEXT NOT NULL
);

CREATE TABLE media_request_users (
    application_id  TEXT NOT NULL REFERENCES applications (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (application_id, user_id)
);

-- The media list (可搬記憶媒体一覧) of each company, written only by an
-- approved request: a registration lists a medium, a removal closes it with
-- its reason. The standard's records read it.
CREATE TABLE removable_media (
    company_id      TEXT NOT NULL REFERENCES companies (id),
    media_id        TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    capacity_mb     BIGINT NOT NULL,
    purpose         TEXT NOT NULL,
    registered_by   TEXT NOT NULL REFERENCES applications (id),
    registered_at   BIGINT NOT NULL,
    removed_by      TEXT REFERENCES applications (id),
    removed_at      BIGINT,
    removal_reason  TEXT,
    PRIMARY KEY (company_id, media_id)
);

CREATE TABLE removable_media_users (
    company_id      TEXT NOT NULL,
    media_id        TEXT NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (company_id, media_id, user_id),
    FOREIGN KEY (company_id, media_id) REFERENCES removable_media (company_id, media_id)
);

-- The disposal of a removed terminal's data (第6-6): opened when the
-- removal is approved, performed by one person and checked by another.
CREATE TABLE terminal_disposals (
    application_id  TEXT PRIMARY KEY REFERENCES applications (id),
    terminal_id     TEXT NOT NULL REFERENCES terminals (id),
    opened_at       BIGINT NOT NULL,
    performed_by    TEXT REFERENCES users (id),
    performed_at    BIGINT,
    checked_by      TEXT REFERENCES users (id),
    checked_at      BIGINT,
    CHECK (checked_by IS NULL OR (performed_by IS NOT NULL AND checked_by <> performed_by))
);
CREATE INDEX applications_kind_open ON applications (closed_at, kind, due_on);
