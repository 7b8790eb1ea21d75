//! The alert watcher and its webhook. The rules themselves are pure and
//! live with the use cases (`dsg_app::alert_rules`).

mod watcher;
mod webhook;

pub use watcher::{spawn, CURSOR};
