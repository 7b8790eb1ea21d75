-- The company's security roles (第5-2(3): 経営者等, 総括者, 管理者,
-- 管理責任者, 保護システム管理者 / 担当者, 監査部門) and the protected-system
-- users' written consent (第5-2(2)ア). Portable SQL (SQLite and PostgreSQL),
-- as 0001. What a designation says beyond its role (unit, asset, audited
-- unit) and a consent's details are sealed by the gateway before they get
-- here, like the roster (0011).

-- One row per designation; a withdrawn one keeps its row (revoked_at set).
-- outside_audited_unit is 1 for an audit member from outside the unit they
-- audit: the policy point counts them (at least one is required, 第13).
CREATE TABLE company_roles (
    id                   TEXT PRIMARY KEY,
    company_id           TEXT NOT NULL REFERENCES companies (id),
    user_id              TEXT NOT NULL REFERENCES users (id),
    role                 TEXT NOT NULL CHECK (role IN ('executive', 'general-manager',
                             'manager', 'responsible-manager', 'system-admin',
                             'system-staff', 'audit')),
    outside_audited_unit INTEGER NOT NULL DEFAULT 0 CHECK (outside_audited_unit IN (0, 1)),
    details_sealed       TEXT NOT NULL,
    designated_by        TEXT NOT NULL REFERENCES users (id),
    designated_at        BIGINT NOT NULL,
    revoked_by           TEXT REFERENCES users (id),
    revoked_at           BIGINT
);
CREATE INDEX company_roles_company ON company_roles (company_id, revoked_at);
CREATE INDEX company_roles_user ON company_roles (user_id, revoked_at);

-- One line per protected-system user (保護システム利用者名簿): their written
-- consent, recorded by the company's system administrator; withdrawn when
-- they no longer use the system. Recording it again replaces the line.
CREATE TABLE system_use_consents (
    user_id         TEXT PRIMARY KEY REFERENCES users (id),
    company_id      TEXT NOT NULL REFERENCES companies (id),
    status          TEXT NOT NULL CHECK (status IN ('consented', 'withdrawn')),
    signed_on       TEXT NOT NULL,
    details_sealed  TEXT NOT NULL,
    recorded_by     TEXT NOT NULL REFERENCES users (id),
    recorded_at     BIGINT NOT NULL,
    withdrawn_by    TEXT REFERENCES users (id),
    withdrawn_at    BIGINT
);
CREATE INDEX system_use_consents_company ON system_use_consents (company_id);
