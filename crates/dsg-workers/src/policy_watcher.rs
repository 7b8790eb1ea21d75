//! Policy versions approved on the host (`dsg admin policy-approve`) or by
//! another instance come into force within an interval.

use std::time::Duration;

use dsg_app::App;

use crate::TaskHandle;

/// Checks for a version activated elsewhere every `every` (see
/// [`App::reload_policy`]) until stopped.
pub fn spawn(app: &App, every: Duration) -> TaskHandle {
    let app = app.clone();
    TaskHandle::spawn("policy watcher", move |mut stopped| async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    if let Err(error) = app.reload_policy().await {
                        tracing::error!(%error, "cannot reload the policy version in force");
                    }
                }
                _ = &mut stopped => break,
            }
        }
    })
}
