//! Change requests after membership (migration `0027_membership_changes.sql`)
//! and what a completed one does, in the completion's transaction with its
//! audit entries: a closure revokes the site's terminals and opens the
//! disposal of each one's data; a new name renames the company.

use dsg_core::membership_change::{ChangeKind, MembershipChangeForm};
use dsg_core::{AuditRecord, CompanyId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::applications::{application_row, apply_transition, insert_application};
use crate::org::conflict_as;
use crate::{ApplicationRow, Store, StoreError, Transition};

/// A change request: its application and its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChangeRow {
    /// The application.
    pub application: ApplicationRow,
    /// What was asked for.
    pub form: MembershipChangeForm,
    /// The terminals a completed closure revoked, with their disposals.
    pub disposals: Vec<ChangeDisposalRow>,
}

/// The disposal of one revoked terminal's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeDisposalRow {
    /// The terminal.
    pub terminal_id: String,
    /// When it was opened (Unix ms).
    pub opened_at: i64,
    /// Who performed it.
    pub performed_by: Option<String>,
    /// Who checked it (never the performer).
    pub checked_by: Option<String>,
}

/// What a completed change does, in the completion's transaction.
#[derive(Debug, Clone, Default)]
pub enum ChangeEffect {
    /// Nothing beyond the transition.
    #[default]
    None,
    /// Revokes every active terminal of the company at the site, each
    /// with the disposal of its data opened.
    CloseSite {
        /// The company.
        company: CompanyId,
        /// The site (the terminals' registered site).
        site: String,
        /// Why, on each terminal.
        reason: String,
    },
    /// Renames the company, recorded with its own entry.
    Rename {
        /// The company.
        company: CompanyId,
        /// Its new name.
        name: String,
        /// The entry of the rename (`company.rename`).
        record: Box<AuditRecord>,
    },
}

macro_rules! change_select {
    ($rest:literal) => {
        concat!(
            "SELECT a.id, a.kind, a.company_id, a.requested_by, a.state, a.reason, ",
            "a.submitted_at, a.due_on, a.updated_at, a.closed_at, c.change_kind, c.site, ",
            "c.new_name, c.details FROM applications a ",
            "JOIN membership_changes c ON c.application_id = a.id ",
            $rest
        )
    };
}

fn change_row(r: &AnyRow) -> Result<MembershipChangeRow, StoreError> {
    Ok(MembershipChangeRow {
        application: application_row(r)?,
        form: MembershipChangeForm {
            change: ChangeKind::parse(&r.try_get::<String, _>("change_kind")?)?,
            site: r.try_get("site")?,
            new_name: r.try_get("new_name")?,
            details: r.try_get("details")?,
        },
        disposals: Vec::new(),
    })
}

impl Store {
    /// Files a change request with the audit entry of the filing.
    pub async fn file_membership_change(
        &self,
        change: &MembershipChangeRow,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let a = &change.application;
        let f = &change.form;
        let mut tx = self.begin_audited().await?;
        insert_application(&mut tx, a).await?;
        sqlx::query::<Any>(
            "INSERT INTO membership_changes (application_id, change_kind, site, new_name, \
             details) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(a.id.clone())
        .bind(f.change.as_str())
        .bind(f.site.clone())
        .bind(f.new_name.clone())
        .bind(f.details.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit(a.submitted_at, record).await?;
        Ok(())
    }

    /// One change request, with the disposals its closure opened.
    pub async fn membership_change(
        &self,
        id: &str,
    ) -> Result<Option<MembershipChangeRow>, StoreError> {
        let row = sqlx::query::<Any>(change_select!("WHERE a.id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut change = change_row(&row)?;
        let disposals = sqlx::query::<Any>(
            "SELECT terminal_id, opened_at, performed_by, checked_by FROM change_disposals \
             WHERE application_id = $1 ORDER BY terminal_id",
        )
        .bind(id.to_owned())
        .fetch_all(&self.pool)
        .await?;
        change.disposals = disposals
            .iter()
            .map(|r| {
                Ok(ChangeDisposalRow {
                    terminal_id: r.try_get("terminal_id")?,
                    opened_at: r.try_get("opened_at")?,
                    performed_by: r.try_get("performed_by")?,
                    checked_by: r.try_get("checked_by")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(change))
    }

    /// A company's change requests (every company's when `None`), those
    /// due first, then the newest.
    pub async fn membership_changes(
        &self,
        company: Option<CompanyId>,
        limit: i64,
    ) -> Result<Vec<MembershipChangeRow>, StoreError> {
        let rows = sqlx::query::<Any>(change_select!(
            "WHERE (CAST($1 AS TEXT) IS NULL OR a.company_id = $1) \
             ORDER BY CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, \
             a.submitted_at DESC, a.id LIMIT $2"
        ))
        .bind(company.map(|c| c.to_string()))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(change_row).collect()
    }

    /// Applies a transition of a change request decided in state `t.from`,
    /// with its effect and its audit entry (and the rename's). `Ok(None)`
    /// (nothing written) when the request is no longer in that state;
    /// otherwise the fingerprints of the terminals a closure revoked, whose
    /// connections the caller closes.
    pub async fn transition_membership_change(
        &self,
        t: &Transition<'_>,
        effect: &ChangeEffect,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let mut tx = self.begin_audited().await?;
        if !apply_transition(&mut tx, t, now_ms).await? {
            return Ok(None);
        }
        let mut fingerprints = Vec::new();
        let mut then = None;
        match effect {
            ChangeEffect::None => {}
            ChangeEffect::CloseSite {
                company,
                site,
                reason,
            } => {
                let terminals = sqlx::query::<Any>(
                    "SELECT id, cert_fingerprint FROM terminals WHERE company_id = $1 \
                     AND site = $2 AND status <> 'revoked' ORDER BY id",
                )
                .bind(company.to_string())
                .bind(site.clone())
                .fetch_all(&mut *tx)
                .await?;
                for terminal in &terminals {
                    let id: String = terminal.try_get("id")?;
                    if let Some(fp) = terminal.try_get::<Option<String>, _>("cert_fingerprint")? {
                        fingerprints.push(fp);
                    }
                    sqlx::query::<Any>(
                        "UPDATE terminals SET status = 'revoked', status_reason = $2, \
                         status_changed_at = $3 WHERE id = $1",
                    )
                    .bind(id.clone())
                    .bind(reason.clone())
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query::<Any>(
                        "INSERT INTO change_disposals (application_id, terminal_id, opened_at) \
                         VALUES ($1, $2, $3)",
                    )
                    .bind(t.id.to_owned())
                    .bind(id)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                // The entry is an application's, whose action alters no
                // fact; a terminal's status is one.
                crate::facts_cache::bump(&mut tx).await?;
            }
            ChangeEffect::Rename {
                company,
                name,
                record,
            } => {
                let done = sqlx::query::<Any>("UPDATE companies SET name = $1 WHERE id = $2")
                    .bind(name.clone())
                    .bind(company.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_as(e, "company name"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("company"));
                }
                then = Some(record.as_ref());
            }
        }
        tx.commit_with(now_ms, record, then).await?;
        Ok(Some(fingerprints))
    }
}
