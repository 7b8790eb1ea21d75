//! The handler roster and training records. The store keeps the personal
//! details sealed as the gateway hands them over; it reads and writes the
//! status, dates and who did what in the clear, as the policy point and
//! the registers need them.

use std::collections::HashMap;

use dsg_core::{
    AuditRecord, CompanyId, ContractId, RosterStatus, TrainingCourse, TrainingRecordId,
    TrainingTopic, UserId,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::rows::id;
use crate::{Store, StoreError};

/// One person's line on the handler roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The person.
    pub user_id: UserId,
    /// Their company.
    pub company_id: CompanyId,
    /// Submitted, confirmed or removed.
    pub status: RosterStatus,
    /// The personal details, sealed by the gateway (base64).
    pub details_sealed: String,
    /// Who entered (or last changed) it, and when (Unix ms).
    pub submitted_by: UserId,
    /// When it was entered or last changed.
    pub submitted_at: i64,
    /// Who at the agency confirmed it, if it is confirmed.
    pub confirmed_by: Option<UserId>,
    /// When.
    pub confirmed_at: Option<i64>,
    /// Who took it off the roster, if removed.
    pub removed_by: Option<UserId>,
    /// When.
    pub removed_at: Option<i64>,
}

/// One training a person took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingRow {
    /// The record.
    pub id: TrainingRecordId,
    /// Who took the training.
    pub user_id: UserId,
    /// Their company.
    pub company_id: CompanyId,
    /// Which occasion.
    pub course: TrainingCourse,
    /// The day it was completed, `YYYY-MM-DD`.
    pub completed_on: String,
    /// The start of that day (Unix ms, UTC): the training's age counts from it.
    pub completed_at: i64,
    /// Topics and instructor, sealed by the gateway (base64).
    pub notes_sealed: String,
    /// Which of the seven topics it covered; `None` for a record kept
    /// before the checklist (topics unknown, its notes say what it was).
    pub covered_topics: Option<Vec<TrainingTopic>>,
    /// Who recorded it.
    pub recorded_by: UserId,
    /// When it was recorded (Unix ms).
    pub recorded_at: i64,
}

/// A person's roster status and latest training, as the policy sees them
/// (`Store::person_facts` per request, `Store::standings` for everyone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// Their roster status, if they have a line.
    pub roster: Option<RosterStatus>,
    /// When their latest training was completed (Unix ms), if any.
    pub trained_at: Option<i64>,
    /// Whether their written consent as a protected-system user is in force.
    pub consented: bool,
}

/// `SELECT <the columns [`roster_row`] reads> FROM roster_entries <rest>`.
macro_rules! select_roster {
    ($rest:literal) => {
        concat!(
            "SELECT user_id, company_id, status, details_sealed, submitted_by, submitted_at, ",
            "confirmed_by, confirmed_at, removed_by, removed_at FROM roster_entries ",
            $rest
        )
    };
}

fn optional_id(row: &AnyRow, column: &str) -> Result<Option<UserId>, StoreError> {
    let text: Option<String> = row.try_get(column)?;
    Ok(text.map(|t| t.parse()).transpose()?)
}

fn roster_row(row: &AnyRow) -> Result<RosterRow, StoreError> {
    Ok(RosterRow {
        user_id: id(row, "user_id")?,
        company_id: id(row, "company_id")?,
        status: RosterStatus::parse(&row.try_get::<String, _>("status")?)?,
        details_sealed: row.try_get("details_sealed")?,
        submitted_by: id(row, "submitted_by")?,
        submitted_at: row.try_get("submitted_at")?,
        confirmed_by: optional_id(row, "confirmed_by")?,
        confirmed_at: row.try_get("confirmed_at")?,
        removed_by: optional_id(row, "removed_by")?,
        removed_at: row.try_get("removed_at")?,
    })
}

