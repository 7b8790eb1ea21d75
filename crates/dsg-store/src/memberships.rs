//! Membership applications (migration `0019_memberships.sql`): the form,
//! the provider assigned, the schedule to completion and the numbered
//! completion notice. Transitions go through the same statements as every
//! application's (`applications.rs`), in one transaction with what a step
//! adds (the provider assigned, the notice issued) and its audit entry.

use dsg_core::membership::MembershipForm;
use dsg_core::{AuditRecord, CompanyId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::applications::{application_row, apply_transition, insert_application};
use crate::rows::id;
use crate::{ApplicationRow, Store, StoreError, Transition};

/// A membership application: its application, its form and its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRow {
    /// The application.
    pub application: ApplicationRow,
    /// What the company filed.
    pub form: MembershipForm,
    /// The service provider assigned when the agency accepted it.
    pub provider_id: Option<CompanyId>,
}

/// One line of a membership's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleLineRow {
    /// The step's stable name (`application` … `final_check`).
    pub step: String,
    /// Its owner party's stable name.
    pub owner: String,
    /// When it is due (`YYYY-MM-DD`).
    pub due_on: String,
    /// Who last adjusted it (none: as generated).
    pub adjusted_by: Option<UserId>,
    /// When (Unix ms).
    pub adjusted_at: Option<i64>,
}

/// A membership-completion notice (加入完了通知書).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    /// The membership.
    pub application_id: String,
    /// The year of its number.
    pub year: i64,
    /// Its place among that year's notices (1, 2, …); set by the store.
    pub seq: i64,
    /// When it was issued (Unix ms).
    pub issued_at: i64,
    /// Who issued it.
    pub issued_by: UserId,
}

/// What a membership step writes besides the transition.
#[derive(Debug, Clone, Default)]
pub struct MembershipEffects {
    /// The provider assigned (on acceptance).
    pub assign_provider: Option<CompanyId>,
    /// The notice issued (on the final check passed): its year, and who
    /// issued it.
    pub issue_notice: Option<(i64, UserId)>,
}

macro_rules! membership_select {
    ($rest:literal) => {
        concat!(
            "SELECT a.id, a.kind, a.company_id, a.requested_by, a.state, a.reason, ",
            "a.submitted_at, a.due_on, a.updated_at, a.closed_at, m.provider_id, ",
            "m.company_name, m.company_address, m.site_name, m.site_prefecture, ",
            "m.site_address, m.contact, m.contracts_evidence, m.facility_evidence, ",
            "m.equipment_evidence, m.location_evidence, m.audit_result, m.schedule_wish ",
            "FROM applications a JOIN memberships m ON m.application_id = a.id ",
            $rest
        )
    };
}

fn membership_row(r: &AnyRow) -> Result<MembershipRow, StoreError> {
    let provider: Option<String> = r.try_get("provider_id")?;
    Ok(MembershipRow {
        application: application_row(r)?,
        form: MembershipForm {
            company_name: r.try_get("company_name")?,
            company_address: r.try_get("company_address")?,
            site_name: r.try_get("site_name")?,
            site_prefecture: r.try_get("site_prefecture")?,
            site_address: r.try_get("site_address")?,
            contact: r.try_get("contact")?,
            contracts_evidence: r.try_get("contracts_evidence")?,
            facility_evidence: r.try_get("facility_evidence")?,
            equipment_evidence: r.try_get("equipment_evidence")?,
            location_evidence: r.try_get("location_evidence")?,
            audit_result: r.try_get("audit_result")?,
            schedule_wish: r.try_get("schedule_wish")?,
        },
        provider_id: provider.map(|p| p.parse()).transpose()?,
    })
}

