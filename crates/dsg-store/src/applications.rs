//! Applications (migration `0017_applications.sql`): each application's
//! state, its form, its timeline, and the agency's versioned software
//! lists. The states and transitions are the workflow engine's (dsg-core
//! `workflow.rs`); here a transition is applied only from the state it was
//! decided in, with its timeline line and its audit entry, all in one
//! transaction.

use dsg_core::software::{Delivery, SoftwareEntry, SoftwareForm, SoftwareLists};
use dsg_core::{AuditRecord, CompanyId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::rows::id;
use crate::{Store, StoreError};

/// An application as stored, whatever its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    /// Random UUID.
    pub id: String,
    /// Its type (`software`).
    pub kind: String,
    /// The company it belongs to.
    pub company_id: CompanyId,
    /// Who filed it.
    pub requested_by: UserId,
    /// Its state's stable name.
    pub state: String,
    /// The reason of the latest step.
    pub reason: String,
    /// When it was filed (Unix ms).
    pub submitted_at: i64,
    /// When the next step is due (`YYYY-MM-DD`), while one is.
    pub due_on: Option<String>,
    /// When it last changed (Unix ms).
    pub updated_at: i64,
    /// When it reached a final state.
    pub closed_at: Option<i64>,
}

/// A software installation request: its application and its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftwareRequestRow {
    /// The application.
    pub application: ApplicationRow,
    /// What was asked for.
    pub form: SoftwareForm,
    /// The version of the software lists it was screened against.
    pub list_version: i64,
}

/// One line of an application's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationStepRow {
    /// 1 for the filing, then one more per step.
    pub seq: i64,
    /// The action's stable name (`file` for the filing).
    pub action: String,
    /// The state before (none for the filing).
    pub from_state: Option<String>,
    /// The state after.
    pub to_state: String,
    /// Who took it.
    pub actor: UserId,
    /// Why.
    pub reason: String,
    /// When (Unix ms).
    pub at: i64,
}

/// One version of the software lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftwareListVersionRow {
    /// 1, 2, …
    pub version: i64,
    /// Who put it in force.
    pub changed_by: UserId,
    /// When (Unix ms).
    pub changed_at: i64,
    /// Why.
    pub note: String,
}

/// A transition to apply: from the state it was decided in to the next.
#[derive(Debug, Clone)]
pub struct Transition<'a> {
    /// The application.
    pub id: &'a str,
    /// The state it was decided in.
    pub from: &'a str,
    /// The action's stable name.
    pub action: &'a str,
    /// The state after.
    pub to: &'a str,
    /// Who takes it.
    pub actor: UserId,
    /// Why.
    pub reason: &'a str,
    /// When the next step is due, if one is.
    pub due_on: Option<&'a str>,
    /// Whether the state after is final.
    pub closes: bool,
}

macro_rules! software_select {
    ($rest:literal) => {
        concat!(
            "SELECT a.id, a.kind, a.company_id, a.requested_by, a.state, a.reason, ",
            "a.submitted_at, a.due_on, a.updated_at, a.closed_at, s.product, ",
            "s.product_version, s.vendor, s.purpose, s.installation, s.updates, ",
            "s.preinstalled, s.list_version FROM applications a ",
            "JOIN software_requests s ON s.application_id = a.id ",
            $rest
        )
    };
}

pub(crate) fn application_row(r: &AnyRow) -> Result<ApplicationRow, StoreError> {
    Ok(ApplicationRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        company_id: id(r, "company_id")?,
        requested_by: id(r, "requested_by")?,
        state: r.try_get("state")?,
        reason: r.try_get("reason")?,
        submitted_at: r.try_get("submitted_at")?,
        due_on: r.try_get("due_on")?,
        updated_at: r.try_get("updated_at")?,
        closed_at: r.try_get("closed_at")?,
    })
}

fn software_row(r: &AnyRow) -> Result<SoftwareRequestRow, StoreError> {
    Ok(SoftwareRequestRow {
        application: application_row(r)?,
        form: SoftwareForm {
            product: r.try_get("product")?,
            version: r.try_get("product_version")?,
            vendor: r.try_get("vendor")?,
            purpose: r.try_get("purpose")?,
            installation: Delivery::parse(&r.try_get::<String, _>("installation")?)?,
            updates: Delivery::parse(&r.try_get::<String, _>("updates")?)?,
            preinstalled: r.try_get::<i64, _>("preinstalled")? != 0,
        },
        list_version: r.try_get("list_version")?,
    })
}

