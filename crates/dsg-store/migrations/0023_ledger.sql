-- The inventory of protected information (目録, 第6-2): one item per piece
-- of it (a file version in a compartment, a copy of one on a terminal, a
-- paper document or removable medium entered by hand) and its events from
-- receipt to disposal. The gateway writes its own events in the same
-- transaction as the action (upload, download, confirmed disposal). Free
-- text (a hand-entered item's title; an event's recipient, container,
-- place, department, note) is sealed under the compartment's key before it
-- gets here: the standard asks for the inventory to be kept encrypted, and
-- destroying the compartment key destroys it with the data. Portable SQL.
CREATE TABLE ledger_items (
    id              TEXT PRIMARY KEY,
    compartment_id  TEXT NOT NULL REFERENCES compartments (id),
    kind            TEXT NOT NULL CHECK (kind IN ('file_version', 'copy', 'paper', 'medium')),
    -- a file version, and the version a copy was made of
    file_id         TEXT REFERENCES files (id),
    version         BIGINT,
    -- a copy: the item it was made from
    parent_id       TEXT REFERENCES ledger_items (id),
    title_sealed    TEXT NOT NULL DEFAULT '',
    -- who holds it (a copy: who downloaded it) and on which terminal
    holder          TEXT REFERENCES users (id),
    terminal_id     TEXT,
    state           TEXT NOT NULL CHECK (state IN ('held', 'out', 'closing', 'closed')),
    -- who recorded its return or disposal, and the other person who checked it
    closing_by      TEXT REFERENCES users (id),
    checked_by      TEXT REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    closed_at       BIGINT,
    CHECK (checked_by IS NULL OR (checked_by <> closing_by
        AND (holder IS NULL OR checked_by <> holder)))
);
CREATE INDEX ledger_items_compartment ON ledger_items (compartment_id, created_at);
CREATE INDEX ledger_items_file ON ledger_items (file_id, version);

CREATE TABLE ledger_events (
    id              TEXT PRIMARY KEY,
    item_id         TEXT NOT NULL REFERENCES ledger_items (id),
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('receipt', 'creation', 'copy', 'permission',
                        'carry_out', 'sending', 'return', 'submission', 'disposal', 'check')),
    actor           TEXT REFERENCES users (id),
    terminal_id     TEXT,
    site            TEXT,
    at              BIGINT NOT NULL,
    -- carrying out and sending: how, and the permission it rests on; a
    -- permission: how, who may act on it, and the act that used it
    method          TEXT CHECK (method IN ('hand_delivery', 'registered_mail')),
    permission_id   TEXT REFERENCES ledger_events (id),
    permitted_user  TEXT REFERENCES users (id),
    permits         TEXT CHECK (permits IN ('carry_out', 'sending')),
    used_by         TEXT,
    details_sealed  TEXT NOT NULL DEFAULT '',
    UNIQUE (item_id, seq)
);
