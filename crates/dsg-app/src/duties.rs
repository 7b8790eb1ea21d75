//! Granting and withdrawing duties (auditor, security administrator).
//! Decided on the user concerned, so the policy can refuse self-granted
//! duties; sensitive, so it needs a fresh step-up.

use dsg_core::{AuditAction, AuditObject, Duty, Outcome, UserId};
use dsg_policy::{Action, Resource};

use super::admin::parse_id;
use super::policies::with_decision;
use super::{App, AppError, Caller, RequestMeta};

impl App {
    /// Grants (`grant`) or withdraws a duty. Auditors are agency staff
    /// other than operators (who run what they would audit); security
    /// administrators belong to a contractor.
    pub async fn change_duty(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        user_id: &str,
        duty: &str,
        grant: bool,
    ) -> Result<(), AppError> {
        let (action, audit_action) = if grant {
            (Action::DutyGrant, AuditAction::DutyGrant)
        } else {
            (Action::DutyRevoke, AuditAction::DutyRevoke)
        };
        let user_id: UserId = parse_id(user_id, "user")?;
        let duty = Duty::parse(duty.trim())
            .map_err(|_| AppError::Invalid("duty must be auditor or security-admin".into()))?;
        let inner = &*self.inner;
        // A missing person is decided on as a stand-in nobody may act on, so
        // missing and not-yours give the same answer.
        let user = inner.org.user(user_id).await?;
        let target = match &user {
            Some(user) => self.user_facts(user, user.state(self.now())).await?,
            None => super::named::missing_user(user_id),
        };
        let object = AuditObject::User(user_id);
        let (operator, decided) = self
            .authorize_named(
                meta,
                caller,
                (action, Resource::Account(target.clone())),
                user.as_ref().map(|u| u.company_id),
                audit_action,
                object.clone(),
            )
            .await?;
        if user.is_none() {
            return Err(AppError::NotFound);
        }
        if grant {
            duty.check_holder(target.company_kind, target.role)?;
        }
        let record = with_decision(
            Self::audit(
                meta,
                caller,
                audit_action,
                object,
                Outcome::Success,
                format!("{};duty={}", decided.reason(), duty.as_str()),
            ),
            &decided,
        );
        let now = self.now();
        if grant {
            inner
                .duties
                .grant_duty(user_id, duty, operator.user.id, now, &record)
                .await?;
        } else {
            inner
                .duties
                .revoke_duty(user_id, duty, now, &record)
                .await?;
        }
        Ok(())
    }
}
