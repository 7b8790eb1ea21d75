//! The compliance view (第4–第14, requirement by requirement): the
//! company's own, the agency's table of every company × chapter, one
//! requirement's detail with the records that cause it, and attestations
//! for what the gateway cannot see. Reading is decided as `records.read`
//! on the company (the view is drawn from the records it keeps); filing an
//! attestation as `application.file` on the company (the same holders: the
//! company's protected-system administrator, an agency operator on its
//! behalf). Every read is recorded; the first evaluation of a day writes
//! the day's snapshot, audited.

use std::collections::{BTreeMap, HashMap};

use dsg_core::compliance::{evaluate, Catalogue, CompanyEvaluation, Rule, Status};
use dsg_core::{
    AttestationId, AuditAction, AuditObject, CalendarDate, CompanyId, CompanyKind, Outcome,
};
use dsg_policy::{Action, CompanyFacts as PolicyCompany, Resource};
use dsg_store::{AttestationRow, SnapshotRow};
use serde::{Deserialize, Serialize};

mod views;

pub use views::{
    AgencyCompliance, AttestationView, CauseView, ChapterCell, ChapterHead, CompanyCompliance,
    CompanyRow, RequirementDetail, RequirementView, SnapshotView,
};

use crate::admin::parse_id;
use crate::{App, AppError, Caller, RequestMeta};

const ATTESTATION_DETAILS: &str = "compliance-attestation";
/// Snapshots listed with a company's view.
const HISTORY_DAYS: i64 = 60;
/// Longest an attestation may hold, in days (a yearly duty, with margin).
const ATTESTATION_MAX_DAYS: i64 = 3 * 366;

/// Whether an attestation can stand for a requirement with this rule: only
/// for what the gateway cannot see (consent and roles are records of their
/// own, read by their rules).
pub(crate) fn attestable(rule: Rule) -> bool {
    rule == Rule::Attestation
}

/// An attestation as entered on the form or the API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAttestation {
    /// The requirement's id (`4-1`).
    pub requirement: String,
    /// The named person of the company who attests it.
    pub attested_by: String,
    /// The document that evidences it.
    pub document: String,
    /// The day attested, `YYYY-MM-DD` (not in the future).
    pub attested_on: String,
    /// The last day it holds, `YYYY-MM-DD`.
    pub valid_until: String,
}

/// The sealed part of an attestation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttestationDetails {
    attested_by: String,
    document: String,
}

/// Where `/compliance` takes a reader: their own company's view, or the
/// agency's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplianceHome {
    /// A contractor's own view.
    Company(CompanyId),
    /// The table of every company.
    Agency,
}

fn one_line(field: &'static str, raw: &str, max: usize) -> Result<String, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(AppError::Invalid(format!("{field}: must not be empty")));
    }
    if text.chars().count() > max {
        return Err(AppError::Invalid(format!("{field}: too long")));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::Invalid(format!(
            "{field}: contains a control character"
        )));
    }
    Ok(text.to_owned())
}

