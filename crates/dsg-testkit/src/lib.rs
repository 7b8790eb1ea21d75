//! What dsg's tests share (a dev-dependency only): the real-binary gateway
//! harness ([`gateway`]), the shared test world ([`world`]), one
//! controllable clock ([`clock`]), a throwaway PostgreSQL cluster
//! ([`postgres`]), an S3 test server ([`s3_server`]) and a SoftHSM2 token
//! ([`softhsm`]).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice,
    reason = "a test kit: a step that goes wrong fails the test that took it"
)]
#![allow(
    clippy::disallowed_methods,
    reason = "the kit paces and times real servers with the machine's clocks"
)]

pub mod clock;
pub mod gateway;
pub mod postgres;
pub mod s3_server;
pub mod softhsm;
pub mod world;

pub use clock::TestClock;
pub use gateway::{Client, Db, Gateway, TerminalCert};
pub use world::{world, World};