/// Inserts a new application and the first line of its timeline (its
/// filing), in the caller's transaction.
pub(crate) async fn insert_application(
    conn: &mut sqlx::AnyConnection,
    a: &ApplicationRow,
) -> Result<(), StoreError> {
    sqlx::query::<Any>(
        "INSERT INTO applications (id, kind, company_id, requested_by, state, reason, \
             submitted_at, due_on, updated_at, closed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.id.clone())
    .bind(a.kind.clone())
    .bind(a.company_id.to_string())
    .bind(a.requested_by.to_string())
    .bind(a.state.clone())
    .bind(a.reason.clone())
    .bind(a.submitted_at)
    .bind(a.due_on.clone())
    .bind(a.updated_at)
    .bind(a.closed_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query::<Any>(
        "INSERT INTO application_steps (application_id, seq, action, from_state, to_state, \
             actor, reason, at) VALUES ($1, 1, 'file', NULL, $2, $3, $4, $5)",
    )
    .bind(a.id.clone())
    .bind(a.state.clone())
    .bind(a.requested_by.to_string())
    .bind(a.reason.clone())
    .bind(a.submitted_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves an application from the state it was decided in and writes its
/// timeline line, in the caller's transaction. `false` (nothing written)
/// when it is no longer in that state.
pub(crate) async fn apply_transition(
    conn: &mut sqlx::AnyConnection,
    t: &Transition<'_>,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query::<Any>(
        "UPDATE applications SET state = $3, reason = $4, due_on = $5, updated_at = $6, \
             closed_at = CASE WHEN $7 = 1 THEN $6 ELSE NULL END \
             WHERE id = $1 AND state = $2",
    )
    .bind(t.id.to_owned())
    .bind(t.from.to_owned())
    .bind(t.to.to_owned())
    .bind(t.reason.to_owned())
    .bind(t.due_on.map(str::to_owned))
    .bind(now_ms)
    .bind(i64::from(t.closes))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query::<Any>(
        "INSERT INTO application_steps (application_id, seq, action, from_state, to_state, \
             actor, reason, at) SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7 \
             FROM application_steps WHERE application_id = $1",
    )
    .bind(t.id.to_owned())
    .bind(t.action.to_owned())
    .bind(t.from.to_owned())
    .bind(t.to.to_owned())
    .bind(t.actor.to_string())
    .bind(t.reason.to_owned())
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

impl Store {
    /// Files a software request: the application, its form and the first
    /// line of its timeline, with the audit entry of the filing.
    pub async fn file_software_request(
        &self,
        request: &SoftwareRequestRow,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let a = &request.application;
        let f = &request.form;
        let mut tx = self.begin_audited().await?;
        insert_application(&mut tx, a).await?;
        sqlx::query::<Any>(
            "INSERT INTO software_requests (application_id, product, product_version, vendor, \
             purpose, installation, updates, preinstalled, list_version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(a.id.clone())
        .bind(f.product.clone())
        .bind(f.version.clone())
        .bind(f.vendor.clone())
        .bind(f.purpose.clone())
        .bind(f.installation.as_str())
        .bind(f.updates.as_str())
        .bind(i64::from(f.preinstalled))
        .bind(request.list_version)
        .execute(&mut *tx)
        .await?;
        tx.commit(a.submitted_at, record).await?;
        Ok(())
    }

    /// One software request.
    pub async fn software_request(
        &self,
        id: &str,
    ) -> Result<Option<SoftwareRequestRow>, StoreError> {
        let row = sqlx::query::<Any>(software_select!("WHERE a.id = $1"))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(software_row).transpose()
    }

    /// Software requests of one company (every company's when `None`),
    /// open ones only if `open_only`, those due first then the newest.
    pub async fn software_requests(
        &self,
        company: Option<CompanyId>,
        open_only: bool,
        limit: i64,
    ) -> Result<Vec<SoftwareRequestRow>, StoreError> {
        let rows = sqlx::query::<Any>(software_select!(
            "WHERE (CAST($1 AS TEXT) IS NULL OR a.company_id = $1) \
             AND ($2 = 0 OR a.closed_at IS NULL) \
             ORDER BY CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, \
             a.submitted_at DESC, a.id LIMIT $3"
        ))
        .bind(company.map(|c| c.to_string()))
        .bind(i64::from(open_only))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(software_row).collect()
    }

    /// Applies a transition decided in state `t.from`, with its timeline
    /// line and its audit entry. `false` (and nothing written) when the
    /// application is no longer in that state: someone else moved it first.
    pub async fn transition_application(
        &self,
        t: &Transition<'_>,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_audited().await?;
        if !apply_transition(&mut tx, t, now_ms).await? {
            return Ok(false);
        }
        tx.commit(now_ms, record).await?;
        Ok(true)
    }

    /// An application's timeline, oldest first.
    pub async fn application_steps(
        &self,
        application: &str,
    ) -> Result<Vec<ApplicationStepRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT seq, action, from_state, to_state, actor, reason, at \
             FROM application_steps WHERE application_id = $1 ORDER BY seq",
        )
        .bind(application.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApplicationStepRow {
                    seq: r.try_get("seq")?,
                    action: r.try_get("action")?,
                    from_state: r.try_get("from_state")?,
                    to_state: r.try_get("to_state")?,
                    actor: id(r, "actor")?,
                    reason: r.try_get("reason")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    /// The software lists in force: their version (0, empty, before the
    /// first) and entries.
    pub async fn software_lists(&self) -> Result<(i64, SoftwareLists), StoreError> {
        let version: Option<i64> = sqlx::query_scalar::<Any, Option<i64>>(
            "SELECT MAX(version) FROM software_list_versions",
        )
        .fetch_one(&self.pool)
        .await?;
        let version = version.unwrap_or(0);
        let rows = sqlx::query::<Any>(
            "SELECT list, product, vendor, product_version FROM software_list_entries \
             WHERE version = $1 ORDER BY product, vendor, product_version",
        )
        .bind(version)
        .fetch_all(&self.pool)
        .await?;
        let mut lists = SoftwareLists::default();
        for r in &rows {
            let entry = SoftwareEntry {
                product: r.try_get("product")?,
                vendor: r.try_get("vendor")?,
                version: r.try_get("product_version")?,
            };
            if r.try_get::<String, _>("list")? == "denied" {
                lists.denied.push(entry);
            } else {
                lists.allowed.push(entry);
            }
        }
        Ok((version, lists))
    }

    /// Every version of the software lists, newest first.
    pub async fn software_list_versions(&self) -> Result<Vec<SoftwareListVersionRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT version, changed_by, changed_at, note FROM software_list_versions \
             ORDER BY version DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SoftwareListVersionRow {
                    version: r.try_get("version")?,
                    changed_by: id(r, "changed_by")?,
                    changed_at: r.try_get("changed_at")?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    /// Puts `lists` in force as version `version`, which must be the next
    /// one: a concurrent change took it first when it is not (a conflict),
    /// so nobody overwrites a version they have not seen.
    pub async fn put_software_lists(
        &self,
        version: &SoftwareListVersionRow,
        lists: &SoftwareLists,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let latest: Option<i64> = sqlx::query_scalar::<Any, Option<i64>>(
            "SELECT MAX(version) FROM software_list_versions",
        )
        .fetch_one(&mut *tx)
        .await?;
        if latest.unwrap_or(0) + 1 != version.version {
            return Err(StoreError::Conflict("software lists changed since read"));
        }
        sqlx::query::<Any>(
            "INSERT INTO software_list_versions (version, changed_by, changed_at, note) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(version.version)
        .bind(version.changed_by.to_string())
        .bind(version.changed_at)
        .bind(version.note.clone())
        .execute(&mut *tx)
        .await?;
        for (list, entries) in [("allowed", &lists.allowed), ("denied", &lists.denied)] {
            for e in entries {
                sqlx::query::<Any>(
                    "INSERT INTO software_list_entries (version, list, product, vendor, \
                     product_version) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(version.version)
                .bind(list)
                .bind(e.product.clone())
                .bind(e.vendor.clone())
                .bind(e.version.clone())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit(version.changed_at, record).await?;
        Ok(())
    }
}