fn training_row(row: &AnyRow) -> Result<TrainingRow, StoreError> {
    Ok(TrainingRow {
        id: id(row, "id")?,
        user_id: id(row, "user_id")?,
        company_id: id(row, "company_id")?,
        course: TrainingCourse::parse(&row.try_get::<String, _>("course")?)?,
        completed_on: row.try_get("completed_on")?,
        completed_at: row.try_get("completed_at")?,
        notes_sealed: row.try_get("notes_sealed")?,
        covered_topics: row
            .try_get::<Option<String>, _>("covered_topics")?
            .map(|t| TrainingTopic::decode_list(&t))
            .transpose()?,
        recorded_by: id(row, "recorded_by")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

impl Store {
    /// Enters or changes a person's roster line, with its audit entry. Any
    /// change (new department, new position, back after removal) needs the
    /// agency's confirmation again, so the line goes back to `submitted`.
    pub async fn submit_roster(
        &self,
        user: UserId,
        company: CompanyId,
        details_sealed: &str,
        by: UserId,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO roster_entries (user_id, company_id, status, details_sealed, \
             submitted_by, submitted_at) VALUES ($1, $2, 'submitted', $3, $4, $5) \
             ON CONFLICT (user_id) DO UPDATE SET company_id = excluded.company_id, \
             status = 'submitted', details_sealed = excluded.details_sealed, \
             submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at, \
             confirmed_by = NULL, confirmed_at = NULL, removed_by = NULL, removed_at = NULL",
        )
        .bind(user.to_string())
        .bind(company.to_string())
        .bind(details_sealed)
        .bind(by.to_string())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit(now_ms, record).await?;
        Ok(())
    }

    /// Confirms the line submitted at `submitted_at` by `submitted_by` (the
    /// version the confirmer saw and was decided on), with its audit entry;
    /// `by` is `None` for the break-glass confirmation on the host. `Conflict` when the line is not
    /// awaiting confirmation or was changed since.
    pub async fn confirm_roster(
        &self,
        user: UserId,
        (submitted_at, submitted_by): (i64, UserId),
        by: Option<UserId>,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(
            "UPDATE roster_entries SET status = 'confirmed', confirmed_by = $1, confirmed_at = $2 \
             WHERE user_id = $3 AND status = 'submitted' AND submitted_at = $4 \
             AND submitted_by = $5",
        )
        .bind(by.map(|u| u.to_string()))
        .bind(now_ms)
        .bind(user.to_string())
        .bind(submitted_at)
        .bind(submitted_by.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "roster line not awaiting confirmation in that version",
            ));
        }
        tx.commit(now_ms, record).await?;
        Ok(())
    }

    /// Takes a person off the roster, with its audit entry. Takes effect on
    /// their next request. `NotFound` when they have no line in force.
    pub async fn remove_roster(
        &self,
        user: UserId,
        by: UserId,
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        let done = sqlx::query::<Any>(
            "UPDATE roster_entries SET status = 'removed', removed_by = $1, removed_at = $2 \
             WHERE user_id = $3 AND status <> 'removed'",
        )
        .bind(by.to_string())
        .bind(now_ms)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound("roster line"));
        }
        tx.commit(now_ms, record).await?;
        Ok(())
    }

    /// One person's roster line.
    pub async fn roster_entry(&self, user: UserId) -> Result<Option<RosterRow>, StoreError> {
        sqlx::query::<Any>(select_roster!("WHERE user_id = $1"))
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(roster_row)
            .transpose()
    }

    /// A company's roster (every line, removed ones included), or with
    /// `None` every company's.
    pub async fn roster(&self, company: Option<CompanyId>) -> Result<Vec<RosterRow>, StoreError> {
        sqlx::query::<Any>(select_roster!(
            "WHERE CAST($1 AS TEXT) IS NULL OR company_id = $1 ORDER BY company_id, submitted_at"
        ))
        .bind(company.map(|c| c.to_string()))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(roster_row)
        .collect()
    }

    /// How many roster lines await the agency's confirmation, per company
    /// (companies with none are absent): counted by the database, without
    /// reading the sealed lines.
    pub async fn roster_awaiting_confirmation(
        &self,
    ) -> Result<HashMap<CompanyId, usize>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT company_id, COUNT(*) AS waiting FROM roster_entries \
             WHERE status = 'submitted' GROUP BY company_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let waiting: i64 = row.try_get("waiting")?;
                Ok((
                    id(row, "company_id")?,
                    usize::try_from(waiting).unwrap_or(usize::MAX),
                ))
            })
            .collect()
    }

    /// Records a training with its audit entry.
    pub async fn record_training(
        &self,
        training: &TrainingRow,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO training_records (id, user_id, company_id, course, completed_on, \
             completed_at, notes_sealed, recorded_by, recorded_at, covered_topics) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(training.id.to_string())
        .bind(training.user_id.to_string())
        .bind(training.company_id.to_string())
        .bind(training.course.as_str())
        .bind(training.completed_on.clone())
        .bind(training.completed_at)
        .bind(training.notes_sealed.clone())
        .bind(training.recorded_by.to_string())
        .bind(training.recorded_at)
        .bind(
            training
                .covered_topics
                .as_deref()
                .map(TrainingTopic::encode_list),
        )
        .execute(&mut *tx)
        .await?;
        tx.commit(training.recorded_at, record).await?;
        Ok(())
    }

    /// A company's training records, newest first.
    pub async fn trainings(&self, company: CompanyId) -> Result<Vec<TrainingRow>, StoreError> {
        sqlx::query::<Any>(
            "SELECT id, user_id, company_id, course, completed_on, completed_at, notes_sealed, \
             covered_topics, recorded_by, recorded_at FROM training_records WHERE company_id = $1 \
             ORDER BY completed_at DESC, id",
        )
        .bind(company.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(training_row)
        .collect()
    }

    /// For everyone, the contracts they handle with a training on
    /// designation recorded (see [`Store::person_facts`]).
    pub async fn designation_trainings(
        &self,
    ) -> Result<HashMap<UserId, Vec<ContractId>>, StoreError> {
        let rows = sqlx::query::<Any>(concat!(
            "SELECT h.user_id, h.contract_id FROM handlers h WHERE ",
            crate::person::trained_on_designation!(),
            " UNION ALL SELECT h.user_id, h.contract_id FROM agency_participants h WHERE ",
            crate::person::trained_on_designation!()
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut all: HashMap<UserId, Vec<ContractId>> = HashMap::new();
        for row in &rows {
            all.entry(id(row, "user_id")?)
                .or_default()
                .push(id(row, "contract_id")?);
        }
        Ok(all)
    }

    /// Everyone's standing (for access reviews, which decide for many
    /// people at once). People with neither a line, a training nor a consent are absent.
    pub async fn standings(&self) -> Result<HashMap<UserId, Standing>, StoreError> {
        let mut all: HashMap<UserId, Standing> = HashMap::new();
        let rows = sqlx::query::<Any>("SELECT user_id, status FROM roster_entries")
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            let status = RosterStatus::parse(&row.try_get::<String, _>("status")?)?;
            all.entry(id(row, "user_id")?).or_default().roster = Some(status);
        }
        let rows = sqlx::query::<Any>(
            "SELECT user_id, MAX(completed_at) AS trained_at FROM training_records GROUP BY user_id",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            all.entry(id(row, "user_id")?).or_default().trained_at =
                Some(row.try_get("trained_at")?);
        }
        let rows = sqlx::query::<Any>(
            "SELECT user_id FROM system_use_consents WHERE status = 'consented'",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            all.entry(id(row, "user_id")?).or_default().consented = true;
        }
        Ok(all)
    }
}
