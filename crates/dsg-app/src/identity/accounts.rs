//! Operators' view of accounts: states, unlock, disable, enable, enrolment
//! links, authenticator resets (requester ≠ approver) and failed-login trends.

use dsg_core::{AccountChange, AccountState, AuditAction, AuditObject, Outcome, User, UserId};
use dsg_crypto::{random_token, token_hash, SecretString};
use dsg_policy::{Action, ChangeRequestFacts};
use dsg_store::ResetRow;

use super::super::{App, AppError, Caller, RequestMeta};

/// One account as operators see it.
#[derive(Debug, Clone)]
pub struct AccountView {
    /// The account.
    pub user: User,
    /// Its state now.
    pub state: AccountState,
    /// Registered passkeys.
    pub passkeys: usize,
    /// Whether TOTP is enrolled.
    pub totp: bool,
    /// Failed login steps in the lockout window.
    pub recent_failures: i64,
    /// Duties held on top of the role.
    pub duties: Vec<dsg_core::Duty>,
    /// The duties the caller may grant or withdraw here.
    pub offers: crate::DutyOffers,
}

/// Failed logins of one day.
#[derive(Debug, Clone)]
pub struct FailureTrendDay {
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// Failed steps.
    pub failures: i64,
    /// Distinct accounts.
    pub accounts: i64,
    /// Distinct source addresses.
    pub sources: i64,
}

/// A sign-in with a recovery code.
#[derive(Debug, Clone)]
pub struct RecoveryUse {
    /// When (Unix ms).
    pub at: i64,
    /// Whose account.
    pub user_id: String,
    /// From where.
    pub source_addr: Option<String>,
}

/// A reset waiting for a second operator.
#[derive(Debug, Clone)]
pub struct ResetView {
    /// Its id.
    pub id: String,
    /// Whose authenticators.
    pub user_id: UserId,
    /// Who asked.
    pub requested_by: String,
    /// When (Unix ms).
    pub requested_at: i64,
}

impl From<ResetRow> for ResetView {
    fn from(r: ResetRow) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
        }
    }
}

