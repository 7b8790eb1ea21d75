//! The facts the compliance view's evidence rules read, gathered for one
//! company or every contractor in a fixed number of queries (one per kind
//! of record, never one per company or person), the attestations, and the
//! view's daily snapshots.

use std::collections::{HashMap, HashSet};

use dsg_core::compliance::{
    AttestationFact, CompanyFacts, DisposalCandidateFact, DisposalFact, GatewayFacts, PersonFact,
    RoleFact,
};
use dsg_core::{
    AttestationId, AuditRecord, CalendarDate, CompanyId, CompanyRole, RosterStatus, TrainingTopic,
    UserId,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::rows::id;
use crate::{Store, StoreError};

/// One attestation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationRow {
    /// The record.
    pub id: AttestationId,
    /// The company it is for.
    pub company_id: CompanyId,
    /// The requirement's id in the catalogue.
    pub requirement: String,
    /// The day attested, `YYYY-MM-DD`.
    pub attested_on: String,
    /// The last day it holds, `YYYY-MM-DD`.
    pub valid_until: String,
    /// The attesting person's name and the document reference, sealed by
    /// the gateway (base64).
    pub details_sealed: String,
    /// Who recorded it.
    pub recorded_by: dsg_core::UserId,
    /// When (Unix ms).
    pub recorded_at: i64,
}

/// One day's snapshot of a company's statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    /// The company.
    pub company_id: CompanyId,
    /// The deployment's day, `YYYY-MM-DD`.
    pub day: String,
    /// The catalogue version evaluated against.
    pub catalogue_version: String,
    /// `{"4-1": "met", …}`.
    pub statuses: String,
    /// When it was taken (Unix ms).
    pub taken_at: i64,
}

/// Selects the rows of one company (`$1`) or of every contractor.
macro_rules! scoped {
    ($head:literal, $all:literal, $one:literal, $tail:literal) => {
        (concat!($head, $all, $tail), concat!($head, $one, $tail))
    };
}

fn day_of(ms: i64, offset_minutes: i32) -> CalendarDate {
    CalendarDate::of_unix_ms(ms.saturating_add(i64::from(offset_minutes) * 60_000))
}

fn date(row: &AnyRow, column: &str) -> Result<CalendarDate, StoreError> {
    let text: String = row.try_get(column)?;
    CalendarDate::parse("date", &text).map_err(|_| StoreError::Corrupt(format!("{column}: {text}")))
}

impl Store {
    async fn scoped_rows(
        &self,
        (all, one): (&'static str, &'static str),
        company: Option<CompanyId>,
    ) -> Result<Vec<AnyRow>, StoreError> {
        Ok(match company {
            None => sqlx::query::<Any>(all).fetch_all(&self.pool).await?,
            Some(c) => {
                sqlx::query::<Any>(one)
                    .bind(c.to_string())
                    .fetch_all(&self.pool)
                    .await?
            }
        })
    }

