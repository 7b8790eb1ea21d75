//! Login sessions. Only a hash of the session token is stored, so a copy of
//! the database cannot be used to sign in; the CSRF token is not stored at
//! all (it is derived from the session token: `dsg_crypto::csrf_token_for`).
//! Each session also has a public id (for listing and revoking) that cannot
//! be turned into the token.

use dsg_core::{AuditRecord, MfaMethod, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::audited::AuditedTx;
use crate::{rows, Store, StoreError};

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// SHA-256 of the session token, hex.
    pub token_hash: String,
    /// Public id, shown in the session list.
    pub public_id: String,
    /// The signed-in user.
    pub user_id: UserId,
    /// How the user proved who they are beyond the password.
    pub mfa: MfaMethod,
    /// Start (Unix ms).
    pub created_at: i64,
    /// When the second factor was last presented at login (Unix ms).
    pub authenticated_at: i64,
    /// Last step-up re-authentication (Unix ms).
    pub step_up_at: Option<i64>,
    /// Last request (Unix ms).
    pub last_seen_at: i64,
    /// Absolute end (Unix ms).
    pub expires_at: i64,
    /// Client address at login.
    pub source_addr: Option<String>,
    /// Browser at login (truncated User-Agent).
    pub user_agent: Option<String>,
    /// SHA-256 of the client certificate the session was created with ("" for
    /// none): the session is usable only from that certificate.
    pub terminal_fingerprint: String,
}

/// A WebAuthn ceremony waiting for the browser's answer.
#[derive(Debug, Clone)]
pub struct PendingCeremony {
    /// The verifier's state, serialised by the caller.
    pub state: String,
    /// When it stops being answerable (Unix ms).
    pub expires_at: i64,
}

macro_rules! select_sessions {
    ($rest:literal) => {
        concat!(
            "SELECT token_hash, public_id, user_id, mfa, created_at, ",
            "authenticated_at, step_up_at, last_seen_at, expires_at, source_addr, user_agent, ",
            "terminal_fingerprint ",
            "FROM sessions ",
            $rest
        )
    };
}

/// A session by token hash and the fact generation, in one row: the
/// generation row always exists, the session's columns are NULL when there
/// is no such session (see `facts_cache.rs`).
macro_rules! select_sessions_at {
    () => {
        concat!(
            "SELECT g.generation AS fact_generation, s.token_hash, s.public_id, s.user_id, ",
            "s.mfa, s.created_at, s.authenticated_at, s.step_up_at, s.last_seen_at, ",
            "s.expires_at, s.source_addr, s.user_agent, s.terminal_fingerprint ",
            "FROM fact_generation g LEFT JOIN sessions s ON s.token_hash = $1 WHERE g.id = 1"
        )
    };
}
pub(crate) use select_sessions_at;

pub(crate) fn session(r: &AnyRow) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        token_hash: r.try_get("token_hash")?,
        public_id: r.try_get("public_id")?,
        user_id: rows::id(r, "user_id")?,
        mfa: MfaMethod::parse(&r.try_get::<String, _>("mfa")?)?,
        created_at: r.try_get("created_at")?,
        authenticated_at: r.try_get("authenticated_at")?,
        step_up_at: r.try_get("step_up_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
        expires_at: r.try_get("expires_at")?,
        source_addr: r.try_get("source_addr")?,
        user_agent: r.try_get("user_agent")?,
        // Sessions from before terminals were recorded were made without a
        // certificate.
        terminal_fingerprint: r
            .try_get::<Option<String>, _>("terminal_fingerprint")?
            .unwrap_or_default(),
    })
}

