//! The company's security roles (第5-2(3)) and its protected-system users'
//! written consent (第5-2(2)ア). Who may designate whom and which roles one
//! person may hold together are decided by the policy point on the
//! designation (`Resource::RoleDesignation`); consent is a fact of the
//! person the policy reads on every request (`systemUseConsented`).

use dsg_core::{
    AuditAction, AuditObject, CompanyId, CompanyRole, Outcome, RoleDesignationId, RoleDetails,
    SystemUseConsent, UserId,
};
use dsg_policy::{Action, Resource, RoleDesignationFacts};
use dsg_store::{ConsentRow, RoleRow};
use serde::{Deserialize, Serialize};

use crate::admin::parse_id;
use crate::{App, AppError, Caller, RequestMeta};

const ROLE_DETAILS: &str = "role-details";
const CONSENT_DETAILS: &str = "consent-details";

/// A designation as entered on the form or the API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoleDesignation {
    /// The person designated.
    pub user_id: String,
    /// The role (`executive`, `general-manager`, …).
    pub role: String,
    /// Their unit (所属).
    pub unit: String,
    /// For a manager: the information or asset they answer for.
    #[serde(default)]
    pub asset: Option<String>,
    /// For an audit member: the unit audited.
    #[serde(default)]
    pub audited_unit: Option<String>,
}

/// A designation, opened for a reader of the company's records.
#[derive(Debug, Clone, Serialize)]
pub struct RoleEntry {
    /// The designation.
    pub id: String,
    /// The person.
    pub user_id: String,
    /// The role.
    pub role: &'static str,
    /// Unit, asset, audited unit.
    pub details: RoleDetails,
    /// Who designated them, and when (Unix ms).
    pub designated_by: String,
    /// When.
    pub designated_at: i64,
    /// When it was withdrawn, if it was.
    pub revoked_at: Option<i64>,
}

/// A person's consent line, opened.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentEntry {
    /// In force (else withdrawn).
    pub consented: bool,
    /// The consent as signed.
    pub consent: SystemUseConsent,
    /// Who recorded it.
    pub recorded_by: String,
    /// When (Unix ms).
    pub recorded_at: i64,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<i64>,
}

impl App {
    /// Records a person's written consent as a protected-system user.
    /// Nobody records their own.
    pub async fn record_consent(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        user_id: &str,
        consent: &SystemUseConsent,
    ) -> Result<(), AppError> {
        let (user, decided, by) = self
            .record_subject(
                meta,
                caller,
                user_id,
                Action::ConsentRecord,
                AuditAction::ConsentRecord,
            )
            .await?;
        if user.id == by {
            // As for trainings: an operator's own policy version might lack
            // `no-self-recorded-consent`, and consent opens data.
            let refused = Self::person_audit(
                (meta, caller),
                AuditAction::ConsentRecord,
                user.id,
                (Outcome::Denied, "self-recorded consent".into()),
                &decided,
            );
            self.record(&refused).await?;
            return Err(AppError::Forbidden);
        }
        let consent = consent.validate(self.today())?;
        let json = serde_json::to_vec(&consent)
            .map_err(|e| AppError::Internal(format!("consent: {e}")))?;
        let now = self.now();
        let row = ConsentRow {
            user_id: user.id,
            company_id: user.company_id,
            consented: true,
            signed_on: consent.signed_on.clone(),
            details_sealed: self.seal_record(
                CONSENT_DETAILS,
                &consent_owner(user.id, now),
                &json,
            )?,
            recorded_by: by,
            recorded_at: now,
            withdrawn_by: None,
            withdrawn_at: None,
        };
        let reason = format!("{};signed_on={}", decided.reason(), consent.signed_on);
        let record = Self::person_audit(
            (meta, caller),
            AuditAction::ConsentRecord,
            user.id,
            (Outcome::Success, reason),
            &decided,
        );
        self.inner.records.record_consent(&row, &record).await?;
        Ok(())
    }

