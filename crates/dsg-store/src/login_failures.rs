//! Counting failed login steps: for the per-(account, source) backoff, the
//! lockout, and the notice an account owner gets about attempts on their
//! account.

use dsg_core::UserId;
use sqlx::{Any, Row};

use crate::{Store, StoreError};

/// The reason stored for an attempt refused by the per-(account, source)
/// backoff without looking at the password. Such refusals are shown to the
/// owner but do not count towards the backoff or the lockout, so waiting out
/// a delay is never punished further.
pub const THROTTLED_REASON: &str = "throttled";

/// Failed login steps of one account in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureCounts {
    /// How many.
    pub failures: i64,
    /// From how many distinct source addresses.
    pub sources: i64,
    /// The latest (Unix ms).
    pub last_at: Option<i64>,
}

fn counts(row: &sqlx::any::AnyRow) -> Result<FailureCounts, StoreError> {
    Ok(FailureCounts {
        failures: row.try_get("n")?,
        sources: row.try_get("sources")?,
        last_at: row.try_get("last_at")?,
    })
}

/// Failures counting towards backoff and lockout: in the window, after the
/// last complete login (a correct password alone does not reset the count,
/// so second factors cannot be guessed) and after the end of the last lockout.
macro_rules! counted_failures {
    ($rest:literal) => {
        concat!(
            "SELECT COUNT(*) AS n, COUNT(DISTINCT a.source_addr) AS sources, ",
            "MAX(a.at) AS last_at FROM login_attempts a WHERE a.user_id = $1 ",
            "AND a.outcome = 'failure' AND a.reason <> $2 AND a.at >= $3 ",
            "AND a.at > COALESCE((SELECT MAX(s.at) FROM login_attempts s ",
            "WHERE s.user_id = $1 AND s.outcome = 'success' AND s.factor <> 'password'), 0) ",
            "AND a.at >= COALESCE((SELECT u.locked_until FROM users u WHERE u.id = $1), 0)",
            $rest
        )
    };
}

impl Store {
    /// Counted failures of `user` at or after `since` (in the window, after
    /// the last complete login and the last lockout), from every source.
    pub async fn failure_counts(
        &self,
        user: UserId,
        since: i64,
    ) -> Result<FailureCounts, StoreError> {
        let row = sqlx::query::<Any>(counted_failures!(""))
            .bind(user.to_string())
            .bind(THROTTLED_REASON)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        counts(&row)
    }

    /// Counted failures of `user` from one source address ("" for requests
    /// without a known source) at or after `since`.
    pub async fn failure_counts_from(
        &self,
        user: UserId,
        source: &str,
        since: i64,
    ) -> Result<FailureCounts, StoreError> {
        let row = sqlx::query::<Any>(counted_failures!(" AND COALESCE(a.source_addr, '') = $4"))
            .bind(user.to_string())
            .bind(THROTTLED_REASON)
            .bind(since)
            .bind(source.to_owned())
            .fetch_one(&self.pool)
            .await?;
        counts(&row)
    }

    /// Every failed login step of `user` (throttled ones included) since the
    /// login before their latest complete one: what the owner is told about
    /// when they next sign in.
    pub async fn failures_since_previous_login(
        &self,
        user: UserId,
    ) -> Result<FailureCounts, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT COUNT(*) AS n, COUNT(DISTINCT a.source_addr) AS sources, \
             MAX(a.at) AS last_at FROM login_attempts a WHERE a.user_id = $1 \
             AND a.outcome = 'failure' AND a.at > COALESCE((SELECT s.at FROM login_attempts s \
                 WHERE s.user_id = $1 AND s.outcome = 'success' AND s.factor <> 'password' \
                 ORDER BY s.at DESC LIMIT 1 OFFSET 1), 0)",
        )
        .bind(user.to_string())
        .fetch_one(&self.pool)
        .await?;
        counts(&row)
    }
}
