//! What users see and manage about themselves: sessions, authenticators,
//! login history, password and recovery codes.

use dsg_core::{AuditAction, AuditObject, MfaMethod, Outcome};
use dsg_crypto::SecretString;
use dsg_identity::{generate_recovery_codes, hash_recovery_code};
use dsg_policy::Action;

use super::super::{App, AppError, Caller, RequestMeta};

/// One of the user's sessions.
#[derive(Debug, Clone)]
pub struct SessionView {
    /// Public id (for revoking).
    pub id: String,
    /// Whether it is the session making this request.
    pub current: bool,
    /// How it was authenticated.
    pub mfa: MfaMethod,
    /// Browser at login.
    pub user_agent: Option<String>,
    /// Address at login.
    pub source_addr: Option<String>,
    /// Start (Unix ms).
    pub created_at: i64,
    /// Last activity (Unix ms).
    pub last_seen_at: i64,
}

/// One of the user's authenticators.
#[derive(Debug, Clone)]
pub struct AuthenticatorView {
    /// Id (passkeys) or `totp`.
    pub id: String,
    /// `passkey` or `totp`.
    pub kind: &'static str,
    /// The name the user gave it.
    pub name: String,
    /// Added (Unix ms).
    pub created_at: i64,
    /// Last used (Unix ms).
    pub last_used_at: Option<i64>,
}

/// One login step in the user's history.
#[derive(Debug, Clone)]
pub struct LoginHistoryEntry {
    /// When (Unix ms).
    pub at: i64,
    /// `password`, `webauthn`, `totp`, `recovery`.
    pub factor: &'static str,
    /// Whether it succeeded.
    pub success: bool,
    /// Why it failed (stable code), if it did.
    pub reason: String,
    /// Client address.
    pub source_addr: Option<String>,
    /// Browser.
    pub user_agent: Option<String>,
}

/// What the owner of an account is told when they sign in: failed login
/// steps on their account since the login before the current one (someone
/// may be guessing, or trying to get the account locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginNotice {
    /// Failed steps, throttled ones included.
    pub failures: i64,
    /// From how many source addresses.
    pub sources: i64,
    /// The latest (Unix ms).
    pub last_at: Option<i64>,
    /// Until when the account is locked for new logins, if it is now.
    pub locked_until: Option<i64>,
}

impl App {
    /// The notice about failed attempts on the caller's own account, if
    /// there were any since their previous login. Read-only and about the
    /// caller alone, like the rest of `/api/v1/me`.
    pub async fn my_login_notice(&self, caller: &Caller) -> Result<Option<LoginNotice>, AppError> {
        let Caller::User(me) = caller else {
            return Err(AppError::Unauthenticated);
        };
        let counts = self
            .inner
            .credentials
            .failures_since_previous_login(me.user.id)
            .await?;
        if counts.failures == 0 {
            return Ok(None);
        }
        let now = self.now();
        Ok(Some(LoginNotice {
            failures: counts.failures,
            sources: counts.sources,
            last_at: counts.last_at,
            locked_until: me.user.locked_until.filter(|end| *end > now),
        }))
    }

