//! Authenticators, enrolment, lockout and login history. Every change that
//! affects who can sign in writes its audit entry in the same transaction.

use dsg_core::{AccountStatus, AuditRecord, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::audited::AuditedTx;
use crate::{rows, sessions, Store, StoreError};

/// A registered WebAuthn credential.
#[derive(Debug, Clone)]
pub struct WebauthnCredentialRow {
    /// Our id for it (shown, used to remove it).
    pub id: String,
    /// Its owner.
    pub user_id: UserId,
    /// The authenticator's credential id, base64url.
    pub credential_id: String,
    /// The name the user gave it.
    pub name: String,
    /// The verifier's record (public key, counter), serialised.
    pub passkey: String,
    /// Registered (Unix ms).
    pub created_at: i64,
    /// Last used to sign in (Unix ms).
    pub last_used_at: Option<i64>,
}

/// A stored TOTP seed.
#[derive(Debug, Clone)]
pub struct TotpRow {
    /// The sealed seed (base64).
    pub sealed_secret: String,
    /// The last accepted time step.
    pub last_used_step: Option<u64>,
    /// Enrolled (Unix ms).
    pub created_at: i64,
    /// Last used (Unix ms).
    pub last_used_at: Option<i64>,
}

/// One login step, for lockout, history and trends.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    /// The account, when the login name was known.
    pub user_id: Option<UserId>,
    /// Client address.
    pub source_addr: Option<String>,
    /// Browser (truncated User-Agent).
    pub user_agent: Option<String>,
    /// When (Unix ms).
    pub at: i64,
    /// `password`, `webauthn`, `totp`, `recovery`.
    pub factor: &'static str,
    /// Whether it succeeded.
    pub success: bool,
    /// A stable reason code.
    pub reason: String,
}

/// A pending or approved authenticator reset.
#[derive(Debug, Clone)]
pub struct ResetRow {
    /// Its id.
    pub id: String,
    /// Whose authenticators.
    pub user_id: UserId,
    /// The operator who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: i64,
    /// The second operator, once approved.
    pub approved_by: Option<String>,
}

/// A new authenticator, stored at once with what comes with it.
#[derive(Debug, Clone)]
pub struct NewAuthenticator {
    /// A passkey…
    pub credential: Option<WebauthnCredentialRow>,
    /// …or a sealed TOTP seed with the time step its confirming code used.
    pub totp: Option<(String, u64)>,
    /// Fresh recovery codes (hashes), replacing any earlier ones.
    pub recovery_hashes: Option<Vec<String>>,
}

fn credential(r: &AnyRow) -> Result<WebauthnCredentialRow, StoreError> {
    Ok(WebauthnCredentialRow {
        id: r.try_get("id")?,
        user_id: rows::id(r, "user_id")?,
        credential_id: r.try_get("credential_id")?,
        name: r.try_get("name")?,
        passkey: r.try_get("passkey")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

async fn insert_credential(
    tx: &mut AuditedTx,
    c: &WebauthnCredentialRow,
) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "INSERT INTO webauthn_credentials (id, user_id, credential_id, name, passkey, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.id.clone())
    .bind(c.user_id.to_string())
    .bind(c.credential_id.clone())
    .bind(c.name.clone())
    .bind(c.passkey.clone())
    .bind(c.created_at)
    .execute(&mut **tx)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict("credential"),
        other => other,
    })?;
    Ok(())
}