impl App {
    /// The catalogue in force.
    fn catalogue(&self) -> Result<&'static Catalogue, AppError> {
        Ok(Catalogue::shipped()?)
    }

    /// Where `/compliance` takes the caller.
    pub fn compliance_home(&self, caller: &Caller) -> Result<ComplianceHome, AppError> {
        match caller {
            Caller::Anonymous => Err(AppError::Unauthenticated),
            Caller::User(u) if u.facts.company_kind == CompanyKind::Contractor => {
                Ok(ComplianceHome::Company(u.facts.company))
            }
            Caller::User(_) => Ok(ComplianceHome::Agency),
        }
    }

    /// Evaluates the companies of `facts` that `readable` keeps and writes
    /// the day's snapshot of any that has none yet (one audited write for
    /// them all): a view writes history only of what its caller may read.
    async fn evaluate_and_snapshot(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (company, readable): (Option<CompanyId>, &(dyn Fn(CompanyId) -> bool + Sync)),
        catalogue: &Catalogue,
    ) -> Result<Vec<CompanyEvaluation>, AppError> {
        let offset = self.inner.config.zero_trust.utc_offset_minutes;
        let now = self.now();
        let today = self.today();
        let (facts, gateway) = self
            .inner
            .compliance
            .compliance_facts(company, now, offset)
            .await?;
        let evaluations: Vec<CompanyEvaluation> = facts
            .iter()
            .filter(|f| readable(f.company))
            .map(|f| evaluate(catalogue, f, &gateway, today, now))
            .collect();
        let day = today.to_string();
        let done = self.inner.compliance.snapshotted_on(&day).await?;
        let mut missing = Vec::new();
        for e in evaluations.iter().filter(|e| !done.contains(&e.company)) {
            let statuses: BTreeMap<&str, &str> = e
                .statuses
                .iter()
                .map(|s| (s.requirement.as_str(), s.status.as_str()))
                .collect();
            missing.push(SnapshotRow {
                company_id: e.company,
                day: day.clone(),
                catalogue_version: e.catalogue_version.clone(),
                statuses: serde_json::to_string(&statuses)
                    .map_err(|e| AppError::Internal(format!("snapshot: {e}")))?,
                taken_at: now,
            });
        }
        if !missing.is_empty() {
            let object = match company {
                Some(c) => AuditObject::Company(Some(c)),
                None => AuditObject::Gateway,
            };
            let record = Self::audit(
                meta,
                caller,
                AuditAction::ComplianceSnapshot,
                object,
                Outcome::Success,
                format!(
                    "day={day} catalogue={} companies={}",
                    catalogue.version,
                    missing.len()
                ),
            );
            self.inner
                .compliance
                .write_snapshots(&missing, now, &record)
                .await?;
        }
        Ok(evaluations)
    }

    /// Whether the caller may file an attestation for `company` (asked
    /// without acting: the filing decides again, and records).
    fn may_attest(&self, caller: &Caller, company: CompanyId) -> bool {
        let resource = Resource::Company(PolicyCompany {
            id: company,
            kind: CompanyKind::Contractor,
        });
        self.decide(caller, Action::ApplicationFile, resource)
            .allowed
    }

    /// A company's compliance view, with its history. The read is
    /// recorded; another company's is answered not-found.
    pub async fn company_compliance(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company_id: &str,
    ) -> Result<CompanyCompliance, AppError> {
        let company_id: CompanyId = parse_id(company_id, "company")?;
        let object = AuditObject::Company(Some(company_id));
        let company = self
            .authorize_records_read(
                meta,
                caller,
                company_id,
                AuditAction::ComplianceView,
                object,
            )
            .await?;
        company.kind.check_keeps_records()?;
        let catalogue = self.catalogue()?;
        let evaluation = self
            .evaluate_and_snapshot(meta, caller, (Some(company_id), &|_| true), catalogue)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound)?;
        let names = self.people_names(company_id).await?;
        let label = |kind: &str, id: &str| label_of(&names, kind, id);
        let requirements = catalogue
            .requirements
            .iter()
            .zip(&evaluation.statuses)
            .map(|(r, s)| RequirementView::of(r, s, &label))
            .collect();
        let history = self
            .inner
            .compliance
            .snapshots(company_id, HISTORY_DAYS)
            .await?
            .into_iter()
            .map(snapshot_view)
            .collect::<Result<Vec<_>, _>>()?;
        self.record_compliance_read(meta, caller, Some(company_id), catalogue)
            .await?;
        Ok(CompanyCompliance {
            company_id: company_id.to_string(),
            company_name: company.name,
            catalogue_version: catalogue.version.clone(),
            evaluated_on: self.today().to_string(),
            requirements,
            history,
            may_attest: self.may_attest(caller, company_id),
        })
    }

    /// The agency's table: every contractor the caller may read ×
    /// chapter, each cell the worst of its requirements. A caller who may
    /// read no company is refused (recorded).
    pub async fn agency_compliance(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
    ) -> Result<AgencyCompliance, AppError> {
        let catalogue = self.catalogue()?;
        self.agency_compliance_of(meta, caller, catalogue).await
    }

    /// [`Self::agency_compliance`] against a given catalogue (the
    /// benchmark's empty baseline).
    pub async fn agency_compliance_of(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        catalogue: &Catalogue,
    ) -> Result<AgencyCompliance, AppError> {
        let mut readable: HashMap<CompanyId, String> = HashMap::new();
        for company in self.inner.org.list_companies().await? {
            if company.kind != CompanyKind::Contractor {
                continue;
            }
            let resource = Resource::Company(PolicyCompany {
                id: company.id,
                kind: company.kind,
            });
            if self.decide(caller, Action::RecordsRead, resource).allowed {
                readable.insert(company.id, company.name);
            }
        }
        if readable.is_empty() {
            // Decided once more on the caller's own company, so the
            // refusal is recorded with its decision and answered like a
            // register they may not read (forbidden).
            let own = match caller {
                Caller::User(u) => u.facts.company,
                Caller::Anonymous => CompanyId::random(),
            };
            self.authorize_records_read(
                meta,
                caller,
                own,
                AuditAction::ComplianceView,
                AuditObject::Gateway,
            )
            .await?;
            return Err(AppError::Forbidden);
        }
        let evaluations = self
            .evaluate_and_snapshot(
                meta,
                caller,
                (None, &|c| readable.contains_key(&c)),
                catalogue,
            )
            .await?;
        let mut rows = Vec::with_capacity(readable.len());
        for e in &evaluations {
            let Some(name) = readable.get(&e.company) else {
                continue;
            };
            let cells = chapter_cells(catalogue, e);
            rows.push(CompanyRow {
                company_id: e.company.to_string(),
                company_name: name.clone(),
                cells,
            });
        }
        self.record_compliance_read(meta, caller, None, catalogue)
            .await?;
        Ok(AgencyCompliance {
            catalogue_version: catalogue.version.clone(),
            evaluated_on: self.today().to_string(),
            chapters: views::chapter_heads(),
            rows,
        })
    }

    /// One requirement of one company, with the records that cause its
    /// status and its attestations.
    pub async fn requirement_detail(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company_id: &str,
        requirement: &str,
    ) -> Result<RequirementDetail, AppError> {
        let company_id: CompanyId = parse_id(company_id, "company")?;
        let object = AuditObject::Company(Some(company_id));
        let company = self
            .authorize_records_read(
                meta,
                caller,
                company_id,
                AuditAction::ComplianceView,
                object,
            )
            .await?;
        company.kind.check_keeps_records()?;
        let catalogue = self.catalogue()?;
        let index = catalogue
            .requirements
            .iter()
            .position(|r| r.id == requirement)
            .ok_or(AppError::NotFound)?;
        let evaluation = self
            .evaluate_and_snapshot(meta, caller, (Some(company_id), &|_| true), catalogue)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound)?;
        let (Some(req), Some(status)) = (
            catalogue.requirements.get(index),
            evaluation.statuses.get(index),
        ) else {
            return Err(AppError::NotFound);
        };
        let names = self.people_names(company_id).await?;
        let label = |kind: &str, id: &str| label_of(&names, kind, id);
        let attestations = self
            .inner
            .compliance
            .attestations(company_id)
            .await?
            .iter()
            .filter(|a| a.requirement == req.id)
            .map(|a| self.open_attestation(a, &names))
            .collect::<Result<Vec<_>, _>>()?;
        self.record_compliance_read(meta, caller, Some(company_id), catalogue)
            .await?;
        Ok(RequirementDetail {
            company_id: company_id.to_string(),
            company_name: company.name,
            catalogue_version: catalogue.version.clone(),
            requirement: RequirementView::of(req, status, &label),
            attestations,
            may_attest: attestable(req.rule) && self.may_attest(caller, company_id),
        })
    }

    /// Records an attestation of a requirement the gateway cannot see.
    /// Returns its id.
    pub async fn attest(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company_id: &str,
        new: &NewAttestation,
    ) -> Result<String, AppError> {
        let company_id: CompanyId = parse_id(company_id, "company")?;
        let company = self.inner.org.company(company_id).await?;
        let kind = company.as_ref().map_or(CompanyKind::Contractor, |c| c.kind);
        let (by, decided) = self
            .authorize_named(
                meta,
                caller,
                (
                    Action::ApplicationFile,
                    Resource::Company(PolicyCompany {
                        id: company_id,
                        kind,
                    }),
                ),
                company.as_ref().map(|c| c.id),
                AuditAction::ComplianceAttest,
                AuditObject::Company(Some(company_id)),
            )
            .await?;
        let company = company.ok_or(AppError::NotFound)?;
        company.kind.check_keeps_records()?;
        let catalogue = self.catalogue()?;
        let requirement = catalogue
            .requirement(new.requirement.trim())
            .ok_or_else(|| AppError::Invalid("requirement: not in the catalogue".into()))?;
        if !attestable(requirement.rule) {
            return Err(AppError::Invalid(
                "requirement: the gateway evaluates it from its own records".into(),
            ));
        }
        let today = self.today();
        let attested_on = CalendarDate::parse("attested_on", &new.attested_on)?;
        let valid_until = CalendarDate::parse("valid_until", &new.valid_until)?;
        if attested_on > today {
            return Err(AppError::Invalid(
                "attested_on: must not be in the future".into(),
            ));
        }
        let span = valid_until.start_unix_ms() - attested_on.start_unix_ms();
        if !(0..=ATTESTATION_MAX_DAYS * 86_400_000).contains(&span) {
            return Err(AppError::Invalid(
                "valid_until: on or after attested_on, within three years".into(),
            ));
        }
        let details = AttestationDetails {
            attested_by: one_line("attested_by", &new.attested_by, 100)?,
            document: one_line("document", &new.document, 300)?,
        };
        let json = serde_json::to_vec(&details)
            .map_err(|e| AppError::Internal(format!("attestation: {e}")))?;
        let id = AttestationId::random();
        let sealed = self.seal_record(ATTESTATION_DETAILS, &id.to_string(), &json)?;
        let record = with_reason(
            Self::audit_decided(
                meta,
                caller,
                AuditAction::ComplianceAttest,
                AuditObject::Company(Some(company_id)),
                Outcome::Success,
                &decided,
            ),
            &requirement.id,
        );
        let row = AttestationRow {
            id,
            company_id,
            requirement: requirement.id.clone(),
            attested_on: attested_on.to_string(),
            valid_until: valid_until.to_string(),
            details_sealed: sealed,
            recorded_by: by.user.id,
            recorded_at: self.now(),
        };
        self.inner
            .compliance
            .record_attestation(&row, &record)
            .await?;
        Ok(id.to_string())
    }

    async fn record_compliance_read(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        company: Option<CompanyId>,
        catalogue: &Catalogue,
    ) -> Result<(), AppError> {
        let object = match company {
            Some(c) => AuditObject::Company(Some(c)),
            None => AuditObject::Gateway,
        };
        let record = Self::audit(
            meta,
            caller,
            AuditAction::ComplianceView,
            object,
            Outcome::Success,
            format!("catalogue={}", catalogue.version),
        );
        self.record(&record).await
    }

    /// The display names of a company's people, by id.
    async fn people_names(&self, company: CompanyId) -> Result<HashMap<String, String>, AppError> {
        Ok(self
            .inner
            .org
            .users_of_company(company)
            .await?
            .into_iter()
            .map(|u| (u.id.to_string(), u.display_name))
            .collect())
    }

    fn open_attestation(
        &self,
        row: &AttestationRow,
        names: &HashMap<String, String>,
    ) -> Result<AttestationView, AppError> {
        let details: AttestationDetails = self.open_record(
            ATTESTATION_DETAILS,
            &row.id.to_string(),
            &row.details_sealed,
        )?;
        let recorded_by = row.recorded_by.to_string();
        Ok(AttestationView {
            id: row.id.to_string(),
            requirement: row.requirement.clone(),
            attested_by: details.attested_by,
            document: details.document,
            attested_on: row.attested_on.clone(),
            valid_until: row.valid_until.clone(),
            recorded_by: names.get(&recorded_by).cloned().unwrap_or(recorded_by),
            recorded_at: row.recorded_at,
        })
    }
}

