//! The alert watcher: a task that follows the sequenced log in leaf order,
//! asks the rules about each entry and stores what fires. Its position is
//! the `alerts` cursor of `audit_forwarding` (migration 0007), moved only
//! after the alerts of the entries before it are stored, so a crash
//! re-reads at most one batch (and re-reading links nothing twice: see
//! `Store::raise_alert`). Like the forwarder it only reads the log and
//! writes its own tables (alerts, its cursor), never in a request's path:
//! a failure here is logged and retried, and requests go on. It writes no
//! audit entry: an alert is derived from entries already in the log.

use crate::TaskHandle;
use std::time::Duration;

use dsg_store::{KeyColumn, NewAlert, Raised, StoredAuditEvent, WindowQuery};
use tokio::sync::oneshot;
use tokio::time::{timeout, Instant};

use dsg_app::alert_rules::{decide, Candidate, KeyKind, Rules, WindowFacts};
use dsg_app::config::ALERTS_MAX_THRESHOLD;
use dsg_app::AppError;

use super::webhook::{Webhook, WebhookAlert};
use crate::Context;

/// The watcher's cursor (`audit_forwarding.sink`).
pub const CURSOR: &str = "alerts";
/// How often it looks for newly sequenced entries (as often as the
/// sequencer makes them).
const TICK: Duration = Duration::from_millis(500);
/// Entries read at once.
const BATCH: i64 = 500;
/// Batches per tick, so a long backlog (the first start on an old log)
/// still lets shutdown in.
const BATCHES_PER_TICK: usize = 20;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Bound on the last pass at shutdown; the cursor keeps the rest.
const FINAL_PASS: Duration = Duration::from_secs(10);

/// Starts the alert watcher (every 500 ms); `None` when `[alerts]` is
/// disabled. Fails when the webhook's CA file cannot be read: alerts
/// that silently go nowhere would defeat their purpose.
///
/// At shutdown (after the sequencer's) it evaluates what is sequenced,
/// bounded in time.
pub fn spawn(ctx: &Context) -> Result<Option<TaskHandle>, AppError> {
    let config = ctx.app.config();
    if !config.alerts.enabled {
        return Ok(None);
    }
    let rules = Rules::new(&config.alerts, config.zero_trust.utc_offset_minutes)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let webhook = Webhook::new(&config.alerts, &config.rp_origin())?;
    let watcher = Watcher {
        ctx: ctx.clone(),
        rules,
        webhook,
        failures: 0,
        retry_at: None,
    };
    Ok(Some(TaskHandle::spawn("alert watcher", |stopped| {
        watcher.run(stopped)
    })))
}

struct Watcher {
    ctx: Context,
    rules: Rules,
    webhook: Option<Webhook>,
    failures: u32,
    retry_at: Option<Instant>,
}

impl Watcher {
    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if self.retry_at.is_none_or(|at| crate::forwarder::monotonic_now() >= at) {
                        self.step(BATCHES_PER_TICK).await;
                    }
                }
                _ = &mut stop => break,
            }
        }
        if timeout(FINAL_PASS, self.step(usize::MAX)).await.is_err() {
            tracing::warn!(
                "alert rules did not finish at shutdown; the rest runs after the next start"
            );
        }
    }

    /// Up to `max` batches; a failure is logged once per streak and
    /// retried with backoff.
    async fn step(&mut self, max: usize) {
        let mut outcome = Ok(());
        for _ in 0..max {
            match self.pass().await {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        match outcome {
            Ok(()) => {
                if self.failures > 0 {
                    tracing::info!(failures = self.failures, "alert rules recovered");
                }
                self.failures = 0;
                self.retry_at = None;
            }
            Err(e) => {
                if self.failures == 0 {
                    tracing::warn!(
                        error = %e,
                        "alert rules failed; retrying (logged again when they recover)"
                    );
                } else {
                    tracing::debug!(
                        error = %e,
                        failures = self.failures,
                        "alert rules failed again"
                    );
                }
                self.failures = self.failures.saturating_add(1);
                let backoff = TICK
                    .saturating_mul(1u32 << self.failures.min(6))
                    .min(MAX_BACKOFF);
                self.retry_at = Some(crate::forwarder::monotonic_now() + backoff);
            }
        }
    }

    /// Evaluates the next batch. Returns whether there may be more. The
    /// cursor moves past every entry whose alerts are stored, even when a
    /// later one fails, so a retry starts at the failing entry.
    async fn pass(&mut self) -> Result<bool, AppError> {
        let store = &self.ctx.ports.following;
        let next = store.forwarding_cursor(CURSOR).await?;
        let batch = store.sequenced_events_from(next, BATCH).await?;
        let mut done = None;
        let mut failure = None;
        for entry in &batch {
            if let Err(e) = self.evaluate(&entry.event).await {
                failure = Some(e);
                break;
            }
            done = Some(entry.seq + 1);
        }
        if let Some(next) = done {
            store
                .set_forwarding_cursor(CURSOR, next, self.ctx.app.now())
                .await?;
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(batch.len() as i64 == BATCH),
        }
    }

    /// The rules' verdict on one entry, stored.
    async fn evaluate(&self, entry: &StoredAuditEvent) -> Result<(), AppError> {
        for candidate in self.rules.candidates(entry) {
            let Some(entries) = self.judge(&candidate, entry).await? else {
                continue;
            };
            let new = NewAlert {
                rule: candidate.rule.as_str(),
                key: &candidate.key,
                key_kind: candidate.kind.as_str(),
                severity: candidate.severity,
                entries: &entries,
                period_from: candidate.period_from,
            };
            let raised = self
                .ctx
                .ports
                .alerts
                .raise_alert(&new, self.ctx.app.now())
                .await?;
            if let Raised::Opened(alert) = raised {
                tracing::info!(alert = %alert.id, rule = %alert.rule, severity = alert.severity.as_str(),
                    key = %alert.key, entries = alert.entry_count, "alert raised");
                if let Some(webhook) = &self.webhook {
                    webhook.send(WebhookAlert::of(&alert), self.ctx.app.now());
                }
            }
        }
        Ok(())
    }

    /// Fetches what a counting rule needs and asks [`decide`].
    async fn judge(
        &self,
        candidate: &Candidate,
        entry: &StoredAuditEvent,
    ) -> Result<Option<Vec<(String, i64)>>, AppError> {
        let store = &self.ctx.ports.alerts;
        let rule = candidate.rule.as_str();
        let window = match candidate.window {
            None => Vec::new(),
            Some(_) if store.active_alert(rule, &candidate.key).await?.is_some() => {
                let facts = WindowFacts {
                    active_alert: true,
                    window: &[],
                };
                return Ok(decide(&self.rules, candidate, entry, &facts));
            }
            Some(w) => {
                let query = WindowQuery {
                    rule,
                    column: match candidate.kind {
                        KeyKind::User => KeyColumn::Actor,
                        KeyKind::Source => KeyColumn::Source,
                        KeyKind::Object => KeyColumn::Object,
                    },
                    key: &candidate.key,
                    actions: w.actions,
                    from_ms: entry.occurred_at - w.window_ms + 1,
                    until_ms: entry.occurred_at,
                    // Rows of other outcomes share the window: room for them.
                    limit: i64::from(ALERTS_MAX_THRESHOLD) * 4,
                };
                store.alert_window(&query).await?
            }
        };
        let facts = WindowFacts {
            active_alert: false,
            window: &window,
        };
        Ok(decide(&self.rules, candidate, entry, &facts))
    }
}