    /// Withdraws a person's consent (they no longer use the protected
    /// system): they reach no data from their next request on where
    /// consent is required.
    pub async fn withdraw_consent(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        user_id: &str,
    ) -> Result<(), AppError> {
        let (user, decided, by) = self
            .record_subject(
                meta,
                caller,
                user_id,
                Action::ConsentWithdraw,
                AuditAction::ConsentWithdraw,
            )
            .await?;
        let record = Self::person_audit(
            (meta, caller),
            AuditAction::ConsentWithdraw,
            user.id,
            (Outcome::Success, decided.reason()),
            &decided,
        );
        let done = self
            .inner
            .records
            .withdraw_consent(user.id, by, self.now(), &record)
            .await;
        if let Err(error @ dsg_store::StoreError::NotFound(_)) = done {
            let none = Self::person_audit(
                (meta, caller),
                AuditAction::ConsentWithdraw,
                user.id,
                (Outcome::Failure, "no consent in force".into()),
                &decided,
            );
            self.record(&none).await?;
            return Err(error.into());
        }
        done?;
        Ok(())
    }

    /// Designates a person of `company_id` to a company role. Refused by
    /// the policy point where the person's roles would not stay separate,
    /// or the audit department would have no member from outside the unit
    /// it audits.
    pub async fn designate_role(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company_id: &str,
        new: &NewRoleDesignation,
    ) -> Result<RoleDesignationId, AppError> {
        let company_id: CompanyId = parse_id(company_id, "company")?;
        let person: UserId = parse_id(&new.user_id, "user_id")?;
        let role = CompanyRole::parse(new.role.trim())
            .map_err(|_| AppError::Invalid("role is not a company role".into()))?;
        let details = RoleDetails {
            unit: new.unit.clone(),
            asset: new.asset.clone(),
            audited_unit: new.audited_unit.clone(),
        }
        .validate(role)?;
        let company = self.inner.org.company(company_id).await?;
        let user = self
            .inner
            .org
            .user(person)
            .await?
            .filter(|u| u.company_id == company_id);
        // A missing company or a person of another company: decided on a
        // stand-in of a company nobody belongs to (of the agency's kind, so
        // that no rule for contractors' roles applies), answered alike.
        let (owner, kind) = match (&company, &user) {
            (Some(c), Some(_)) => (Some(c.id), c.kind),
            _ => (None, dsg_core::CompanyKind::Agency),
        };
        let decided_company = owner.unwrap_or_else(CompanyId::random);
        let counts = self.inner.records.role_counts(person, company_id).await?;
        let held = self.held_roles(company_id, person, None).await?;
        let id = RoleDesignationId::random();
        let facts = RoleDesignationFacts {
            id: id.to_string(),
            company: decided_company,
            company_kind: kind,
            person,
            role,
            held_roles: held,
            outside_audited_unit: details.outside_audited_unit(),
            independent_auditors: counts.independent_auditors,
            auditors: self.auditors(company_id).await?,
        };
        let (by, decided) = self
            .authorize_named(
                meta,
                caller,
                (Action::RoleDesignate, Resource::RoleDesignation(facts)),
                owner,
                AuditAction::RoleDesignate,
                AuditObject::User(person),
            )
            .await?;
        if user.is_none() {
            return Err(AppError::NotFound);
        }
        let json = serde_json::to_vec(&details)
            .map_err(|e| AppError::Internal(format!("role details: {e}")))?;
        let now = self.now();
        let row = RoleRow {
            id,
            company_id,
            user_id: person,
            role,
            outside_audited_unit: details.outside_audited_unit(),
            details_sealed: self.seal_record(ROLE_DETAILS, &role_owner(person, id), &json)?,
            designated_by: by.user.id,
            designated_at: now,
            revoked_by: None,
            revoked_at: None,
        };
        let reason = format!("{};role={}", decided.reason(), role.as_str());
        let record = Self::person_audit(
            (meta, caller),
            AuditAction::RoleDesignate,
            person,
            (Outcome::Success, reason),
            &decided,
        );
        self.inner
            .records
            .designate_role(&row, counts, &record)
            .await?;
        Ok(id)
    }

