//! Integration tests: each test starts the real `dsg` binary on a free port
//! with fresh directories (and, for the PostgreSQL variants, a throwaway
//! cluster) and speaks HTTPS to it, trusting the gateway's own CA.
#![allow(
    clippy::string_slice,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "tests pace and time real servers with the machine's clocks"
)]

mod access_review;
mod alerts;
mod applications;
mod audit_expiry;
mod audit_forwarding;
mod audit_insider;
mod audit_log;
mod audit_proofs;
mod audit_scopes;
mod audit_tamper;
mod backup;
mod changes;
mod compliance;
mod crash;
mod denial_admin;
mod denial_requests;
mod denials;
mod durability;
mod error_shape;
mod exchange;
mod failclosed;
mod fresh_facts;
mod hardening;
mod harness;
mod helpdesk;
mod hygiene;
mod id_probes;
mod identity;
mod integrity;
mod journey;
mod keys;
mod ledger;
mod lockout;
mod logs;
mod memberships;
mod offers;
mod policies;
mod postgres;
mod posture;
mod proxy;
mod ranges;
mod records;
mod records_roles;
mod records_roles_pages;
mod requests;
mod retention_sql;
mod s3;
mod schema_fuzz;
mod sealed_names;
mod startup;
mod storage;
mod terminals;
mod training_topics;
mod uploads;