    /// The caller's sessions, newest first.
    pub async fn my_sessions(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<SessionView>, AppError> {
        let me = self
            .authorize_self(meta, caller, Action::SelfManage, AuditAction::SessionRevoke)
            .await?;
        Ok(self
            .inner
            .sessions
            .sessions_of(me.user.id)
            .await?
            .into_iter()
            .filter(|s| s.mfa != MfaMethod::None)
            .map(|s| SessionView {
                current: s.token_hash == me.token_hash,
                id: s.public_id,
                mfa: s.mfa,
                user_agent: s.user_agent,
                source_addr: s.source_addr,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
            })
            .collect())
    }

    /// Revokes one of the caller's sessions.
    pub async fn revoke_my_session(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        public_id: &str,
    ) -> Result<(), AppError> {
        let me = self
            .authorize_self(meta, caller, Action::SelfManage, AuditAction::SessionRevoke)
            .await?;
        let record = Self::audit(
            meta,
            caller,
            AuditAction::SessionRevoke,
            AuditObject::Session(public_id.chars().take(32).collect()),
            Outcome::Success,
            "self",
        );
        if self
            .inner
            .sessions
            .revoke_session(me.user.id, public_id, self.now(), &record)
            .await?
        {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Ends every other session of the caller. Returns how many ended.
    pub async fn revoke_my_other_sessions(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<u64, AppError> {
        let me = self
            .authorize_self(meta, caller, Action::SelfManage, AuditAction::SessionRevoke)
            .await?;
        let record = Self::audit(
            meta,
            caller,
            AuditAction::SessionRevoke,
            AuditObject::User(me.user.id),
            Outcome::Success,
            "self:all-others",
        );
        Ok(self
            .inner
            .sessions
            .revoke_other_sessions(me.user.id, Some(&me.token_hash), self.now(), &record)
            .await?)
    }

    /// The caller's authenticators and how many recovery codes remain.
    pub async fn my_authenticators(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<(Vec<AuthenticatorView>, i64), AppError> {
        let me = self
            .authorize_self(
                meta,
                caller,
                Action::SelfManage,
                AuditAction::AuthenticatorRemove,
            )
            .await?;
        let mut views: Vec<AuthenticatorView> = self
            .inner
            .credentials
            .credentials_of(me.user.id)
            .await?
            .into_iter()
            .map(|c| AuthenticatorView {
                id: c.id,
                kind: "passkey",
                name: c.name,
                created_at: c.created_at,
                last_used_at: c.last_used_at,
            })
            .collect();
        if let Some(totp) = self.inner.credentials.totp(me.user.id).await? {
            views.push(AuthenticatorView {
                id: "totp".to_owned(),
                kind: "totp",
                name: "TOTP".to_owned(),
                created_at: totp.created_at,
                last_used_at: totp.last_used_at,
            });
        }
        let codes = self
            .inner
            .credentials
            .recovery_codes_left(me.user.id)
            .await?;
        Ok((views, codes))
    }

    /// Removes one of the caller's authenticators (step-up required). The
    /// last one cannot go: the account would be left with no second factor.
    pub async fn remove_my_authenticator(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        id: &str,
    ) -> Result<(), AppError> {
        let me = self
            .authorize_self(
                meta,
                caller,
                Action::SelfEnrol,
                AuditAction::AuthenticatorRemove,
            )
            .await?;
        full_session(&me)?;
        let passkeys = self
            .inner
            .credentials
            .credentials_of(me.user.id)
            .await?
            .len();
        let totp = usize::from(self.totp_usable(me.user.id).await?);
        if passkeys + totp <= 1 {
            // A refusal by the state of the account, not by the request.
            return Err(AppError::Refused(
                "the last authenticator cannot be removed".into(),
            ));
        }
        let record = Self::audit(
            meta,
            caller,
            AuditAction::AuthenticatorRemove,
            AuditObject::Authenticator(Some(id.chars().take(40).collect())),
            Outcome::Success,
            "self",
        );
        let now = self.now();
        let removed = if id == "totp" {
            self.inner
                .credentials
                .remove_totp(me.user.id, Some(&me.token_hash), now, &record)
                .await?
        } else {
            self.inner
                .credentials
                .remove_credential(me.user.id, id, Some(&me.token_hash), now, &record)
                .await?
        };
        if removed {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The caller's login history, newest first.
    pub async fn my_login_history(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<LoginHistoryEntry>, AppError> {
        let me = self
            .authorize_self(meta, caller, Action::SelfManage, AuditAction::SessionRevoke)
            .await?;
        Ok(self
            .inner
            .credentials
            .login_history(me.user.id, 50)
            .await?
            .into_iter()
            .map(|a| LoginHistoryEntry {
                at: a.at,
                factor: a.factor,
                success: a.success,
                reason: a.reason,
                source_addr: a.source_addr,
                user_agent: a.user_agent,
            })
            .collect())
    }

    /// Changes the caller's password (step-up required); every other
    /// session ends.
    pub async fn change_my_password(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        new_password: SecretString,
    ) -> Result<(), AppError> {
        let me = self
            .authorize_self(meta, caller, Action::SelfEnrol, AuditAction::PasswordSet)
            .await?;
        full_session(&me)?;
        self.check_password_strength(&me.user, &new_password)?;
        let phc = self.hash_password(new_password).await?;
        let record = Self::audit(
            meta,
            caller,
            AuditAction::PasswordSet,
            AuditObject::User(me.user.id),
            Outcome::Success,
            "self",
        );
        self.inner
            .credentials
            .set_password(me.user.id, &phc, Some(&me.token_hash), self.now(), &record)
            .await?;
        Ok(())
    }

    /// Replaces the caller's recovery codes (step-up required); shown once.
    pub async fn renew_my_recovery_codes(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<SecretString>, AppError> {
        let me = self
            .authorize_self(
                meta,
                caller,
                Action::SelfEnrol,
                AuditAction::RecoveryCodesIssue,
            )
            .await?;
        full_session(&me)?;
        let codes = generate_recovery_codes(self.inner.rng.as_ref(), super::RECOVERY_CODES)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| hash_recovery_code(c.expose()))
            .collect();
        let record = Self::audit(
            meta,
            caller,
            AuditAction::RecoveryCodesIssue,
            AuditObject::User(me.user.id),
            Outcome::Success,
            "self",
        );
        self.inner
            .credentials
            .replace_recovery_codes(me.user.id, &hashes, self.now(), &record)
            .await?;
        Ok(codes)
    }
}

/// Removing factors, changing the password and renewing recovery codes need a
/// full session: a recovery-code session may only add an authenticator.
fn full_session(me: &super::super::SessionUser) -> Result<(), AppError> {
    match me.mfa {
        MfaMethod::Webauthn | MfaMethod::Totp => Ok(()),
        MfaMethod::None | MfaMethod::Recovery => Err(AppError::Forbidden),
    }
}
