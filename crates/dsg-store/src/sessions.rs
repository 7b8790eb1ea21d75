//! Login sessions. Only a hash of the session token is stored, so a copy of
//! the database cannot be used to sign in.

use dsg_core::UserId;
use sqlx::{Any, Row};

use crate::{rows, Store, StoreError};

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// SHA-256 of the session token, hex.
    pub token_hash: String,
    /// The signed-in user.
    pub user_id: UserId,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Start (Unix ms).
    pub created_at: i64,
    /// Last request (Unix ms).
    pub last_seen_at: i64,
    /// Absolute end (Unix ms).
    pub expires_at: i64,
}

impl Store {
    /// Stores a new session together with the login's audit entry.
    pub async fn create_session(
        &self,
        session: &SessionRow,
        audit: &dsg_core::AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query::<Any>(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session.token_hash.clone())
        .bind(session.user_id.to_string())
        .bind(session.csrf_token.clone())
        .bind(session.created_at)
        .bind(session.last_seen_at)
        .bind(session.expires_at)
        .execute(&mut *tx)
        .await?;
        crate::audit::write(&mut tx, session.created_at, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session with this token hash, if any.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at \
             FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionRow {
                token_hash: r.try_get("token_hash")?,
                user_id: rows::id(&r, "user_id")?,
                csrf_token: r.try_get("csrf_token")?,
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Records activity on a session (for the idle timeout).
    pub async fn touch_session(&self, token_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query::<Any>("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now_ms)
            .bind(token_hash.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a session, with the logout's audit entry.
    pub async fn delete_session(
        &self,
        token_hash: &str,
        now_ms: i64,
        audit: Option<&dsg_core::AuditRecord>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query::<Any>("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_owned())
            .execute(&mut *tx)
            .await?;
        if let Some(audit) = audit {
            crate::audit::write(&mut tx, now_ms, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
