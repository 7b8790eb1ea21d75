-- Help-desk tickets (ヘルプデスク): an application kind whose form is the
-- ticket, whose thread is the application's timeline (each step's reason is
-- its message) and whose service-level clocks are kept here. A ticket may
-- link to a compartment file by id; the file's content never enters it.
-- Portable SQL (SQLite and PostgreSQL), as 0001.
INSERT INTO application_kinds (name) VALUES ('ticket');

CREATE TABLE tickets (
    application_id         TEXT PRIMARY KEY REFERENCES applications (id),
    category               TEXT NOT NULL,
    priority               TEXT NOT NULL,
    subject                TEXT NOT NULL,
    body                   TEXT NOT NULL,
    provider_id            TEXT REFERENCES companies (id),
    linked_compartment_id  TEXT REFERENCES compartments (id),
    linked_file_id         TEXT REFERENCES files (id),
    first_response_due_at  BIGINT NOT NULL,
    resolution_due_at      BIGINT NOT NULL,
    first_response_at      BIGINT,
    resolved_at            BIGINT,
    CHECK ((linked_compartment_id IS NULL) = (linked_file_id IS NULL))
);
