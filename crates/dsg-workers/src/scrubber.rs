//! The background scrub: every `scrub.interval_hours`, every stored version
//! is read back and checked (see [`App::scrub`]), at most at
//! `scrub.bytes_per_second`. What it finds raises the `integrity` alert.

use std::time::Duration;

use dsg_app::App;

use crate::TaskHandle;

/// Starts the scrub task, or nothing when `scrub.interval_hours` is 0. The
/// first run comes one interval after start, so restarts do not add runs.
pub fn spawn(app: &App) -> Option<TaskHandle> {
    let hours = app.config().scrub.interval_hours;
    if hours == 0 {
        return None;
    }
    let every = Duration::from_secs(u64::from(hours) * 3600);
    let app = app.clone();
    Some(TaskHandle::spawn("scrub", move |mut stopped| async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = &mut stopped => break,
            }
            // A stop ends a run in the middle: each finding was committed
            // on its own, and the next run starts over.
            tokio::select! {
                outcome = app.scrub(false) => match outcome {
                    Ok(report) if report.newly_damaged > 0 => tracing::error!(
                        checked = report.checked,
                        damaged = report.newly_damaged,
                        "scrub found damaged file versions"
                    ),
                    Ok(report) => tracing::info!(
                        checked = report.checked,
                        unchecked = report.unchecked,
                        "scrub finished"
                    ),
                    Err(error) => tracing::error!(%error, "scrub failed"),
                },
                _ = &mut stopped => break,
            }
        }
    }))
}