async fn put_schedule(
    conn: &mut sqlx::AnyConnection,
    application: &str,
    lines: &[ScheduleLineRow],
) -> Result<(), StoreError> {
    sqlx::query::<Any>("DELETE FROM membership_schedule WHERE application_id = $1")
        .bind(application.to_owned())
        .execute(&mut *conn)
        .await?;
    for line in lines {
        sqlx::query::<Any>(
            "INSERT INTO membership_schedule (application_id, step, owner, due_on, \
             adjusted_by, adjusted_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(application.to_owned())
        .bind(line.step.clone())
        .bind(line.owner.clone())
        .bind(line.due_on.clone())
        .bind(line.adjusted_by.map(|u| u.to_string()))
        .bind(line.adjusted_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Files a membership application: the application, its form, its
    /// schedule and the first line of its timeline, with the audit entry.
    pub async fn file_membership(
        &self,
        membership: &MembershipRow,
        schedule: &[ScheduleLineRow],
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let a = &membership.application;
        let f = &membership.form;
        let mut tx = self.begin_audited().await?;
        insert_application(&mut tx, a).await?;
        sqlx::query::<Any>(
            "INSERT INTO memberships (application_id, provider_id, company_name, \
             company_address, site_name, site_prefecture, site_address, contact, \
             contracts_evidence, facility_evidence, equipment_evidence, location_evidence, \
             audit_result, schedule_wish) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(a.id.clone())
        .bind(membership.provider_id.map(|p| p.to_string()))
        .bind(f.company_name.clone())
        .bind(f.company_address.clone())
        .bind(f.site_name.clone())
        .bind(f.site_prefecture.clone())
        .bind(f.site_address.clone())
        .bind(f.contact.clone())
        .bind(f.contracts_evidence.clone())
        .bind(f.facility_evidence.clone())
        .bind(f.equipment_evidence.clone())
        .bind(f.location_evidence.clone())
        .bind(f.audit_result.clone())
        .bind(f.schedule_wish.clone())
        .execute(&mut *tx)
        .await?;
        put_schedule(&mut tx, &a.id, schedule).await?;
        tx.commit(a.submitted_at, record).await?;
        Ok(())
    }

    /// One membership application.
    pub async fn membership(&self, id: &str) -> Result<Option<MembershipRow>, StoreError> {
        let row = sqlx::query::<Any>(membership_select!("WHERE a.id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(membership_row).transpose()
    }

    /// Membership applications of one company (or every company's when
    /// `None`), or those assigned to one provider, open ones only if
    /// `open_only`; those due first, then the newest.
    pub async fn memberships(
        &self,
        company: Option<CompanyId>,
        provider: Option<CompanyId>,
        open_only: bool,
        limit: i64,
    ) -> Result<Vec<MembershipRow>, StoreError> {
        let rows = sqlx::query::<Any>(membership_select!(
            "WHERE (CAST($1 AS TEXT) IS NULL OR a.company_id = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR m.provider_id = $2) \
             AND ($3 = 0 OR a.closed_at IS NULL) \
             ORDER BY CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, \
             a.submitted_at DESC, a.id LIMIT $4"
        ))
        .bind(company.map(|c| c.to_string()))
        .bind(provider.map(|c| c.to_string()))
        .bind(i64::from(open_only))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(membership_row).collect()
    }

    /// A membership's schedule, in the order of the steps.
    pub async fn membership_schedule(
        &self,
        application: &str,
    ) -> Result<Vec<ScheduleLineRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT step, owner, due_on, adjusted_by, adjusted_at FROM membership_schedule \
             WHERE application_id = $1 ORDER BY due_on, step",
        )
        .bind(application.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let by: Option<String> = r.try_get("adjusted_by")?;
                Ok(ScheduleLineRow {
                    step: r.try_get("step")?,
                    owner: r.try_get("owner")?,
                    due_on: r.try_get("due_on")?,
                    adjusted_by: by.map(|u| u.parse()).transpose()?,
                    adjusted_at: r.try_get("adjusted_at")?,
                })
            })
            .collect()
    }

    /// Applies a membership step decided in state `t.from`, with what it
    /// adds (the provider assigned, the notice numbered and issued), its
    /// timeline line and its audit entry. `false` (nothing written) when
    /// someone moved the application first.
    pub async fn transition_membership(
        &self,
        t: &Transition<'_>,
        effects: &MembershipEffects,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        if !apply_transition(&mut tx, t, now_ms).await? {
            return Ok(false);
        }
        if let Some(provider) = effects.assign_provider {
            sqlx::query::<Any>("UPDATE memberships SET provider_id = $2 WHERE application_id = $1")
                .bind(t.id.to_owned())
                .bind(provider.to_string())
                .execute(&mut *tx)
                .await?;
        }
        if let Some((year, by)) = effects.issue_notice {
            sqlx::query::<Any>(
                "INSERT INTO membership_notices (application_id, year, seq, issued_at, issued_by) \
                 SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4 FROM membership_notices \
                 WHERE year = $2",
            )
            .bind(t.id.to_owned())
            .bind(year)
            .bind(now_ms)
            .bind(by.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit(now_ms, record).await?;
        Ok(true)
    }

    /// Puts an adjusted schedule in place of the one decided on (`from`:
    /// the lines it was adjusted from), with the application's current due
    /// date and the audit entry. `false` (nothing written) when the
    /// schedule changed since it was read.
    pub async fn adjust_membership_schedule(
        &self,
        application: &str,
        from: &[ScheduleLineRow],
        lines: &[ScheduleLineRow],
        due_on: Option<&str>,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        let current = sqlx::query::<Any>(
            "SELECT step, due_on FROM membership_schedule WHERE application_id = $1 \
             ORDER BY due_on, step",
        )
        .bind(application.to_owned())
        .fetch_all(&mut *tx)
        .await?;
        let mut seen = Vec::new();
        for r in &current {
            seen.push((
                r.try_get::<String, _>("step")?,
                r.try_get::<String, _>("due_on")?,
            ));
        }
        let expected: Vec<(String, String)> = from
            .iter()
            .map(|l| (l.step.clone(), l.due_on.clone()))
            .collect();
        if seen != expected {
            return Ok(false);
        }
        put_schedule(&mut tx, application, lines).await?;
        sqlx::query::<Any>(
            "UPDATE applications SET due_on = $2 WHERE id = $1 AND closed_at IS NULL",
        )
        .bind(application.to_owned())
        .bind(due_on.map(str::to_owned))
        .execute(&mut *tx)
        .await?;
        tx.commit(now_ms, record).await?;
        Ok(true)
    }

    /// A membership's completion notice, once issued.
    pub async fn membership_notice(
        &self,
        application: &str,
    ) -> Result<Option<NoticeRow>, StoreError> {
        let row = sqlx::query::<Any>(
            "SELECT application_id, year, seq, issued_at, issued_by FROM membership_notices \
             WHERE application_id = $1",
        )
        .bind(application.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(NoticeRow {
                application_id: r.try_get("application_id")?,
                year: r.try_get("year")?,
                seq: r.try_get("seq")?,
                issued_at: r.try_get("issued_at")?,
                issued_by: id(&r, "issued_by")?,
            })
        })
        .transpose()
    }
}
