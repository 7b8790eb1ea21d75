//! Login attempts: history, lockout after repeated failures, and the
//! per-source rate limit that stops password spraying.

use dsg_core::{AuditAction, Outcome, UserId};
use dsg_store::LoginAttempt;

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
            ("source", meta.source.clone()),
            Outcome::Denied,
            "rate_limited",
        );
        self.record(&record).await?;
        Err(AppError::RateLimited)
    }

    /// Records one login step (with its audit entry). A failure of a known
    /// account that reaches the threshold within the window locks it, in the
    /// same transaction.
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
            ("user", user.map(|u| u.to_string())),
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
        if let (false, Some(user)) = (success, user) {
            let window_start = now - i64::from(auth.lockout_window_minutes) * 60_000;
            let earlier = self.inner.store.recent_failures(user, window_start).await?;
            if earlier + 1 >= i64::from(auth.lockout_threshold) {
                let until = match auth.lockout_minutes {
                    0 => LOCKED_UNTIL_UNLOCKED,
                    minutes => now + i64::from(minutes) * 60_000,
                };
                let mut lockout = Self::audit(
                    meta,
                    &Caller::Anonymous,
                    AuditAction::AccountLockout,
                    ("user", Some(user.to_string())),
                    Outcome::Success,
                    format!(
                        "{} failures in {} min",
                        earlier + 1,
                        auth.lockout_window_minutes
                    ),
                );
                lockout.actor = Some(user.to_string());
                lock = Some((until, lockout));
            }
        }
        self.inner
            .store
            .record_login_attempt(&attempt, &record, lock.as_ref().map(|(u, r)| (*u, r)))
            .await?;
        Ok(())
    }
}
