//! The dsg gateway's web layer: HTTP API, web UI and TLS listeners over the
//! use cases of `dsg-app`.
//!
//! `http` and `ui` (axum) call `dsg_app::App`, which talks to the adapters
//! (`dsg-store`, `dsg-blob`, `dsg-crypto`, `dsg-policy`); `tls` makes the
//! listeners' TLS and serves. `dsg_workers::Gateway` assembles the
//! application and runs the background tasks around the listeners.
#![deny(missing_docs)]

pub mod http;
mod linger;
pub mod tls;
pub mod ui;

use dsg_crypto::SecretString;

/// The path of the enrolment page's link for `token` (`/enrol?token=…`),
/// shown once to whoever hands it to the new account's owner.
pub fn enrolment_path(token: &SecretString) -> SecretString {
    SecretString::new(format!("/enrol?token={}", token.expose()))
}
