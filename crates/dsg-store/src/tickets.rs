//! Help-desk tickets (migration `0028_helpdesk.sql`): an application of
//! kind `ticket`, its form and its service-level clocks. The thread is the
//! application's timeline; a step and its clock marks commit together with
//! its one audit entry.

use dsg_core::helpdesk::{TicketCategory, TicketForm, TicketPriority};
use dsg_core::{AuditRecord, CompanyId, CompartmentId, FileId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::applications::{application_row, apply_transition, insert_application};
use crate::{ApplicationRow, Store, StoreError, Transition};

/// A ticket: its application, its form, its link and its clocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    /// The application.
    pub application: ApplicationRow,
    /// What was asked.
    pub form: TicketForm,
    /// The service provider assigned to it, if one is.
    pub provider_id: Option<CompanyId>,
    /// The compartment file it links to (by id only).
    pub linked_file: Option<(CompartmentId, FileId)>,
    /// When the first answer is due (Unix ms).
    pub first_response_due_at: i64,
    /// When the resolution is due (Unix ms).
    pub resolution_due_at: i64,
    /// When the desk first answered.
    pub first_response_at: Option<i64>,
    /// When it was resolved (cleared when reopened).
    pub resolved_at: Option<i64>,
}

/// The clock marks a step leaves on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketMarks {
    /// The desk acted: the first answer, if none was yet.
    pub desk_acted: bool,
    /// When it counts as resolved after the step (`None`: not resolved).
    pub resolved_at: Option<i64>,
}

fn opt_id<T: std::str::FromStr>(r: &AnyRow, column: &str) -> Result<Option<T>, StoreError> {
    match r.try_get::<Option<String>, _>(column)? {
        None => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Corrupt(format!("{column}: not an id"))),
    }
}

fn ticket_row(r: &AnyRow) -> Result<TicketRow, StoreError> {
    let compartment: Option<CompartmentId> = opt_id(r, "linked_compartment_id")?;
    let file: Option<FileId> = opt_id(r, "linked_file_id")?;
    Ok(TicketRow {
        application: application_row(r)?,
        form: TicketForm {
            category: TicketCategory::parse(&r.try_get::<String, _>("category")?)?,
            priority: TicketPriority::parse(&r.try_get::<String, _>("priority")?)?,
            subject: r.try_get("subject")?,
            body: r.try_get("body")?,
        },
        provider_id: opt_id(r, "provider_id")?,
        linked_file: compartment.zip(file),
        first_response_due_at: r.try_get("first_response_due_at")?,
        resolution_due_at: r.try_get("resolution_due_at")?,
        first_response_at: r.try_get("first_response_at")?,
        resolved_at: r.try_get("resolved_at")?,
    })
}

macro_rules! select_tickets {
    ($rest:literal) => {
        concat!(
            "SELECT a.id, a.kind, a.company_id, a.requested_by, a.state, a.reason, ",
            "a.submitted_at, a.due_on, a.updated_at, a.closed_at, t.category, t.priority, ",
            "t.subject, t.body, t.provider_id, t.linked_compartment_id, t.linked_file_id, ",
            "t.first_response_due_at, t.resolution_due_at, t.first_response_at, t.resolved_at ",
            "FROM applications a JOIN tickets t ON t.application_id = a.id ",
            $rest
        )
    };
}

impl Store {
    /// Files a ticket: the application, its form and the first line of its
    /// thread, with the audit entry of the filing.
    pub async fn file_ticket(
        &self,
        ticket: &TicketRow,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let a = &ticket.application;
        let f = &ticket.form;
        let mut tx = self.begin_audited().await?;
        insert_application(&mut tx, a).await?;
        sqlx::query::<Any>(
            "INSERT INTO tickets (application_id, category, priority, subject, body, \
             provider_id, linked_compartment_id, linked_file_id, first_response_due_at, \
             resolution_due_at, first_response_at, resolved_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL)",
        )
        .bind(a.id.clone())
        .bind(f.category.as_str())
        .bind(f.priority.as_str())
        .bind(f.subject.clone())
        .bind(f.body.clone())
        .bind(ticket.provider_id.map(|p| p.to_string()))
        .bind(ticket.linked_file.map(|(c, _)| c.to_string()))
        .bind(ticket.linked_file.map(|(_, f)| f.to_string()))
        .bind(ticket.first_response_due_at)
        .bind(ticket.resolution_due_at)
        .execute(&mut *tx)
        .await?;
        tx.commit(a.submitted_at, record).await?;
        Ok(())
    }

    /// One ticket.
    pub async fn ticket(&self, id: &str) -> Result<Option<TicketRow>, StoreError> {
        let row = sqlx::query::<Any>(select_tickets!("WHERE a.id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(ticket_row).transpose()
    }

    /// Tickets, newest first: one company's, or every company's (`None`).
    pub async fn tickets(
        &self,
        company: Option<CompanyId>,
        open_only: bool,
        limit: i64,
    ) -> Result<Vec<TicketRow>, StoreError> {
        let rows = sqlx::query::<Any>(select_tickets!(
            "WHERE (CAST($1 AS TEXT) IS NULL OR a.company_id = $1) \
             AND ($2 = 0 OR a.closed_at IS NULL) ORDER BY a.submitted_at DESC, a.id LIMIT $3"
        ))
        .bind(company.map(|c| c.to_string()))
        .bind(i64::from(open_only))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ticket_row).collect()
    }

    /// Takes a step on a ticket from the state it was decided in, with its
    /// thread line, its clock marks and its audit entry. `false` (nothing
    /// written) when the ticket moved on meanwhile.
    pub async fn transition_ticket(
        &self,
        t: &Transition<'_>,
        marks: TicketMarks,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        if !apply_transition(&mut tx, t, now_ms).await? {
            return Ok(false);
        }
        sqlx::query::<Any>(
            "UPDATE tickets SET first_response_at = CASE WHEN $2 = 1 AND \
             first_response_at IS NULL THEN $3 ELSE first_response_at END, \
             resolved_at = $4 WHERE application_id = $1",
        )
        .bind(t.id.to_owned())
        .bind(i64::from(marks.desk_acted))
        .bind(now_ms)
        .bind(marks.resolved_at)
        .execute(&mut *tx)
        .await?;
        tx.commit(now_ms, record).await?;
        Ok(true)
    }
}
