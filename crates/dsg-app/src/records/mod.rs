//! The handler roster (取扱者名簿) and training records (教育記録): kept by
//! the contractor's protected-system administrator (or an agency operator
//! on its behalf), confirmed by the agency, and read by the policy point on
//! every request (`rosterStatus`, `trainingAgeSeconds`). The personal
//! details are sealed under the master key, bound to the person; the audit
//! entries carry ids only.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use dsg_core::{
    AuditAction, AuditObject, CalendarDate, Outcome, RosterDetails, RosterStatus, TrainingCourse,
    TrainingNotes, TrainingRecordId, TrainingTopic, User, UserId,
};
use dsg_crypto::{open, seal, WrapContext};
use dsg_policy::{Action, ChangeRequestFacts, Resource};
use dsg_store::{RosterRow, Standing, StoreError, TrainingRow};
use serde::{Deserialize, Serialize};

mod read;
mod roles;

pub use read::{CompanyRecords, ContractRoster, PersonRecords, RecordOffers, RecordsRead};
pub use roles::{ConsentEntry, NewRoleDesignation, RoleEntry};

use crate::admin::parse_id;
use crate::policies::{host_meta, with_decision, BREAK_GLASS};
use crate::{App, AppError, Caller, RequestMeta};

const ROSTER_DETAILS: &str = "roster-details";
const TRAINING_NOTES: &str = "training-notes";

/// A training as entered on the form or the API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTraining {
    /// `annual`, `designation`, `change` or `role`.
    pub course: String,
    /// The day it was completed, `YYYY-MM-DD`.
    pub completed_on: String,
    /// Notes: what was taught, free text.
    pub topics: String,
    /// Who gave it.
    pub instructor: String,
    /// Which of the seven topics of 第7-1 it covered (`importance`,
    /// `need-to-know` …); none recorded leaves the topics unknown, and
    /// such a session counts for no topic of the yearly rule.
    #[serde(default)]
    pub covered_topics: Vec<String>,
}

/// A roster line, opened for a reader entitled to it.
#[derive(Debug, Clone, Serialize)]
pub struct RosterLine {
    /// Submitted, confirmed or removed.
    pub status: &'static str,
    /// The personal details.
    pub details: RosterDetails,
    /// Who entered or last changed it.
    pub submitted_by: String,
    /// When (Unix ms); also the version a confirmation names.
    pub submitted_at: i64,
    /// Who confirmed it (absent for a break-glass confirmation).
    pub confirmed_by: Option<String>,
    /// When it was confirmed.
    pub confirmed_at: Option<i64>,
    /// When it was taken off the roster.
    pub removed_at: Option<i64>,
}

/// One training record, opened.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingEntry {
    /// The record.
    pub id: String,
    /// Who took it.
    pub user_id: String,
    /// Which occasion.
    pub course: &'static str,
    /// The day it was completed.
    pub completed_on: String,
    /// Topics and instructor.
    pub notes: TrainingNotes,
    /// The topics of 第7-1 it covered; `None`: not recorded (a record
    /// kept before the checklist).
    pub covered_topics: Option<Vec<&'static str>>,
    /// Who recorded it, and when (Unix ms).
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: i64,
}

impl App {
    /// Today in the deployment's time zone.
    pub fn today(&self) -> CalendarDate {
        let offset = i64::from(self.inner.config.zero_trust.utc_offset_minutes) * 60_000;
        CalendarDate::of_unix_ms(self.now() + offset)
    }

    /// The person a record is about, decided on with `action`. A contractor
    /// asking about someone outside their company is answered not-found
    /// (the denial is recorded), as for any resource they may not know.
    async fn record_subject(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        user_id: &str,
        action: Action,
        audit_action: AuditAction,
    ) -> Result<(User, super::Decided, UserId), AppError> {
        let user_id: UserId = parse_id(user_id, "user")?;
        let user = self.inner.org.user(user_id).await?;
        let target = match &user {
            Some(user) => self.user_facts(user, user.state(self.now())).await?,
            // A missing person is decided on as one of a company nobody
            // belongs to: missing and forbidden take the same path (one
            // decision, one audit entry) and give the same answer.
            None => crate::named::missing_user(user_id),
        };
        let owner = user.as_ref().map(|u| u.company_id);
        let (by, decided) = self
            .authorize_named(
                meta,
                caller,
                (action, Resource::Account(target.clone())),
                owner,
                audit_action,
                AuditObject::User(user_id),
            )
            .await?;
        let user = user.ok_or(AppError::NotFound)?;
        target.company_kind.check_keeps_records()?;
        Ok((user, decided, by.user.id))
    }

