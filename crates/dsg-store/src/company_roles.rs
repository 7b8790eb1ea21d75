//! The company's security roles and its protected-system users' consent.
//! Like the roster, what the records say beyond their status is sealed by
//! the gateway; the role, the status and who did what are in the clear, as
//! the policy point reads them.

use dsg_core::{AuditRecord, CompanyId, CompanyRole, RoleDesignationId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::rows::id;
use crate::{Store, StoreError};

/// One designation of a person to a company role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRow {
    /// The designation.
    pub id: RoleDesignationId,
    /// The company.
    pub company_id: CompanyId,
    /// The person designated.
    pub user_id: UserId,
    /// The role.
    pub role: CompanyRole,
    /// For an audit member: from outside the unit they audit.
    pub outside_audited_unit: bool,
    /// Unit, asset, audited unit, sealed by the gateway (base64).
    pub details_sealed: String,
    /// Who designated them.
    pub designated_by: UserId,
    /// When (Unix ms).
    pub designated_at: i64,
    /// Who withdrew the designation, if withdrawn.
    pub revoked_by: Option<UserId>,
    /// When.
    pub revoked_at: Option<i64>,
}

/// What a designation is decided on and must still hold when it is
/// written: how many roles the person holds, and how many audit members of
/// the company are from outside the unit they audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleCounts {
    /// Designations in force of the person.
    pub held: i64,
    /// Audit members in force of the company from outside their audited unit.
    pub independent_auditors: i64,
}

/// One protected-system user's written consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    /// The person.
    pub user_id: UserId,
    /// Their company.
    pub company_id: CompanyId,
    /// Whether the consent is in force (else withdrawn).
    pub consented: bool,
    /// The day it was signed, `YYYY-MM-DD`.
    pub signed_on: String,
    /// The consent's items, sealed by the gateway (base64).
    pub details_sealed: String,
    /// Who recorded it.
    pub recorded_by: UserId,
    /// When (Unix ms).
    pub recorded_at: i64,
    /// Who withdrew it, if withdrawn.
    pub withdrawn_by: Option<UserId>,
    /// When.
    pub withdrawn_at: Option<i64>,
}

fn optional_id(row: &AnyRow, column: &str) -> Result<Option<UserId>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    Ok(text.map(|t| t.parse()).transpose()?)
}

macro_rules! select_role {
    ($rest:literal) => {
        concat!(
            "SELECT id, company_id, user_id, role, ",
            "CAST(outside_audited_unit AS BIGINT) AS outside_audited_unit, details_sealed, ",
            "designated_by, designated_at, revoked_by, revoked_at FROM company_roles ",
            $rest
        )
    };
}

