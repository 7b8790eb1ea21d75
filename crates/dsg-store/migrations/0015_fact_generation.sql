-- The generation of the facts the policy point reads on every request
-- (terminals, users, companies, contracts, compartments, handlers, duties,
-- rosters, training, policy versions). Every change that can alter one of
-- them increments it in the change's own transaction (`AuditedTx`), and
-- every request reads it, so a gateway may keep those facts in memory and
-- use them only while the generation it read them at is still current: a
-- quarantine, revocation or roster change made by any process takes effect
-- on the very next request. It holds no data.
-- Portable SQL (SQLite and PostgreSQL).
CREATE TABLE fact_generation (
    id INTEGER PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO fact_generation (id, generation) VALUES (1, 0);