async fn replace_recovery(
    tx: &mut AuditedTx,
    user: UserId,
    hashes: &[String],
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query::<Any>("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut **tx)
        .await?;
    for hash in hashes {
        sqlx::query::<Any>(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user.to_string())
        .bind(hash.clone())
        .bind(now_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn upsert_totp(
    tx: &mut AuditedTx,
    user: UserId,
    sealed: &str,
    used_step: u64,
    now_ms: i64,
) -> Result<(), StoreError> {
    let used_step =
        i64::try_from(used_step).map_err(|_| StoreError::Corrupt("totp step".into()))?;
    sqlx::query::<Any>("DELETE FROM totp_secrets WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query::<Any>(
        "INSERT INTO totp_secrets (user_id, sealed_secret, last_used_step, created_at, \
         last_used_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(user.to_string())
    .bind(sealed.to_owned())
    .bind(used_step)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Issues a one-time enrolment link for `user`; earlier links stop working.
    pub async fn issue_enrolment_token(
        &self,
        user: UserId,
        token_hash: &str,
        now_ms: i64,
        expires_at: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>("DELETE FROM enrolment_tokens WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query::<Any>(
            "INSERT INTO enrolment_tokens (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash.to_owned())
        .bind(user.to_string())
        .bind(now_ms)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// The account an unexpired enrolment link belongs to.
    pub async fn enrolment_token_user(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<UserId>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT user_id FROM enrolment_tokens WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash.to_owned())
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(|r| rows::id(r, "user_id")).transpose()
    }

    /// Sets the account's password. Every session but `keep` ends.
    pub async fn set_password(
        &self,
        user: UserId,
        phc: &str,
        keep: Option<&str>,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(phc.to_owned())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sessions::delete_for_user(&mut tx, user, keep).await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Stores a new authenticator. A pending account becomes enrolled and
    /// its enrolment links stop working. Sessions other than `keep` end.
    pub async fn add_authenticator(
        &self,
        user: UserId,
        new: &NewAuthenticator,
        keep: Option<&str>,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        if let Some(c) = &new.credential {
            insert_credential(&mut tx, c).await?;
        }
        if let Some((sealed, step)) = &new.totp {
            upsert_totp(&mut tx, user, sealed, *step, now_ms).await?;
        }
        if let Some(hashes) = &new.recovery_hashes {
            replace_recovery(&mut tx, user, hashes, now_ms).await?;
        }
        sqlx::query::<Any>(
            "UPDATE users SET enrolled_at = $1 WHERE id = $2 AND enrolled_at IS NULL",
        )
        .bind(now_ms)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query::<Any>("DELETE FROM enrolment_tokens WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sessions::delete_for_user(&mut tx, user, keep).await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Removes the user's TOTP seed; sessions other than `keep` end.
    pub async fn remove_totp(
        &self,
        user: UserId,
        keep: Option<&str>,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>("DELETE FROM totp_secrets WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sessions::delete_for_user(&mut tx, user, keep).await?;
        tx.commit(now_ms, audit).await?;
        Ok(true)
    }

    /// A user's passkeys, oldest first.
    pub async fn credentials_of(
        &self,
        user: UserId,
    ) -> Result<Vec<WebauthnCredentialRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT id, user_id, credential_id, name, passkey, created_at, last_used_at \
             FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, credential)
    }

    /// Stores the verifier's updated record (counter) after a login.
    pub async fn credential_used(
        &self,
        credential_id: &str,
        passkey: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query::<Any>(
                "UPDATE webauthn_credentials SET passkey = $1, last_used_at = $2 \
             WHERE credential_id = $3",
            )
            .bind(passkey.to_owned())
            .bind(now_ms)
            .bind(credential_id.to_owned()),
        )
        .await?;
        Ok(())
    }

    /// Removes one of `user`'s passkeys; sessions other than `keep` end.
    /// Returns whether it existed.
    pub async fn remove_credential(
        &self,
        user: UserId,
        id: &str,
        keep: Option<&str>,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        let done =
            sqlx::query::<Any>("DELETE FROM webauthn_credentials WHERE user_id = $1 AND id = $2")
                .bind(user.to_string())
                .bind(id.to_owned())
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sessions::delete_for_user(&mut tx, user, keep).await?;
        tx.commit(now_ms, audit).await?;
        Ok(true)
    }

    /// The user's TOTP seed, if enrolled.
    pub async fn totp(&self, user: UserId) -> Result<Option<TotpRow>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT sealed_secret, last_used_step, created_at, last_used_at \
             FROM totp_secrets WHERE user_id = $1",
        )
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let step: Option<i64> = r.try_get("last_used_step")?;
            Ok(TotpRow {
                sealed_secret: r.try_get("sealed_secret")?,
                last_used_step: step.and_then(|s| u64::try_from(s).ok()),
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
            })
        })
        .transpose()
    }

    /// Claims a TOTP time step. Returns false when that step (or a later
    /// one) was already used: the atomic compare refuses replays even when
    /// two logins race.
    pub async fn claim_totp_step(
        &self,
        user: UserId,
        step: u64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let step = i64::try_from(step).map_err(|_| StoreError::Corrupt("totp step".into()))?;
        let done = self
            .write_one(
                sqlx::query::<Any>(
                    "UPDATE totp_secrets SET last_used_step = $1, last_used_at = $2 \
             WHERE user_id = $3 AND (last_used_step IS NULL OR last_used_step < $1)",
                )
                .bind(step)
                .bind(now_ms)
                .bind(user.to_string()),
            )
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Uses a recovery code once. Returns false if it is unknown or used.
    pub async fn claim_recovery_code(
        &self,
        user: UserId,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = self
            .write_one(
                sqlx::query::<Any>(
                    "UPDATE recovery_codes SET used_at = $1 \
             WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
                )
                .bind(now_ms)
                .bind(user.to_string())
                .bind(code_hash.to_owned()),
            )
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How many unused recovery codes the user has.
    pub async fn recovery_codes_left(&self, user: UserId) -> Result<i64, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Replaces the user's recovery codes.
    pub async fn replace_recovery_codes(
        &self,
        user: UserId,
        hashes: &[String],
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        replace_recovery(&mut tx, user, hashes, now_ms).await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Records a login step with its audit entry. When `lock` is given the
    /// account locks in the same transaction (with the lockout's own audit
    /// entry), ending its sessions except those that survive a lockout.
    pub async fn record_login_attempt(
        &self,
        attempt: &LoginAttempt,
        audit_record: &AuditRecord,
        lock: Option<(i64, &AuditRecord)>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO login_attempts (id, user_id, source_addr, user_agent, at, factor, \
             outcome, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(attempt.user_id.map(|u| u.to_string()))
        .bind(attempt.source_addr.clone())
        .bind(attempt.user_agent.clone())
        .bind(attempt.at)
        .bind(attempt.factor)
        .bind(if attempt.success {
            "success"
        } else {
            "failure"
        })
        .bind(attempt.reason.clone())
        .execute(&mut *tx)
        .await?;
        let mut locked = None;
        if let (Some((until, lock_audit)), Some(user)) = (lock, attempt.user_id) {
            sqlx::query::<Any>("UPDATE users SET locked_until = $1 WHERE id = $2")
                .bind(until)
                .bind(user.to_string())
                .execute(&mut *tx)
                .await?;
            // Sessions that finished a full login on a registered terminal
            // stay: failed guesses elsewhere must not sign a handler out.
            sessions::delete_unbound_for_user(&mut tx, user).await?;
            locked = Some(lock_audit);
        }
        tx.commit_with(attempt.at, audit_record, locked).await?;
        Ok(())
    }

    /// Failed login steps of `user` at or after `since` that count towards
    /// the lockout (see [`Store::failure_counts`]).
    pub async fn recent_failures(&self, user: UserId, since: i64) -> Result<i64, StoreError> {
        Ok(self.failure_counts(user, since).await?.failures)
    }

    /// A user's login history, newest first.
    pub async fn login_history(
        &self,
        user: UserId,
        limit: i64,
    ) -> Result<Vec<LoginAttempt>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT user_id, source_addr, user_agent, at, factor, outcome, reason \
             FROM login_attempts WHERE user_id = $1 ORDER BY at DESC, id LIMIT $2",
        )
        .bind(user.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, attempt)
    }

    /// Failed login steps per day (UTC, `YYYY-MM-DD`) since `since`, with
    /// how many distinct accounts and addresses they came from.
    pub async fn failed_login_trend(
        &self,
        since: i64,
    ) -> Result<Vec<(i64, i64, i64, i64)>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT (at / 86400000) AS day, COUNT(*) AS n, COUNT(DISTINCT user_id) AS users, \
             COUNT(DISTINCT source_addr) AS sources FROM login_attempts \
             WHERE outcome = 'failure' AND at >= $1 GROUP BY (at / 86400000) ORDER BY day",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("day")?,
                    r.try_get("n")?,
                    r.try_get("users")?,
                    r.try_get("sources")?,
                ))
            })
            .collect()
    }

    /// Sets an account's stored status and clears or sets its lockout. A
    /// status other than active ends all its sessions in the same transaction.
    pub async fn set_account_status(
        &self,
        user: UserId,
        status: AccountStatus,
        locked_until: Option<i64>,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done =
            sqlx::query::<Any>("UPDATE users SET status = $1, locked_until = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(locked_until)
                .bind(user.to_string())
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        if status != AccountStatus::Active {
            sessions::delete_for_user(&mut tx, user, None).await?;
        }
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Records an operator's request to reset a user's authenticators.
    pub async fn request_reset(
        &self,
        reset: &ResetRow,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO authenticator_resets (id, user_id, requested_by, requested_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(reset.id.clone())
        .bind(reset.user_id.to_string())
        .bind(reset.requested_by.clone())
        .bind(reset.requested_at)
        .execute(&mut *tx)
        .await?;
        tx.commit(reset.requested_at, audit).await?;
        Ok(())
    }

    /// Resets not yet approved, oldest first.
    pub async fn pending_resets(&self) -> Result<Vec<ResetRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT id, user_id, requested_by, requested_at, approved_by \
             FROM authenticator_resets WHERE approved_by IS NULL ORDER BY requested_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, reset)
    }

    /// One reset request.
    pub async fn reset_request(&self, id: &str) -> Result<Option<ResetRow>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT id, user_id, requested_by, requested_at, approved_by \
             FROM authenticator_resets WHERE id = $1",
        )
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(reset).transpose()
    }

    /// Approves a reset and carries it out: every authenticator, recovery
    /// code, password and session of the account goes, the account returns
    /// to pending enrolment, and a new enrolment link is issued.
    pub async fn approve_reset(
        &self,
        id: &str,
        approver: &str,
        enrolment_token_hash: &str,
        token_expires_at: i64,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<UserId, StoreError> {
        let mut tx = self.begin_audited().await?;
        let row = sqlx::query::<Any>(
            "SELECT id, user_id, requested_by, requested_at, approved_by \
             FROM authenticator_resets WHERE id = $1 AND approved_by IS NULL",
        )
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        let request = row
            .as_ref()
            .map(reset)
            .transpose()?
            .ok_or(StoreError::NotFound("reset"))?;
        sqlx::query::<Any>(
            "UPDATE authenticator_resets SET approved_by = $1, approved_at = $2 WHERE id = $3",
        )
        .bind(approver.to_owned())
        .bind(now_ms)
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        let user = request.user_id.to_string();
        for sql in [
            "DELETE FROM webauthn_credentials WHERE user_id = $1",
            "DELETE FROM totp_secrets WHERE user_id = $1",
            "DELETE FROM recovery_codes WHERE user_id = $1",
            "DELETE FROM enrolment_tokens WHERE user_id = $1",
            "UPDATE users SET enrolled_at = NULL, password_hash = '', locked_until = NULL \
             WHERE id = $1",
        ] {
            sqlx::query::<Any>(sql)
                .bind(user.clone())
                .execute(&mut *tx)
                .await?;
        }
        sessions::delete_for_user(&mut tx, request.user_id, None).await?;
        sqlx::query::<Any>(
            "INSERT INTO enrolment_tokens (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(enrolment_token_hash.to_owned())
        .bind(user)
        .bind(now_ms)
        .bind(token_expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit(now_ms, audit).await?;
        Ok(request.user_id)
    }
}

fn reset(r: &AnyRow) -> Result<ResetRow, StoreError> {
    Ok(ResetRow {
        id: r.try_get("id")?,
        user_id: rows::id(r, "user_id")?,
        requested_by: r.try_get("requested_by")?,
        requested_at: r.try_get("requested_at")?,
        approved_by: r.try_get("approved_by")?,
    })
}

fn attempt(r: &AnyRow) -> Result<LoginAttempt, StoreError> {
    let factor: String = r.try_get("factor")?;
    let factor = match factor.as_str() {
        "password" => "password",
        "webauthn" => "webauthn",
        "totp" => "totp",
        "recovery" => "recovery",
        _ => return Err(StoreError::Corrupt(format!("login factor {factor}"))),
    };
    let user: Option<String> = r.try_get("user_id")?;
    Ok(LoginAttempt {
        user_id: user.map(|u| u.parse()).transpose()?,
        source_addr: r.try_get("source_addr")?,
        user_agent: r.try_get("user_agent")?,
        at: r.try_get("at")?,
        factor,
        success: r.try_get::<String, _>("outcome")? == "success",
        reason: r.try_get("reason")?,
    })
}