    /// Enters or changes a person's roster line. It then awaits the
    /// agency's confirmation, also after a change. Returns the version
    /// entered (its `submitted_at`), which a confirmation names.
    pub async fn submit_roster(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        user_id: &str,
        details: &RosterDetails,
    ) -> Result<i64, AppError> {
        let (user, decided, by) = self
            .record_subject(
                meta,
                caller,
                user_id,
                Action::RosterSubmit,
                AuditAction::RosterSubmit,
            )
            .await?;
        let details = details.validate(self.today())?;
        let json = serde_json::to_vec(&details)
            .map_err(|e| AppError::Internal(format!("roster details: {e}")))?;
        let now = self.now();
        let sealed = self.seal_record(ROSTER_DETAILS, &roster_owner(user.id, now), &json)?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::RosterSubmit,
            AuditObject::User(user.id),
            Outcome::Success,
            &decided,
        );
        self.inner
            .records
            .submit_roster(user.id, user.company_id, &sealed, by, now, &record)
            .await?;
        Ok(now)
    }

    /// Confirms a submitted roster line, naming the version seen
    /// (`submitted_at`): a line changed since is not confirmed. Nobody
    /// confirms a line they submitted.
    pub async fn confirm_roster(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        user_id: &str,
        submitted_at: i64,
    ) -> Result<(), AppError> {
        // Only someone who may read the company's records learns whether
        // the line exists; then the confirmation is decided on it.
        let (row, _) = self
            .readable_roster_line(meta, caller, user_id, AuditAction::RosterConfirm)
            .await?;
        // Decided on the version the caller saw, and confirmed only as that
        // version by the person who submitted it (the store checks both
        // again in its update).
        let stale = Self::audit(
            meta,
            caller,
            AuditAction::RosterConfirm,
            AuditObject::User(row.user_id),
            Outcome::Failure,
            "conflict",
        );
        if row.status != RosterStatus::Submitted || row.submitted_at != submitted_at {
            self.record(&stale).await?;
            return Err(AppError::Conflict(
                "roster line not awaiting confirmation in that version",
            ));
        }
        let (user, decided) = self
            .authorize_change_request(
                meta,
                caller,
                Action::RosterConfirm,
                AuditAction::RosterConfirm,
                roster_change_request(&row),
            )
            .await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::RosterConfirm,
            AuditObject::User(row.user_id),
            Outcome::Success,
            &decided,
        );
        let confirmed = self
            .inner
            .records
            .confirm_roster(
                row.user_id,
                (row.submitted_at, row.submitted_by),
                Some(user.id),
                self.now(),
                &record,
            )
            .await;
        if let Err(error) = confirmed {
            // Changed between the read and the update: recorded as such.
            self.record(&stale).await?;
            return Err(error.into());
        }
        Ok(())
    }

    /// The break-glass confirmation from the gateway host (`dsg admin
    /// roster-confirm`), for an agency whose single operator submitted the
    /// line. Audited as such.
    pub async fn confirm_roster_break_glass(&self, user_id: &str) -> Result<(), AppError> {
        let user_id: UserId = parse_id(user_id, "user")?;
        let row = self
            .inner
            .records
            .roster_entry(user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut record = Self::audit(
            &host_meta(),
            &Caller::Anonymous,
            AuditAction::RosterConfirm,
            AuditObject::User(user_id),
            Outcome::Success,
            "break-glass",
        );
        record.actor = Some(BREAK_GLASS.to_owned());
        self.inner
            .records
            .confirm_roster(
                user_id,
                (row.submitted_at, row.submitted_by),
                None,
                self.now(),
                &record,
            )
            .await?;
        Ok(())
    }

    /// Takes a person off the roster; with the roster required, they reach
    /// no data from their next request on.
    pub async fn remove_roster(
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
                Action::RosterRemove,
                AuditAction::RosterRemove,
            )
            .await?;
        let record = Self::audit_decided(
            meta,
            caller,
            AuditAction::RosterRemove,
            AuditObject::User(user.id),
            Outcome::Success,
            &decided,
        );
        let removed = self
            .inner
            .records
            .remove_roster(user.id, by, self.now(), &record)
            .await;
        if let Err(error @ StoreError::NotFound(_)) = removed {
            // No line in force (never entered, or removed already): the
            // allowed attempt is recorded as a failure, not left unlogged.
            let none = Self::person_audit(
                (meta, caller),
                AuditAction::RosterRemove,
                user.id,
                (Outcome::Failure, "no roster line in force".into()),
                &decided,
            );
            self.record(&none).await?;
            return Err(error.into());
        }
        removed?;
        Ok(())
    }

    /// The audit entry of an action on a person's records, with its own
    /// outcome and reason and the decision it was made on.
    fn person_audit(
        (meta, caller): (&RequestMeta, &Caller),
        action: AuditAction,
        person: UserId,
        (outcome, reason): (Outcome, String),
        decided: &super::Decided,
    ) -> dsg_core::AuditRecord {
        with_decision(
            Self::audit(
                meta,
                caller,
                action,
                AuditObject::User(person),
                outcome,
                reason,
            ),
            decided,
        )
    }

    /// Records a training a person took.
    pub async fn record_training(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        user_id: &str,
        training: &NewTraining,
    ) -> Result<TrainingRecordId, AppError> {
        let (user, decided, by) = self
            .record_subject(
                meta,
                caller,
                user_id,
                Action::TrainingRecord,
                AuditAction::TrainingRecord,
            )
            .await?;
        if user.id == by {
            // The policy's `no-self-recorded-training` refuses this; an
            // operator's own policy version might not have that rule, and a
            // training one records for oneself can open data for oneself.
            let refused = Self::person_audit(
                (meta, caller),
                AuditAction::TrainingRecord,
                user.id,
                (Outcome::Denied, "self-recorded training".into()),
                &decided,
            );
            self.record(&refused).await?;
            return Err(AppError::Forbidden);
        }
        let course = TrainingCourse::parse(training.course.trim()).map_err(|_| {
            AppError::Invalid("course must be annual, designation, change or role".into())
        })?;
        let completed_on = CalendarDate::parse("completed_on", &training.completed_on)?;
        if completed_on > self.today() {
            return Err(AppError::Invalid(
                "completed_on must not be in the future".into(),
            ));
        }
        let covered_topics = if training.covered_topics.is_empty() {
            None
        } else {
            Some(TrainingTopic::parse_list(&training.covered_topics)?)
        };
        let notes = TrainingNotes {
            topics: training.topics.clone(),
            instructor: training.instructor.clone(),
        }
        .validate()?;
        let id = TrainingRecordId::random();
        let json = serde_json::to_vec(&notes)
            .map_err(|e| AppError::Internal(format!("training notes: {e}")))?;
        let now = self.now();
        let row = TrainingRow {
            id,
            user_id: user.id,
            company_id: user.company_id,
            course,
            completed_on: completed_on.to_string(),
            // The date is the deployment's: its age counts from local midnight.
            completed_at: completed_on
                .start_unix_ms_at(self.inner.config.zero_trust.utc_offset_minutes),
            notes_sealed: self.seal_record(TRAINING_NOTES, &training_owner(user.id, id), &json)?,
            covered_topics,
            recorded_by: by,
            recorded_at: now,
        };
        let reason = format!(
            "{};course={};completed_on={completed_on}",
            decided.reason(),
            course.as_str()
        );
        let record = Self::person_audit(
            (meta, caller),
            AuditAction::TrainingRecord,
            user.id,
            (Outcome::Success, reason),
            &decided,
        );
        self.inner.records.record_training(&row, &record).await?;
        Ok(id)
    }

    fn training_current(&self, completed_at: Option<i64>) -> bool {
        let days = self.inner.config.zero_trust.training_valid_days;
        if days == 0 {
            return true;
        }
        completed_at.is_some_and(|at| self.now() - at <= i64::from(days) * 86_400_000)
    }

    fn record_context<'a>(purpose: &'a str, owner: &'a str) -> WrapContext<'a> {
        WrapContext {
            purpose,
            owner,
            key_version: 1,
        }
    }

    /// Seals a record's private part, bound to its purpose and to `owner`:
    /// the person and the version of the line (its time) or the training
    /// record's id, so that no other line or record of the same person can
    /// be swapped in at the database.
    pub(crate) fn seal_record(
        &self,
        purpose: &'static str,
        owner: &str,
        plaintext: &[u8],
    ) -> Result<String, AppError> {
        let sealed = seal(
            &self.inner.master_key,
            plaintext,
            &Self::record_context(purpose, owner),
            self.inner.rng.as_ref(),
        )?;
        Ok(STANDARD.encode(sealed))
    }

    pub(crate) fn open_record<T: for<'de> Deserialize<'de>>(
        &self,
        purpose: &'static str,
        owner: &str,
        sealed: &str,
    ) -> Result<T, AppError> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| AppError::Internal(format!("{purpose} is not base64")))?;
        let plain = open(
            &self.inner.master_key,
            &bytes,
            &Self::record_context(purpose, owner),
        )?;
        // No parser message: it could quote the opened value.
        serde_json::from_slice(&plain)
            .map_err(|_| AppError::Internal(format!("{purpose} does not parse")))
    }

    fn open_roster_line(&self, row: &RosterRow) -> Result<RosterLine, AppError> {
        Ok(RosterLine {
            status: row.status.as_str(),
            details: self.open_record(
                ROSTER_DETAILS,
                &roster_owner(row.user_id, row.submitted_at),
                &row.details_sealed,
            )?,
            submitted_by: row.submitted_by.to_string(),
            submitted_at: row.submitted_at,
            confirmed_by: row.confirmed_by.map(|u| u.to_string()),
            confirmed_at: row.confirmed_at,
            removed_at: row.removed_at,
        })
    }

    fn open_training(&self, row: &TrainingRow) -> Result<TrainingEntry, AppError> {
        Ok(TrainingEntry {
            id: row.id.to_string(),
            user_id: row.user_id.to_string(),
            course: row.course.as_str(),
            completed_on: row.completed_on.clone(),
            notes: self.open_record(
                TRAINING_NOTES,
                &training_owner(row.user_id, row.id),
                &row.notes_sealed,
            )?,
            covered_topics: row
                .covered_topics
                .as_ref()
                .map(|topics| topics.iter().map(|t| t.as_str()).collect()),
            recorded_by: row.recorded_by.to_string(),
            recorded_at: row.recorded_at,
        })
    }
}

/// What a roster line's details are sealed to: the person and the line's
/// version.
fn roster_owner(person: UserId, submitted_at: i64) -> String {
    format!("{person}/{submitted_at}")
}

/// What a training's notes are sealed to: the person and the record.
fn training_owner(person: UserId, record: TrainingRecordId) -> String {
    format!("{person}/{record}")
}

/// A submitted roster line as the request its confirmation decides on.
fn roster_change_request(row: &RosterRow) -> ChangeRequestFacts {
    ChangeRequestFacts {
        id: format!("roster:{}:{}", row.user_id, row.submitted_at),
        requested_by: row.submitted_by,
    }
}

/// A person's standing as the policy sees it at `now_ms`: their roster
/// status and the age of their latest training in seconds.
pub(super) fn standing_facts(
    standing: Standing,
    now_ms: i64,
) -> (Option<RosterStatus>, Option<i64>) {
    (
        standing.roster,
        standing.trained_at.map(|at| (now_ms - at).max(0) / 1000),
    )
}