fn role_row(row: &AnyRow) -> Result<RoleRow, StoreError> {
    let outside: i64 = row.try_get("outside_audited_unit")?;
    Ok(RoleRow {
        id: id(row, "id")?,
        company_id: id(row, "company_id")?,
        user_id: id(row, "user_id")?,
        role: CompanyRole::parse(&row.try_get::<String, _>("role")?)?,
        outside_audited_unit: outside == 1,
        details_sealed: row.try_get("details_sealed")?,
        designated_by: id(row, "designated_by")?,
        designated_at: row.try_get("designated_at")?,
        revoked_by: optional_id(row, "revoked_by")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn consent_row(row: &AnyRow) -> Result<ConsentRow, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(ConsentRow {
        user_id: id(row, "user_id")?,
        company_id: id(row, "company_id")?,
        consented: match status.as_str() {
            "consented" => true,
            "withdrawn" => false,
            other => return Err(StoreError::Corrupt(format!("consent status {other}"))),
        },
        signed_on: row.try_get("signed_on")?,
        details_sealed: row.try_get("details_sealed")?,
        recorded_by: id(row, "recorded_by")?,
        recorded_at: row.try_get("recorded_at")?,
        withdrawn_by: optional_id(row, "withdrawn_by")?,
        withdrawn_at: row.try_get("withdrawn_at")?,
    })
}

/// The counts a designation is decided on (see [`RoleCounts`]), as a
/// condition on `$1` (the person) and `$2` (the company) equal to `$3`, `$4`.
macro_rules! counts_still {
    () => {
        "(SELECT COUNT(*) FROM company_roles WHERE user_id = $1 AND revoked_at IS NULL) = $3 \
         AND (SELECT COUNT(*) FROM company_roles WHERE company_id = $2 AND role = 'audit' \
         AND outside_audited_unit = 1 AND revoked_at IS NULL) = $4"
    };
}

impl Store {
    /// How many roles `user` holds, and how many audit members of
    /// `company` come from outside the unit they audit.
    pub async fn role_counts(
        &self,
        user: UserId,
        company: CompanyId,
    ) -> Result<RoleCounts, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT (SELECT COUNT(*) FROM company_roles WHERE user_id = $1 \
             AND revoked_at IS NULL) AS held, (SELECT COUNT(*) FROM company_roles \
             WHERE company_id = $2 AND role = 'audit' AND outside_audited_unit = 1 \
             AND revoked_at IS NULL) AS independent",
        )
        .bind(user.to_string())
        .bind(company.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(RoleCounts {
            held: row.try_get("held")?,
            independent_auditors: row.try_get("independent")?,
        })
    }

    /// Designates a person to a role, with its audit entry, only while the
    /// counts it was decided on still hold (`Conflict` otherwise: another
    /// designation came in between).
    pub async fn designate_role(
        &self,
        row: &RoleRow,
        decided_on: RoleCounts,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(concat!(
            "INSERT INTO company_roles (id, company_id, user_id, role, outside_audited_unit, \
             details_sealed, designated_by, designated_at) \
             SELECT $5, $2, $1, $6, $7, $8, $9, $10 WHERE ",
            counts_still!()
        ))
        .bind(row.user_id.to_string())
        .bind(row.company_id.to_string())
        .bind(decided_on.held)
        .bind(decided_on.independent_auditors)
        .bind(row.id.to_string())
        .bind(row.role.as_str())
        .bind(i64::from(row.outside_audited_unit))
        .bind(row.details_sealed.clone())
        .bind(row.designated_by.to_string())
        .bind(row.designated_at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("roles changed since the decision"));
        }
        tx.commit(row.designated_at, record).await?;
        Ok(())
    }

    /// Withdraws a designation in force, with its audit entry, only while
    /// the counts it was decided on still hold. `NotFound` when it is not
    /// in force.
    pub async fn revoke_role(
        &self,
        row: &RoleRow,
        decided_on: RoleCounts,
        (by, now_ms): (UserId, i64),
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(concat!(
            "UPDATE company_roles SET revoked_by = $6, revoked_at = $7 \
             WHERE id = $5 AND revoked_at IS NULL AND ",
            counts_still!()
        ))
        .bind(row.user_id.to_string())
        .bind(row.company_id.to_string())
        .bind(decided_on.held)
        .bind(decided_on.independent_auditors)
        .bind(row.id.to_string())
        .bind(by.to_string())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "designation not in force, or roles changed since the decision",
            ));
        }
        tx.commit(now_ms, record).await?;
        Ok(())
    }

    /// One designation.
    pub async fn role_designation(
        &self,
        id: RoleDesignationId,
    ) -> Result<Option<RoleRow>, StoreError> {
        sqlx::query::<Any>(select_role!("WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(role_row)
            .transpose()
    }

    /// A company's designations, withdrawn ones included, oldest first.
    pub async fn company_roles(&self, company: CompanyId) -> Result<Vec<RoleRow>, StoreError> {
        sqlx::query::<Any>(select_role!(
            "WHERE company_id = $1 ORDER BY designated_at, id"
        ))
        .bind(company.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(role_row)
        .collect()
    }

    /// Records (or records again) a person's written consent, with its
    /// audit entry.
    pub async fn record_consent(
        &self,
        consent: &ConsentRow,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO system_use_consents (user_id, company_id, status, signed_on, \
             details_sealed, recorded_by, recorded_at) \
             VALUES ($1, $2, 'consented', $3, $4, $5, $6) \
             ON CONFLICT (user_id) DO UPDATE SET company_id = excluded.company_id, \
             status = 'consented', signed_on = excluded.signed_on, \
             details_sealed = excluded.details_sealed, recorded_by = excluded.recorded_by, \
             recorded_at = excluded.recorded_at, withdrawn_by = NULL, withdrawn_at = NULL",
        )
        .bind(consent.user_id.to_string())
        .bind(consent.company_id.to_string())
        .bind(consent.signed_on.clone())
        .bind(consent.details_sealed.clone())
        .bind(consent.recorded_by.to_string())
        .bind(consent.recorded_at)
        .execute(&mut *tx)
        .await?;
        tx.commit(consent.recorded_at, record).await?;
        Ok(())
    }

    /// Withdraws a person's consent in force, with its audit entry.
    /// `NotFound` when none is in force.
    pub async fn withdraw_consent(
        &self,
        user: UserId,
        by: UserId,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(
            "UPDATE system_use_consents SET status = 'withdrawn', withdrawn_by = $1, \
             withdrawn_at = $2 WHERE user_id = $3 AND status = 'consented'",
        )
        .bind(by.to_string())
        .bind(now_ms)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound("consent"));
        }
        tx.commit(now_ms, record).await?;
        Ok(())
    }

    /// A company's consent lines, withdrawn ones included.
    pub async fn consents(&self, company: CompanyId) -> Result<Vec<ConsentRow>, StoreError> {
        sqlx::query::<Any>(
            "SELECT user_id, company_id, status, signed_on, details_sealed, recorded_by, \
             recorded_at, withdrawn_by, withdrawn_at FROM system_use_consents \
             WHERE company_id = $1 ORDER BY recorded_at, user_id",
        )
        .bind(company.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(consent_row)
        .collect()
    }
}
