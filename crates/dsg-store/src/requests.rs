//! Terminal and removable-media requests (migration
//! `0022_terminal_media_requests.sql`), the media list they feed, and the
//! one query of every open application behind the inbox. An approval's
//! effect (a terminal registered with its certificate, a terminal revoked
//! with its data's disposal opened, a medium listed or closed) is written
//! in the transaction of the transition, with its one audit entry.

use dsg_core::requests::{MediaForm, MediaType, Operation, TerminalRequestForm};
use dsg_core::{AuditRecord, CompanyId, Terminal, TerminalId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::applications::{application_row, apply_transition, insert_application};
use crate::org::conflict_as;
use crate::rows::id;
use crate::{ApplicationRow, Store, StoreError, Transition};

/// A terminal request: its application and its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalRequestRow {
    /// The application.
    pub application: ApplicationRow,
    /// What was asked for.
    pub form: TerminalRequestForm,
    /// The terminal removed, or registered on approval.
    pub terminal_id: Option<String>,
    /// The serial of the certificate issued on approval.
    pub cert_serial: Option<String>,
    /// That certificate (PEM).
    pub certificate_pem: Option<String>,
}

/// A removable-media request: its application and its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRequestRow {
    /// The application.
    pub application: ApplicationRow,
    /// What was asked for.
    pub form: MediaForm,
}

/// One medium of a company's media list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediumRow {
    /// Its company.
    pub company_id: CompanyId,
    /// Its id (label).
    pub media_id: String,
    /// Its type.
    pub media_type: MediaType,
    /// Its capacity in megabytes.
    pub capacity_mb: i64,
    /// What it is used for.
    pub purpose: String,
    /// Who may use it.
    pub permitted_users: Vec<UserId>,
    /// The request that listed it.
    pub registered_by: String,
    /// When (Unix ms).
    pub registered_at: i64,
    /// The request that removed it.
    pub removed_by: Option<String>,
    /// When it was removed.
    pub removed_at: Option<i64>,
    /// Why.
    pub removal_reason: Option<String>,
}

/// What an approved request does, in the approval's transaction.
#[derive(Debug, Clone, Default)]
pub enum RequestEffect {
    /// Nothing beyond the transition (every step but an approval).
    #[default]
    None,
    /// Registers the terminal with its issued certificate (PEM).
    RegisterTerminal(Box<Terminal>, String),
    /// Revokes the company's terminal and opens the disposal of its data.
    RevokeTerminal {
        /// The terminal.
        terminal: TerminalId,
        /// Its company (a terminal of another company is not found).
        company: CompanyId,
        /// Why.
        reason: String,
    },
    /// Lists the medium of the request's form.
    ListMedium(CompanyId),
    /// Closes the medium of the request's form, with its reason.
    CloseMedium(CompanyId),
}

/// An open application of any kind, as the inbox reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenApplicationRow {
    /// The application.
    pub application: ApplicationRow,
    /// Its company's name.
    pub company_name: String,
    /// The service provider assigned to it (memberships).
    pub provider_id: Option<CompanyId>,
}

fn terminal_request_row(r: &AnyRow) -> Result<TerminalRequestRow, StoreError> {
    Ok(TerminalRequestRow {
        application: application_row(r)?,
        form: TerminalRequestForm {
            operation: Operation::parse(&r.try_get::<String, _>("operation")?)?,
            serial: r.try_get("serial")?,
            site: r.try_get("site")?,
            model: r.try_get("model")?,
            csr_pem: r.try_get("csr_pem")?,
            terminal_id: r
                .try_get::<Option<String>, _>("terminal_id")?
                .unwrap_or_default(),
            reason: r.try_get("form_reason")?,
        },
        terminal_id: r.try_get("terminal_id")?,
        cert_serial: r.try_get("cert_serial")?,
        certificate_pem: r.try_get("certificate_pem")?,
    })
}

macro_rules! select_applications {
    ($($rest:literal),+) => {
        concat!(
            "SELECT a.id, a.kind, a.company_id, a.requested_by, a.state, a.reason, ",
            "a.submitted_at, a.due_on, a.updated_at, a.closed_at, ",
            $($rest),+
        )
    };
}

impl Store {
    /// Files a terminal request with the audit entry of the filing.
    pub async fn file_terminal_request(
        &self,
        request: &TerminalRequestRow,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let a = &request.application;
        let f = &request.form;
        let mut tx = self.begin_audited().await?;
        insert_application(&mut tx, a).await?;
        sqlx::query::<Any>(
            "INSERT INTO terminal_requests (application_id, operation, serial, site, model, \
             csr_pem, terminal_id, reason, cert_serial) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
        )
        .bind(a.id.clone())
        .bind(f.operation.as_str())
        .bind(f.serial.clone())
        .bind(f.site.clone())
        .bind(f.model.clone())
        .bind(f.csr_pem.clone())
        .bind(request.terminal_id.clone())
        .bind(f.reason.clone())
        .execute(&mut *tx)
        .await?;
        tx.commit(a.submitted_at, record).await?;
        Ok(())
    }