pub(crate) async fn insert(tx: &mut AuditedTx, s: &SessionRow) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "INSERT INTO sessions (token_hash, public_id, user_id, mfa, created_at, \
         authenticated_at, step_up_at, last_seen_at, expires_at, source_addr, user_agent, \
         terminal_fingerprint) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(s.token_hash.clone())
    .bind(s.public_id.clone())
    .bind(s.user_id.to_string())
    .bind(s.mfa.as_str())
    .bind(s.created_at)
    .bind(s.authenticated_at)
    .bind(s.step_up_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .bind(s.source_addr.clone())
    .bind(s.user_agent.clone())
    .bind(s.terminal_fingerprint.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends every session of `user` (all of them, or all but `keep`).
pub(crate) async fn delete_for_user(
    tx: &mut AuditedTx,
    user: UserId,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    let done = sqlx::query::<Any>("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.to_string())
        .bind(keep.unwrap_or("").to_owned())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// Ends the sessions of `user` that a lockout ends: password-step and
/// recovery sessions, and sessions not bound to a terminal certificate. A
/// full session bound to a terminal was opened before the lock (no login
/// succeeds during one) by someone holding the terminal and the second
/// factor, so failed guesses from elsewhere do not end it.
pub(crate) async fn delete_unbound_for_user(
    tx: &mut AuditedTx,
    user: UserId,
) -> Result<u64, StoreError> {
    let done = sqlx::query::<Any>(
        "DELETE FROM sessions WHERE user_id = $1 AND (mfa IN ('none', 'recovery') \
         OR terminal_fingerprint IS NULL OR terminal_fingerprint = '')",
    )
    .bind(user.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

impl Store {
    /// Stores a new session together with its audit entry. When `replaces`
    /// is given, that session (the password-only step of the same login)
    /// ends in the same transaction, so the token changes at every login
    /// step. At most `max_per_user` full sessions stay: the oldest go.
    pub async fn create_session(
        &self,
        session: &SessionRow,
        replaces: Option<&str>,
        max_per_user: u32,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        if let Some(old) = replaces {
            sqlx::query::<Any>("DELETE FROM sessions WHERE token_hash = $1")
                .bind(old.to_owned())
                .execute(&mut *tx)
                .await?;
        }
        insert(&mut tx, session).await?;
        if session.mfa != MfaMethod::None {
            // Keep the newest `max_per_user` sessions; the concurrent-session
            // limit ends the oldest rather than refusing the new login.
            let rows = sqlx::query::<Any>(
                "SELECT token_hash FROM sessions WHERE user_id = $1 AND mfa <> 'none' \
                 ORDER BY created_at DESC, token_hash",
            )
            .bind(session.user_id.to_string())
            .fetch_all(&mut *tx)
            .await?;
            for row in rows.iter().skip(max_per_user as usize) {
                let hash: String = row.try_get("token_hash")?;
                sqlx::query::<Any>("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit(session.created_at, audit).await?;
        Ok(())
    }

    /// The session with this token hash, if any.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query::<Any>(select_sessions!("WHERE token_hash = $1"))
            .bind(token_hash.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session).transpose()
    }

    /// A user's sessions, newest first.
    pub async fn sessions_of(&self, user: UserId) -> Result<Vec<SessionRow>, StoreError> {
        let rows = sqlx::query::<Any>(select_sessions!(
            "WHERE user_id = $1 ORDER BY created_at DESC, public_id"
        ))
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows::all(&rows, session)
    }

    /// Records activity on a session (for the idle timeout).
    pub async fn touch_session(&self, token_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query::<Any>("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now_ms)
                .bind(token_hash.to_owned()),
        )
        .await?;
        Ok(())
    }

    /// Ends a session, with its audit entry (logout).
    pub async fn delete_session(
        &self,
        token_hash: &str,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_owned())
            .execute(&mut *tx)
            .await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Drops a session that has expired or sat idle too long. No audit
    /// entry: nobody acted, the session ran out, and when follows from its
    /// recorded login and the configured limits.
    pub async fn drop_expired_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query::<Any>("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash.to_owned()),
        )
        .await?;
        Ok(())
    }

    /// Revokes one of `user`'s sessions by its public id. Returns whether
    /// it existed (a session of another user is never touched).
    pub async fn revoke_session(
        &self,
        user: UserId,
        public_id: &str,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>("DELETE FROM sessions WHERE user_id = $1 AND public_id = $2")
            .bind(user.to_string())
            .bind(public_id.to_owned())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        tx.commit(now_ms, audit).await?;
        Ok(true)
    }

    /// Ends all of `user`'s sessions except `keep`. Returns how many ended.
    pub async fn revoke_other_sessions(
        &self,
        user: UserId,
        keep: Option<&str>,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_audited().await?;
        let n = delete_for_user(&mut tx, user, keep).await?;
        tx.commit(now_ms, audit).await?;
        Ok(n)
    }

    /// Marks the session as freshly re-authenticated (step-up).
    pub async fn record_step_up(
        &self,
        token_hash: &str,
        now_ms: i64,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "UPDATE sessions SET step_up_at = $1, ceremony = NULL, ceremony_expires_at = NULL \
             WHERE token_hash = $2",
        )
        .bind(now_ms)
        .bind(token_hash.to_owned())
        .execute(&mut *tx)
        .await?;
        tx.commit(now_ms, audit).await?;
        Ok(())
    }

    /// Remembers a WebAuthn ceremony started for this session, replacing
    /// any earlier one (only the latest challenge can be answered).
    pub async fn set_ceremony(
        &self,
        token_hash: &str,
        ceremony: &PendingCeremony,
    ) -> Result<(), StoreError> {
        self.write_one(
            sqlx::query::<Any>(
                "UPDATE sessions SET ceremony = $1, ceremony_expires_at = $2 WHERE token_hash = $3",
            )
            .bind(ceremony.state.clone())
            .bind(ceremony.expires_at)
            .bind(token_hash.to_owned()),
        )
        .await?;
        Ok(())
    }

    /// Takes the session's pending ceremony: it can be answered once.
    pub async fn take_ceremony(
        &self,
        token_hash: &str,
    ) -> Result<Option<PendingCeremony>, StoreError> {
        // No audit entry: the challenge is one step of a login or an
        // enrolment, whose outcome the caller records.
        let mut tx = self.begin_unaudited().await?;
        let row = sqlx::query::<Any>(
            "SELECT ceremony, ceremony_expires_at FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query::<Any>(
            "UPDATE sessions SET ceremony = NULL, ceremony_expires_at = NULL \
             WHERE token_hash = $1",
        )
        .bind(token_hash.to_owned())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let state: Option<String> = row.try_get("ceremony")?;
        let expires_at: Option<i64> = row.try_get("ceremony_expires_at")?;
        Ok(state
            .zip(expires_at)
            .map(|(state, expires_at)| PendingCeremony { state, expires_at }))
    }
}