    /// The facts of one contractor (or of every contractor) and of the
    /// gateway, as of `now_ms`; days are the deployment's
    /// (`utc_offset_minutes` east of UTC).
    pub async fn compliance_facts(
        &self,
        company: Option<CompanyId>,
        now_ms: i64,
        utc_offset_minutes: i32,
    ) -> Result<(Vec<CompanyFacts>, GatewayFacts), StoreError> {
        let mut by_company: HashMap<CompanyId, CompanyFacts> = HashMap::new();
        let mut order: Vec<CompanyId> = Vec::new();
        let companies = scoped!(
            "SELECT c.id, (SELECT COUNT(*) FROM contracts k WHERE k.company_id = c.id \
             AND k.special_clause = 1) AS clauses FROM companies c WHERE c.kind = 'contractor' ",
            "",
            "AND c.id = $1 ",
            "ORDER BY c.name"
        );
        for row in self.scoped_rows(companies, company).await? {
            let id: CompanyId = id(&row, "id")?;
            let clauses: i64 = row.try_get("clauses")?;
            order.push(id);
            by_company.insert(
                id,
                CompanyFacts {
                    company: id,
                    special_clause: clauses > 0,
                    people: Vec::new(),
                    disposals_checked: 0,
                    disposals_unchecked: Vec::new(),
                    disposal_candidates: Vec::new(),
                    attestations: Vec::new(),
                    roles: Vec::new(),
                },
            );
        }
        let people = scoped!(
            "SELECT u.id, u.company_id, u.status, u.enrolled_at, u.valid_until, \
             (SELECT COUNT(*) FROM handlers h WHERE h.user_id = u.id) AS handles, \
             (SELECT r.status FROM roster_entries r WHERE r.user_id = u.id) AS roster, \
             (SELECT MAX(t.completed_on) FROM training_records t WHERE t.user_id = u.id) \
               AS trained_on, \
             (SELECT COUNT(*) FROM webauthn_credentials w WHERE w.user_id = u.id) AS passkeys, \
             (SELECT COUNT(*) FROM system_use_consents s WHERE s.user_id = u.id \
               AND s.status = 'consented') AS consents \
             FROM users u ",
            "",
            "WHERE u.company_id = $1 ",
            "ORDER BY u.username"
        );
        for row in self.scoped_rows(people, company).await? {
            let Some(facts) = by_company.get_mut(&id::<CompanyId>(&row, "company_id")?) else {
                continue;
            };
            let status: String = row.try_get("status")?;
            let enrolled: Option<i64> = row.try_get("enrolled_at")?;
            let valid_until: Option<i64> = row.try_get("valid_until")?;
            let handles: i64 = row.try_get("handles")?;
            let passkeys: i64 = row.try_get("passkeys")?;
            let consents: i64 = row.try_get("consents")?;
            let roster: Option<String> = row.try_get("roster")?;
            let trained: Option<String> = row.try_get("trained_on")?;
            facts.people.push(PersonFact {
                user: id(&row, "id")?,
                active: status == "active"
                    && enrolled.is_some()
                    && valid_until.is_none_or(|v| v > now_ms),
                handler: handles > 0,
                roster: roster.as_deref().map(RosterStatus::parse).transpose()?,
                last_trained_on: trained
                    .map(|t| CalendarDate::parse("completed_on", &t))
                    .transpose()
                    .map_err(|_| StoreError::Corrupt("training date".into()))?,
                passkeys: u32::try_from(passkeys).unwrap_or(u32::MAX),
                topics_trained_on: Vec::new(),
                consented: consents > 0,
            });
        }
        // Per person and topic, the latest day a session covered it; the
        // sessions whose topics are unknown (kept before the checklist)
        // count for none.
        let trainings = scoped!(
            "SELECT t.user_id, t.completed_on, t.covered_topics FROM training_records t \
             WHERE t.covered_topics IS NOT NULL ",
            "",
            "AND t.company_id = $1 ",
            ""
        );
        let mut topics: HashMap<UserId, Vec<(TrainingTopic, CalendarDate)>> = HashMap::new();
        for row in self.scoped_rows(trainings, company).await? {
            let on = date(&row, "completed_on")?;
            let covered: String = row.try_get("covered_topics")?;
            let person = topics.entry(id(&row, "user_id")?).or_default();
            for topic in TrainingTopic::decode_list(&covered)? {
                match person.iter_mut().find(|(t, _)| *t == topic) {
                    Some((_, last)) => *last = (*last).max(on),
                    None => person.push((topic, on)),
                }
            }
        }
        for facts in by_company.values_mut() {
            for p in &mut facts.people {
                p.topics_trained_on = topics.remove(&p.user).unwrap_or_default();
            }
        }
        let disposals = scoped!(
            "SELECT k.company_id, d.id, d.performed_at, d.checked_at FROM disposals d \
             JOIN compartments m ON m.id = d.compartment_id \
             JOIN contracts k ON k.id = m.contract_id ",
            "",
            "WHERE k.company_id = $1 ",
            ""
        );
        for row in self.scoped_rows(disposals, company).await? {
            let Some(facts) = by_company.get_mut(&id::<CompanyId>(&row, "company_id")?) else {
                continue;
            };
            let checked: Option<i64> = row.try_get("checked_at")?;
            if checked.is_some() {
                facts.disposals_checked = facts.disposals_checked.saturating_add(1);
            } else {
                facts.disposals_unchecked.push(DisposalFact {
                    disposal: id(&row, "id")?,
                    performed_on: day_of(row.try_get("performed_at")?, utc_offset_minutes),
                });
            }
        }
        let candidates = scoped!(
            "SELECT k.company_id, f.id, f.deleted_at FROM files f \
             JOIN compartments m ON m.id = f.compartment_id \
             JOIN contracts k ON k.id = m.contract_id \
             WHERE f.status = 'disposal_candidate' \
             AND NOT EXISTS (SELECT 1 FROM disposals d WHERE d.file_id = f.id) ",
            "",
            "AND k.company_id = $1 ",
            ""
        );
        for row in self.scoped_rows(candidates, company).await? {
            let Some(facts) = by_company.get_mut(&id::<CompanyId>(&row, "company_id")?) else {
                continue;
            };
            let marked: Option<i64> = row.try_get("deleted_at")?;
            facts.disposal_candidates.push(DisposalCandidateFact {
                file: id(&row, "id")?,
                marked_on: day_of(marked.unwrap_or(now_ms), utc_offset_minutes),
            });
        }
        let attestations = scoped!(
            "SELECT id, company_id, requirement, attested_on, valid_until \
             FROM compliance_attestations ",
            "",
            "WHERE company_id = $1 ",
            ""
        );
        for row in self.scoped_rows(attestations, company).await? {
            let Some(facts) = by_company.get_mut(&id::<CompanyId>(&row, "company_id")?) else {
                continue;
            };
            facts.attestations.push(AttestationFact {
                id: id(&row, "id")?,
                requirement: row.try_get("requirement")?,
                attested_on: date(&row, "attested_on")?,
                valid_until: date(&row, "valid_until")?,
            });
        }
        let roles = scoped!(
            "SELECT id, company_id, user_id, role, outside_audited_unit FROM company_roles \
             WHERE revoked_at IS NULL ",
            "",
            "AND company_id = $1 ",
            "ORDER BY designated_at"
        );
        for row in self.scoped_rows(roles, company).await? {
            let Some(facts) = by_company.get_mut(&id::<CompanyId>(&row, "company_id")?) else {
                continue;
            };
            let role: String = row.try_get("role")?;
            let outside: i64 = row.try_get("outside_audited_unit")?;
            facts.roles.push(RoleFact {
                designation: id(&row, "id")?,
                user: id(&row, "user_id")?,
                role: CompanyRole::parse(&role)?,
                outside_audited_unit: outside == 1,
            });
        }
        // A checkpoint is signed only while the stored log agrees with
        // every checkpoint signed before (the sequencer refuses to sign
        // otherwise), so the latest one dates the last verification.
        let verified: Option<i64> = sqlx::query_scalar::<Any, Option<i64>>(
            "SELECT MAX(timestamp_ms) FROM audit_checkpoints",
        )
        .fetch_one(&self.pool)
        .await?;
        let facts = order.iter().filter_map(|c| by_company.remove(c)).collect();
        Ok((
            facts,
            GatewayFacts {
                log_verified_at_ms: verified,
            },
        ))
    }