    /// One terminal request.
    pub async fn terminal_request(
        &self,
        id: &str,
    ) -> Result<Option<TerminalRequestRow>, StoreError> {
        let row = sqlx::query::<Any>(select_applications!(
            "t.operation, t.serial, t.site, t.model, t.csr_pem, \
             t.terminal_id, t.cert_serial, t.certificate_pem, t.reason AS form_reason FROM applications a \
             JOIN terminal_requests t ON t.application_id = a.id WHERE a.id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(terminal_request_row).transpose()
    }

    /// Files a media request with the audit entry of the filing.
    pub async fn file_media_request(
        &self,
        request: &MediaRequestRow,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let a = &request.application;
        let f = &request.form;
        let mut tx = self.begin_audited().await?;
        insert_application(&mut tx, a).await?;
        sqlx::query::<Any>(
            "INSERT INTO media_requests (application_id, operation, media_id, media_type, \
             capacity_mb, purpose, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(a.id.clone())
        .bind(f.operation.as_str())
        .bind(f.media_id.clone())
        .bind(f.media_type.map(MediaType::as_str))
        .bind(f.capacity_mb)
        .bind(f.purpose.clone())
        .bind(f.reason.clone())
        .execute(&mut *tx)
        .await?;
        for user in &f.permitted_users {
            sqlx::query::<Any>(
                "INSERT INTO media_request_users (application_id, user_id) VALUES ($1, $2)",
            )
            .bind(a.id.clone())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit(a.submitted_at, record).await?;
        Ok(())
    }

    /// One media request.
    pub async fn media_request(&self, id: &str) -> Result<Option<MediaRequestRow>, StoreError> {
        let row = sqlx::query::<Any>(select_applications!(
            "m.operation, m.media_id, m.media_type, \
             m.capacity_mb, m.purpose, m.reason AS form_reason FROM applications a \
             JOIN media_requests m ON m.application_id = a.id WHERE a.id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let users = sqlx::query_scalar::<Any, String>(
            "SELECT user_id FROM media_request_users WHERE application_id = $1 ORDER BY user_id",
        )
        .bind(id.to_owned())
        .fetch_all(&self.pool)
        .await?;
        let media_type: Option<String> = r.try_get("media_type")?;
        Ok(Some(MediaRequestRow {
            application: application_row(&r)?,
            form: MediaForm {
                operation: Operation::parse(&r.try_get::<String, _>("operation")?)?,
                media_id: r.try_get("media_id")?,
                media_type: media_type.as_deref().map(MediaType::parse).transpose()?,
                capacity_mb: r.try_get("capacity_mb")?,
                purpose: r.try_get("purpose")?,
                permitted_users: users.iter().map(|u| u.parse()).collect::<Result<_, _>>()?,
                reason: r.try_get("form_reason")?,
            },
        }))
    }

    /// Applies a transition of a terminal or media request decided in
    /// state `t.from`, with its effect and its audit entry. `false` (and
    /// nothing written) when the request is no longer in that state; an
    /// effect that cannot apply (the terminal already revoked, the medium
    /// already listed or gone) is a conflict and writes nothing either.
    pub async fn transition_request(
        &self,
        t: &Transition<'_>,
        effect: &RequestEffect,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        if !apply_transition(&mut tx, t, now_ms).await? {
            return Ok(false);
        }
        match effect {
            RequestEffect::None => {}
            RequestEffect::RegisterTerminal(terminal, pem) => {
                crate::terminals::insert_terminal(&mut tx, terminal).await?;
                sqlx::query::<Any>(
                    "UPDATE terminal_requests SET terminal_id = $2, cert_serial = $3, \
                     certificate_pem = $4 WHERE application_id = $1",
                )
                .bind(t.id.to_owned())
                .bind(terminal.id.to_string())
                .bind(terminal.cert_serial.clone())
                .bind(pem.clone())
                .execute(&mut *tx)
                .await?;
                // The entry is an application's, whose action alters no
                // fact; the terminal is one.
                crate::facts_cache::bump(&mut tx).await?;
            }
            RequestEffect::RevokeTerminal {
                terminal,
                company,
                reason,
            } => {
                let done = sqlx::query::<Any>(
                    "UPDATE terminals SET status = 'revoked', status_reason = $3, \
                     status_changed_at = $4 WHERE id = $1 AND company_id = $2 \
                     AND status <> 'revoked'",
                )
                .bind(terminal.to_string())
                .bind(company.to_string())
                .bind(reason.clone())
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("terminal not active in this company"));
                }
                crate::facts_cache::bump(&mut tx).await?;
                sqlx::query::<Any>(
                    "INSERT INTO terminal_disposals (application_id, terminal_id, opened_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(t.id.to_owned())
                .bind(terminal.to_string())
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
            RequestEffect::ListMedium(company) => {
                list_medium(&mut tx, t.id, *company, now_ms).await?;
            }
            RequestEffect::CloseMedium(company) => {
                let done = sqlx::query::<Any>(
                    "UPDATE removable_media SET removed_by = $1, removed_at = $2, \
                     removal_reason = (SELECT reason FROM media_requests \
                     WHERE application_id = $1) \
                     WHERE company_id = $3 AND removed_at IS NULL AND media_id = \
                     (SELECT media_id FROM media_requests WHERE application_id = $1)",
                )
                .bind(t.id.to_owned())
                .bind(now_ms)
                .bind(company.to_string())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict("medium not on the media list"));
                }
            }
        }
        tx.commit(now_ms, record).await?;
        Ok(true)
    }

    /// A company's media list (every company's when `None`), listed and
    /// removed alike, by company and id.
    pub async fn removable_media(
        &self,
        company: Option<CompanyId>,
    ) -> Result<Vec<MediumRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT company_id, media_id, media_type, capacity_mb, purpose, registered_by, \
             registered_at, removed_by, removed_at, removal_reason FROM removable_media \
             WHERE (CAST($1 AS TEXT) IS NULL OR company_id = $1) \
             ORDER BY company_id, media_id",
        )
        .bind(company.map(|c| c.to_string()))
        .fetch_all(&self.pool)
        .await?;
        let users = sqlx::query::<Any>(
            "SELECT company_id, media_id, user_id FROM removable_media_users \
             WHERE (CAST($1 AS TEXT) IS NULL OR company_id = $1) ORDER BY user_id",
        )
        .bind(company.map(|c| c.to_string()))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let company_id: String = r.try_get("company_id")?;
            let media_id: String = r.try_get("media_id")?;
            let mut permitted = Vec::new();
            for u in &users {
                if u.try_get::<String, _>("company_id")? == company_id
                    && u.try_get::<String, _>("media_id")? == media_id
                {
                    permitted.push(id(u, "user_id")?);
                }
            }
            out.push(MediumRow {
                company_id: id(r, "company_id")?,
                media_id,
                media_type: MediaType::parse(&r.try_get::<String, _>("media_type")?)?,
                capacity_mb: r.try_get("capacity_mb")?,
                purpose: r.try_get("purpose")?,
                permitted_users: permitted,
                registered_by: r.try_get("registered_by")?,
                registered_at: r.try_get("registered_at")?,
                removed_by: r.try_get("removed_by")?,
                removed_at: r.try_get("removed_at")?,
                removal_reason: r.try_get("removal_reason")?,
            });
        }
        Ok(out)
    }