    /// Withdraws a designation of `company_id`.
    pub async fn revoke_role(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company_id: &str,
        designation: &str,
    ) -> Result<(), AppError> {
        let company_id: CompanyId = parse_id(company_id, "company")?;
        let designation: RoleDesignationId = parse_id(designation, "designation")?;
        let row = self
            .inner
            .records
            .role_designation(designation)
            .await?
            .filter(|r| r.company_id == company_id && r.revoked_at.is_none());
        let company = self.inner.org.company(company_id).await?;
        let (owner, kind, role, person, outside) = match (&row, &company) {
            (Some(r), Some(c)) => (
                Some(c.id),
                c.kind,
                r.role,
                r.user_id,
                r.outside_audited_unit,
            ),
            _ => (
                None,
                dsg_core::CompanyKind::Agency,
                CompanyRole::Executive,
                UserId::random(),
                false,
            ),
        };
        let counts = self.inner.records.role_counts(person, company_id).await?;
        let facts = RoleDesignationFacts {
            id: designation.to_string(),
            company: owner.unwrap_or_else(CompanyId::random),
            company_kind: kind,
            person,
            role,
            held_roles: self
                .held_roles(company_id, person, Some(designation))
                .await?,
            outside_audited_unit: outside,
            independent_auditors: counts.independent_auditors,
            auditors: self.auditors(company_id).await?,
        };
        let (by, decided) = self
            .authorize_named(
                meta,
                caller,
                (Action::RoleRevoke, Resource::RoleDesignation(facts)),
                owner,
                AuditAction::RoleRevoke,
                AuditObject::User(person),
            )
            .await?;
        let row = row.ok_or(AppError::NotFound)?;
        let reason = format!("{};role={}", decided.reason(), row.role.as_str());
        let record = Self::person_audit(
            (meta, caller),
            AuditAction::RoleRevoke,
            row.user_id,
            (Outcome::Success, reason),
            &decided,
        );
        self.inner
            .records
            .revoke_role(&row, counts, (by.user.id, self.now()), &record)
            .await?;
        Ok(())
    }

    /// The roles `person` holds in `company` now, but for `except`.
    pub(crate) async fn held_roles(
        &self,
        company: CompanyId,
        person: UserId,
        except: Option<RoleDesignationId>,
    ) -> Result<Vec<CompanyRole>, AppError> {
        let mut held: Vec<CompanyRole> = self
            .inner
            .records
            .company_roles(company)
            .await?
            .into_iter()
            .filter(|r| r.user_id == person && r.revoked_at.is_none() && Some(r.id) != except)
            .map(|r| r.role)
            .collect();
        held.sort_by_key(|r| r.as_str());
        held.dedup();
        Ok(held)
    }

    /// The company's audit members in force.
    pub(crate) async fn auditors(&self, company: CompanyId) -> Result<i64, AppError> {
        let count = self
            .inner
            .records
            .company_roles(company)
            .await?
            .iter()
            .filter(|r| r.role == CompanyRole::Audit && r.revoked_at.is_none())
            .count();
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }

    pub(super) fn open_role(&self, row: &RoleRow) -> Result<RoleEntry, AppError> {
        Ok(RoleEntry {
            id: row.id.to_string(),
            user_id: row.user_id.to_string(),
            role: row.role.as_str(),
            details: self.open_record(
                ROLE_DETAILS,
                &role_owner(row.user_id, row.id),
                &row.details_sealed,
            )?,
            designated_by: row.designated_by.to_string(),
            designated_at: row.designated_at,
            revoked_at: row.revoked_at,
        })
    }

    pub(super) fn open_consent(&self, row: &ConsentRow) -> Result<ConsentEntry, AppError> {
        Ok(ConsentEntry {
            consented: row.consented,
            consent: self.open_record(
                CONSENT_DETAILS,
                &consent_owner(row.user_id, row.recorded_at),
                &row.details_sealed,
            )?,
            recorded_by: row.recorded_by.to_string(),
            recorded_at: row.recorded_at,
            withdrawn_at: row.withdrawn_at,
        })
    }
}

/// What a designation's details are sealed to: the person and the
/// designation.
fn role_owner(person: UserId, id: RoleDesignationId) -> String {
    format!("{person}/{id}")
}

/// What a consent's details are sealed to: the person and the version.
fn consent_owner(person: UserId, recorded_at: i64) -> String {
    format!("{person}/consent/{recorded_at}")
}