impl App {
    /// Every account with its state, factors and recent failures.
    pub async fn accounts(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<AccountView>, AppError> {
        self.authorize_admin(meta, caller, Action::AdminRead, AuditAction::AdminView)
            .await?;
        let now = self.now();
        let window = now - i64::from(self.inner.config.auth.lockout_window_minutes) * 60_000;
        let mut views = Vec::new();
        let duties = self.inner.duties.all_duties().await?;
        for user in self.inner.org.list_users().await? {
            let held: Vec<dsg_core::Duty> = duties
                .iter()
                .filter(|(holder, _)| *holder == user.id)
                .map(|(_, duty)| *duty)
                .collect();
            views.push(AccountView {
                offers: self.duty_offers(caller, &user, &held).await?,
                duties: held,
                state: user.state(now),
                passkeys: self.inner.credentials.credentials_of(user.id).await?.len(),
                totp: self.inner.credentials.totp(user.id).await?.is_some(),
                recent_failures: self
                    .inner
                    .credentials
                    .recent_failures(user.id, window)
                    .await?,
                user,
            });
        }
        Ok(views)
    }

    /// Recovery-code sign-ins of the last 30 days, newest first: each one
    /// needs an operator's attention (was it really the account holder?).
    pub async fn recovery_code_uses(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<RecoveryUse>, AppError> {
        self.authorize_admin(meta, caller, Action::AdminRead, AuditAction::AdminView)
            .await?;
        let since = self.now() - 30 * 86_400_000;
        Ok(self
            .inner
            .audit_log
            .audit_events_of(AuditAction::RecoveryCodeUse.as_str(), since, 200)
            .await?
            .into_iter()
            .map(|e| RecoveryUse {
                at: e.occurred_at,
                user_id: e.actor_user_id.unwrap_or_default(),
                source_addr: e.source_addr,
            })
            .collect())
    }

    /// Failed login steps per day over the last `days` days.
    pub async fn failed_login_trend(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        days: i64,
    ) -> Result<Vec<FailureTrendDay>, AppError> {
        self.authorize_admin(meta, caller, Action::AdminRead, AuditAction::AdminView)
            .await?;
        let since = self.now() - days.clamp(1, 366) * 86_400_000;
        Ok(self
            .inner
            .credentials
            .failed_login_trend(since)
            .await?
            .into_iter()
            .map(|(day, failures, accounts, sources)| FailureTrendDay {
                day,
                failures,
                accounts,
                sources,
            })
            .collect())
    }

    async fn account_for_change(&self, raw_id: &str) -> Result<User, AppError> {
        let id: UserId = raw_id.parse().map_err(|_| AppError::NotFound)?;
        self.inner.org.user(id).await?.ok_or(AppError::NotFound)
    }

    /// Unlocks, disables or re-enables an account (step-up required).
    /// Disabling ends its sessions at once.
    pub async fn set_account_status(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        raw_id: &str,
        change: AccountChange,
    ) -> Result<User, AppError> {
        let audit_action = match change {
            AccountChange::Unlock => AuditAction::AccountUnlock,
            AccountChange::Disable => AuditAction::AccountDisable,
            AccountChange::Enable => AuditAction::AccountEnable,
        };
        let (operator, decision) = self
            .authorize_admin(meta, caller, Action::AccountManage, audit_action)
            .await?;
        let user = self.account_for_change(raw_id).await?;
        let now = self.now();
        let (status, locked_until) = change.apply(&user, operator.id, now)?;
        let record = Self::audit_decided(
            meta,
            caller,
            audit_action,
            AuditObject::User(user.id),
            Outcome::Success,
            &decision,
        );
        self.inner
            .credentials
            .set_account_status(user.id, status, locked_until, now, &record)
            .await?;
        self.inner
            .org
            .user(user.id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Issues a new enrolment link for an account still pending enrolment.
    pub async fn reissue_enrolment_link(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        raw_id: &str,
    ) -> Result<SecretString, AppError> {
        let (_, decision) = self
            .authorize_admin(
                meta,
                caller,
                Action::AccountManage,
                AuditAction::EnrolmentIssue,
            )
            .await?;
        let user = self.account_for_change(raw_id).await?;
        if user.state(self.now()) != AccountState::Pending {
            return Err(AppError::Refused(
                "the account has completed enrolment; reset its authenticators instead".into(),
            ));
        }
        let token = random_token(self.inner.rng.as_ref())?;
        let now = self.now();
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::EnrolmentIssue,
            AuditObject::User(user.id),
            Outcome::Success,
            &decision,
        );
        self.inner
            .credentials
            .issue_enrolment_token(
                user.id,
                &token_hash(token.expose()),
                now,
                self.enrolment_expiry(now),
                &record,
            )
            .await?;
        Ok(token)
    }

    /// When an enrolment link issued now stops working.
    pub(crate) fn enrolment_expiry(&self, now: i64) -> i64 {
        now + i64::from(self.inner.config.auth.enrolment_link_hours) * 3_600_000
    }

    /// Asks for an account's authenticators to be reset. A second operator
    /// approves (or `dsg admin approve-reset` on the gateway host).
    pub async fn request_authenticator_reset(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        raw_id: &str,
    ) -> Result<ResetView, AppError> {
        let (facts, _) = self
            .authorize_admin(
                meta,
                caller,
                Action::AccountManage,
                AuditAction::AuthenticatorResetRequest,
            )
            .await?;
        let user = self.account_for_change(raw_id).await?;
        let reset = ResetRow {
            id: dsg_core::RequestId::new().to_string(),
            user_id: user.id,
            requested_by: facts.id.to_string(),
            requested_at: self.now(),
            approved_by: None,
        };
        let record = Self::audit(
            meta,
            caller,
            AuditAction::AuthenticatorResetRequest,
            AuditObject::User(user.id),
            Outcome::Success,
            format!("reset:{}", reset.id),
        );
        self.inner
            .credentials
            .request_reset(&reset, &record)
            .await?;
        Ok(reset.into())
    }

    /// Resets waiting for approval.
    pub async fn pending_resets(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<Vec<ResetView>, AppError> {
        self.authorize_admin(meta, caller, Action::AdminRead, AuditAction::AdminView)
            .await?;
        Ok(self
            .inner
            .credentials
            .pending_resets()
            .await?
            .into_iter()
            .map(ResetView::from)
            .collect())
    }

    /// Approves another operator's reset and carries it out: the account
    /// loses every authenticator, password and session and returns to
    /// pending enrolment. Returns the new enrolment link (shown once).
    pub async fn approve_authenticator_reset(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        reset_id: &str,
    ) -> Result<(UserId, SecretString), AppError> {
        let pending = self
            .inner
            .credentials
            .reset_request(reset_id)
            .await?
            .filter(|r| r.approved_by.is_none());
        let Some(pending) = pending else {
            // Those who may not approve anything get the same answer as
            // for an existing request.
            self.authorize_admin(
                meta,
                caller,
                Action::AccountManage,
                AuditAction::AuthenticatorResetApprove,
            )
            .await?;
            return Err(AppError::NotFound);
        };
        let requested_by: UserId = pending
            .requested_by
            .parse()
            .map_err(|_| AppError::Internal("reset requested by a non-user".into()))?;
        let (facts, decision) = self
            .authorize_change_request(
                meta,
                caller,
                Action::AccountResetApprove,
                AuditAction::AuthenticatorResetApprove,
                ChangeRequestFacts {
                    id: pending.id.clone(),
                    requested_by,
                },
            )
            .await?;
        self.carry_out_reset(
            meta,
            caller,
            reset_id,
            &facts.id.to_string(),
            &decision.reason(),
        )
        .await
    }

    /// Break-glass approval from the gateway host (`dsg admin approve-reset`):
    /// the second approver when the agency has a single operator. Audited
    /// as such.
    pub async fn approve_authenticator_reset_break_glass(
        &self,
        reset_id: &str,
    ) -> Result<(UserId, SecretString), AppError> {
        let meta = RequestMeta {
            request_id: dsg_core::RequestId::new().to_string(),
            source: Some("local-cli".to_owned()),
            user_agent: None,
            terminal: None,
            certificate: None,
        };
        self.carry_out_reset(
            &meta,
            &Caller::Anonymous,
            reset_id,
            "break-glass:host-cli",
            "break-glass",
        )
        .await
    }

    async fn carry_out_reset(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        reset_id: &str,
        approver: &str,
        reason: &str,
    ) -> Result<(UserId, SecretString), AppError> {
        let request = self
            .inner
            .credentials
            .reset_request(reset_id)
            .await?
            .filter(|r| r.approved_by.is_none())
            .ok_or(AppError::NotFound)?;
        if request.requested_by == approver {
            let record = Self::audit(
                meta,
                caller,
                AuditAction::AuthenticatorResetApprove,
                AuditObject::User(request.user_id),
                Outcome::Denied,
                "separation-of-duties",
            );
            self.record(&record).await?;
            return Err(AppError::SelfApproval);
        }
        let token = random_token(self.inner.rng.as_ref())?;
        let now = self.now();
        let mut record = Self::audit(
            meta,
            caller,
            AuditAction::AuthenticatorResetApprove,
            AuditObject::User(request.user_id),
            Outcome::Success,
            format!("reset:{}:{reason}", request.id),
        );
        if caller.user_id().is_none() {
            record.actor = Some(approver.to_owned());
        }
        let user = self
            .inner
            .credentials
            .approve_reset(
                reset_id,
                approver,
                &token_hash(token.expose()),
                self.enrolment_expiry(now),
                now,
                &record,
            )
            .await?;
        Ok((user, token))
    }
}
