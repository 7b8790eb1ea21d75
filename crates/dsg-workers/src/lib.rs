//! dsg's long-running work and lifecycle: the audit sequencer, the
//! forwarder (checkpoint publication, SIEM), the alert watcher and its
//! webhook, the policy watcher, the scrub, retention; and [`Gateway`], which opens the
//! adapters, assembles the application and owns the start and stop order
//! of these tasks around the listeners (`Gateway::run`).
//!
//! Nothing here answers a request: a failure in a task is logged and
//! retried, and requests go on.
#![deny(missing_docs)]

pub mod alerts;
pub mod forwarder;
pub mod gateway;
mod log_consistency;
pub mod policy_watcher;
pub mod scrubber;
pub mod sequencer;
mod task;

use std::sync::Arc;

use dsg_app::App;
use dsg_crypto::SecureRandom;
use dsg_store::Store;

pub use gateway::{bootstrap_if_empty, BootstrapCredential, Gateway, KeyChecks, StartError};
pub use task::TaskHandle;

/// What the background tasks share: the application (its configuration,
/// clock and signing key), the store they read and write, and randomness
/// for salts and signatures.
#[derive(Clone)]
pub struct Context {
    /// The application.
    pub app: App,
    /// The metadata store.
    pub store: Store,
    /// Randomness (leaf salts, signatures).
    pub rng: Arc<dyn SecureRandom + Send + Sync>,
}