fn with_reason(mut record: dsg_core::AuditRecord, requirement: &str) -> dsg_core::AuditRecord {
    record.reason = if record.reason.is_empty() {
        format!("requirement={requirement}")
    } else {
        format!("requirement={requirement} {}", record.reason)
    };
    record
}

fn label_of(names: &HashMap<String, String>, kind: &str, id: &str) -> String {
    match kind {
        "person" => names.get(id).cloned().unwrap_or_else(|| id.to_owned()),
        _ => id.to_owned(),
    }
}

fn snapshot_view(row: SnapshotRow) -> Result<SnapshotView, AppError> {
    let statuses: BTreeMap<String, String> = serde_json::from_str(&row.statuses)
        .map_err(|e| AppError::Internal(format!("snapshot {}: {e}", row.day)))?;
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for status in statuses.values() {
        let n = counts.entry(status.clone()).or_insert(0);
        *n = n.saturating_add(1);
    }
    Ok(SnapshotView {
        day: row.day,
        catalogue_version: row.catalogue_version,
        counts,
        statuses,
    })
}

/// One cell per chapter: the worst status of its requirements.
fn chapter_cells(catalogue: &Catalogue, e: &CompanyEvaluation) -> Vec<ChapterCell> {
    dsg_core::compliance::Chapter::ALL
        .iter()
        .map(|chapter| {
            let mut worst = Status::NotApplicable;
            let mut counts: BTreeMap<String, u32> = BTreeMap::new();
            for (r, s) in catalogue.requirements.iter().zip(&e.statuses) {
                if r.chapter != *chapter {
                    continue;
                }
                if views::rank(s.status) > views::rank(worst) {
                    worst = s.status;
                }
                let n = counts.entry(s.status.as_str().to_owned()).or_insert(0);
                *n = n.saturating_add(1);
            }
            ChapterCell {
                chapter: chapter.as_str(),
                status: worst.as_str(),
                counts,
            }
        })
        .collect()
}
