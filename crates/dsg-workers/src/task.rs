//! The gateway's background tasks over the audit log (sequencer, forwarder,
//! alert watcher): each runs until told to stop, then finishes its last pass
//! (sign the final checkpoint, forward it, evaluate it), and `serve` stops
//! them in that order before the store closes.

use std::future::Future;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running background task.
pub struct TaskHandle {
    name: &'static str,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl TaskHandle {
    /// Spawns `run`, which receives the stop signal.
    pub(crate) fn spawn<F, Fut>(name: &'static str, run: F) -> Self
    where
        F: FnOnce(oneshot::Receiver<()>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(stopped));
        Self { name, stop, task }
    }

    /// Tells the task to stop, and waits while it finishes its last pass.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, task = self.name, "background task failed");
        }
    }
}