    /// Records an attestation, with its audit entry.
    pub async fn record_attestation(
        &self,
        row: &AttestationRow,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        sqlx::query::<Any>(
            "INSERT INTO compliance_attestations (id, company_id, requirement, attested_on, \
             valid_until, details_sealed, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(row.id.to_string())
        .bind(row.company_id.to_string())
        .bind(&row.requirement)
        .bind(&row.attested_on)
        .bind(&row.valid_until)
        .bind(&row.details_sealed)
        .bind(row.recorded_by.to_string())
        .bind(row.recorded_at)
        .execute(&mut *tx)
        .await?;
        tx.commit(row.recorded_at, record).await?;
        Ok(())
    }

    /// A company's attestations, newest first.
    pub async fn attestations(
        &self,
        company: CompanyId,
    ) -> Result<Vec<AttestationRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT id, company_id, requirement, attested_on, valid_until, details_sealed, \
             recorded_by, recorded_at FROM compliance_attestations WHERE company_id = $1 \
             ORDER BY recorded_at DESC",
        )
        .bind(company.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AttestationRow {
                    id: id(row, "id")?,
                    company_id: id(row, "company_id")?,
                    requirement: row.try_get("requirement")?,
                    attested_on: row.try_get("attested_on")?,
                    valid_until: row.try_get("valid_until")?,
                    details_sealed: row.try_get("details_sealed")?,
                    recorded_by: id(row, "recorded_by")?,
                    recorded_at: row.try_get("recorded_at")?,
                })
            })
            .collect()
    }

    /// The companies that already have a snapshot for `day`.
    pub async fn snapshotted_on(&self, day: &str) -> Result<HashSet<CompanyId>, StoreError> {
        let rows = sqlx::query::<Any>("SELECT company_id FROM compliance_snapshots WHERE day = $1")
            .bind(day)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| id(row, "company_id")).collect()
    }

    /// Writes the day's snapshots not yet written (another gateway may have
    /// written some meanwhile), with one audit entry for them all.
    pub async fn write_snapshots(
        &self,
        snapshots: &[SnapshotRow],
        now_ms: i64,
        record: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_audited().await?;
        for s in snapshots {
            sqlx::query::<Any>(
                "INSERT INTO compliance_snapshots (company_id, day, catalogue_version, \
                 statuses, taken_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (company_id, day) DO NOTHING",
            )
            .bind(s.company_id.to_string())
            .bind(&s.day)
            .bind(&s.catalogue_version)
            .bind(&s.statuses)
            .bind(s.taken_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit(now_ms, record).await?;
        Ok(())
    }

    /// A company's snapshots, newest first.
    pub async fn snapshots(
        &self,
        company: CompanyId,
        limit: i64,
    ) -> Result<Vec<SnapshotRow>, StoreError> {
        let rows = sqlx::query::<Any>(
            "SELECT company_id, day, catalogue_version, statuses, taken_at \
             FROM compliance_snapshots WHERE company_id = $1 ORDER BY day DESC LIMIT $2",
        )
        .bind(company.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SnapshotRow {
                    company_id: id(row, "company_id")?,
                    day: row.try_get("day")?,
                    catalogue_version: row.try_get("catalogue_version")?,
                    statuses: row.try_get("statuses")?,
                    taken_at: row.try_get("taken_at")?,
                })
            })
            .collect()
    }
}
