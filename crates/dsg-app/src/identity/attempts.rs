//! Login attempts: history, the per-(account, source) backoff, lockout
//! after repeated failures, and the per-source rate limit that stops
//! password spraying.
//!
//! Why the backoff comes first: a lockout that anyone can trigger with a
//! user id is a way to keep a handler out. One source guessing at one
//! account is slowed down (growing delays) rather than locking it; the hard
//! lock needs `lockout_threshold` failures from at least two sources, or
//! twice that many from one. Failures refused by the backoff do not count.

use dsg_core::{AuditAction, AuditObject, Outcome, UserId};
use dsg_store::{FailureCounts, LoginAttempt, THROTTLED_REASON};

use super::super::{App, AppError, Caller, RequestMeta};

/// A lockout "until an operator unlocks" is stored as the far future.
pub(super) const LOCKED_UNTIL_UNLOCKED: i64 = i64::MAX;

impl App {
    /// Refuses the request when its source address has used up its login
    /// attempts for now. Requests without a known source share one budget.
    pub(super) async fn check_login_rate(&self, meta: &RequestMeta) -> Result<(), AppError> {
        let key = meta.source.clone().unwrap_or_default();
        if self.inner.login_limiter.check_key(&key).is_ok() {
            return Ok(());
        }
        let record = Self::audit(
            meta,
            &Caller::Anonymous,
            AuditAction::Login,
            AuditObject::Source(meta.source.clone()),
            Outcome::Denied,
            "rate_limited",
        );
        self.record(&record).await?;
        Err(AppError::RateLimited)
    }

    /// Whether `user`'s attempts from the request's source must wait: after
    /// `throttle_after_failures` counted failures from that source within the
    /// window, the next attempt is checked only `throttle_delay_seconds`
    /// (doubling per further failure, at most the window) after the last.
    pub(super) async fn login_throttled(
        &self,
        meta: &RequestMeta,
        user: UserId,
    ) -> Result<bool, AppError> {
        let auth = &self.inner.config.auth;
        let now = self.now();
        let window_ms = i64::from(auth.lockout_window_minutes) * 60_000;
        let source = meta.source.as_deref().unwrap_or("");
        let from_source = self
            .inner
            .credentials
            .failure_counts_from(user, source, now - window_ms)
            .await?;
        let beyond = from_source.failures - i64::from(auth.throttle_after_failures);
        let Some(last_at) = from_source.last_at.filter(|_| beyond >= 0) else {
            return Ok(false);
        };
        let doublings = u32::try_from(beyond).unwrap_or(u32::MAX).min(30);
        let delay_ms = (i64::from(auth.throttle_delay_seconds) * 1000)
            .saturating_mul(1_i64 << doublings)
            .min(window_ms);
        Ok(now < last_at.saturating_add(delay_ms))
    }

    /// Whether counted failures `all` (this one included) lock the account:
    /// the threshold from two or more sources, or twice it from one.
    fn locks(&self, all: FailureCounts) -> bool {
        let threshold = i64::from(self.inner.config.auth.lockout_threshold);
        all.failures >= threshold && (all.sources >= 2 || all.failures >= threshold * 2)
    }

    /// Records one login step (with its audit entry). A counted failure of a
    /// known account that reaches the lockout (see [`App::locks`]) locks it,
    /// in the same transaction.
    pub(super) async fn record_attempt(
        &self,
        meta: &RequestMeta,
        user: Option<UserId>,
        factor: &'static str,
        success: bool,
        reason: &str,
    ) -> Result<(), AppError> {
        let now = self.now();
        let auth = &self.inner.config.auth;
        let attempt = LoginAttempt {
            user_id: user,
            source_addr: meta.source.clone(),
            user_agent: meta.user_agent.clone(),
            at: now,
            factor,
            success,
            reason: reason.to_owned(),
        };
        let action = if factor == "password" {
            AuditAction::Login
        } else {
            AuditAction::SecondFactor
        };
        let mut record = Self::audit(
            meta,
            &Caller::Anonymous,
            action,
            user.map_or(AuditObject::UnknownUser, AuditObject::User),
            if success {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            if reason.is_empty() {
                factor.to_owned()
            } else {
                format!("{factor}:{reason}")
            },
        );
        record.actor = user.map(|u| u.to_string());
        let mut lock = None;
        let counted = !success && reason != THROTTLED_REASON;
        if let (true, Some(user)) = (counted, user) {
            let window_start = now - i64::from(auth.lockout_window_minutes) * 60_000;
            let earlier = self
                .inner
                .credentials
                .failure_counts(user, window_start)
                .await?;
            let source = meta.source.as_deref().unwrap_or("");
            let new_source = self
                .inner
                .credentials
                .failure_counts_from(user, source, window_start)
                .await?
                .failures
                == 0;
            let with_this = FailureCounts {
                failures: earlier.failures + 1,
                sources: (earlier.sources + i64::from(new_source)).max(1),
                last_at: Some(now),
            };
            if self.locks(with_this) {
                let until = match auth.lockout_minutes {
                    0 => LOCKED_UNTIL_UNLOCKED,
                    minutes => now + i64::from(minutes) * 60_000,
                };
                let mut lockout = Self::audit(
                    meta,
                    &Caller::Anonymous,
                    AuditAction::AccountLockout,
                    AuditObject::User(user),
                    Outcome::Success,
                    format!(
                        "{} failures from {} sources in {} min",
                        with_this.failures, with_this.sources, auth.lockout_window_minutes
                    ),
                );
                lockout.actor = Some(user.to_string());
                lock = Some((until, lockout));
            }
        }
        self.inner
            .credentials
            .record_login_attempt(&attempt, &record, lock.as_ref().map(|(u, r)| (*u, r)))
            .await?;
        Ok(())
    }
}