    /// Every open application of every kind, in one query: of one company
    /// (`company`), or assigned to one provider (`provider`), or all when
    /// both are `None`; those due first. With its company's name and the
    /// provider assigned to it.
    pub async fn open_applications(
        &self,
        company: Option<CompanyId>,
        provider: Option<CompanyId>,
        limit: i64,
    ) -> Result<Vec<OpenApplicationRow>, StoreError> {
        let rows = sqlx::query::<Any>(select_applications!(
            "c.name AS company_name, m.provider_id \
             FROM applications a JOIN companies c ON c.id = a.company_id \
             LEFT JOIN memberships m ON m.application_id = a.id \
             WHERE a.closed_at IS NULL \
             AND (CAST($1 AS TEXT) IS NULL OR a.company_id = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR m.provider_id = $2) \
             ORDER BY CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, \
             a.submitted_at, a.id LIMIT $3"
        ))
        .bind(company.map(|c| c.to_string()))
        .bind(provider.map(|c| c.to_string()))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let provider: Option<String> = r.try_get("provider_id")?;
                Ok(OpenApplicationRow {
                    application: application_row(r)?,
                    company_name: r.try_get("company_name")?,
                    provider_id: provider.map(|p| p.parse()).transpose()?,
                })
            })
            .collect()
    }
}

/// Lists the medium of request `application` in `company`'s media list.
async fn list_medium(
    conn: &mut sqlx::AnyConnection,
    application: &str,
    company: CompanyId,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "INSERT INTO removable_media (company_id, media_id, media_type, capacity_mb, purpose, \
         registered_by, registered_at) SELECT $2, media_id, media_type, capacity_mb, purpose, \
         application_id, $3 FROM media_requests WHERE application_id = $1",
    )
    .bind(application.to_owned())
    .bind(company.to_string())
    .bind(now_ms)
    .execute(&mut *conn)
    .await
    .map_err(|e| conflict_as(e, "media id already on the media list"))?;
    sqlx::query::<Any>(
        "INSERT INTO removable_media_users (company_id, media_id, user_id) \
         SELECT $2, m.media_id, u.user_id FROM media_requests m \
         JOIN media_request_users u ON u.application_id = m.application_id \
         WHERE m.application_id = $1",
    )
    .bind(application.to_owned())
    .bind(company.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
