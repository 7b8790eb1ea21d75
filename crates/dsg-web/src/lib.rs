//! The dsg gateway's web layer: HTTP API, web UI and TLS listeners over the
//! use cases of `dsg-app`.
//!
//! `http` and `ui` (axum) call `dsg_app::App`, which talks to the adapters
//! (`dsg-store`, `dsg-blob`, `dsg-crypto`, `dsg-policy`). The `runtime`
//! module wires them from the configuration; `tls` serves.
#![deny(missing_docs)]

pub mod http;
pub mod runtime;
pub mod tls;
pub mod ui;
