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
use dsg_store::ports::{AlertRaising, AuditSink, LogFollowing, LogSequencing};

pub use gateway::{bootstrap_if_empty, BootstrapCredential, Gateway, KeyChecks, StartError};
pub use task::TaskHandle;

/// What the background tasks share: the application (its configuration,
/// clock and signing key), the ports of the store they read and write, and
/// randomness for salts and signatures.
#[derive(Clone)]
pub struct Context {
    /// The application.
    pub app: App,
    /// The store, as the tasks see it.
    pub ports: TaskPorts,
    /// Randomness (leaf salts, signatures).
    pub rng: Arc<dyn SecureRandom + Send + Sync>,
}

/// The store's ports the tasks use (`dsg_store::ports`): like a use case,
/// a task reaches only what its port offers, never the whole `Store`.
/// Cheap to clone.
#[derive(Clone)]
pub struct TaskPorts {
    /// The sequencer's leaves, checkpoints and its own entries.
    pub sequencing: Arc<dyn LogSequencing>,
    /// Followers of the sequenced log and their cursors.
    pub following: Arc<dyn LogFollowing>,
    /// Raising alerts from the log.
    pub alerts: Arc<dyn AlertRaising>,
    /// Standalone audit entries.
    pub audit_sink: Arc<dyn AuditSink>,
}

impl TaskPorts {
    /// Every port served by one store (the composition root's wiring).
    pub fn of<S>(store: S) -> Self
    where
        S: LogSequencing + LogFollowing + AlertRaising + AuditSink + 'static,
    {
        let store = Arc::new(store);
        Self {
            sequencing: store.clone(),
            following: store.clone(),
            alerts: store.clone(),
            audit_sink: store,
        }
    }
}
