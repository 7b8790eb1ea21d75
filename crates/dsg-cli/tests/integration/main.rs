//! Integration tests: each test starts the real `dsg` binary on a free port
//! with fresh directories (and, for the PostgreSQL variants, a throwaway
//! cluster) and speaks HTTPS to it, trusting the gateway's own CA.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

mod denials;
mod failclosed;
mod harness;
mod hygiene;
mod journey;
mod postgres;
mod startup;
mod uploads;
