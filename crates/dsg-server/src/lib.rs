//! The dsg gateway: HTTP API and web UI over the application's use cases.
//!
//! Layers: `http` and `ui` (axum) call `app` (use cases), which talks to the
//! adapters (`dsg-store`, `dsg-blob`, `dsg-crypto`, `dsg-policy`). The
//! `runtime` module wires them from the configuration; `tls` serves.
#![deny(missing_docs)]

pub mod app;
pub mod clock;
pub mod config;
pub mod http;
pub mod runtime;
pub mod tls;
pub mod ui;

pub use app::App;
pub use config::Config;
