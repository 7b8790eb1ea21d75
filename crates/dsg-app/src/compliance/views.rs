//! What the compliance use cases hand to the pages and the API: typed
//! views of an evaluation, with the catalogue's texts.

use std::collections::BTreeMap;

use dsg_core::compliance::{Chapter, Requirement, RequirementStatus, Status};
use serde::Serialize;

/// One record that causes a status, named for the reader.
#[derive(Debug, Clone, Serialize)]
pub struct CauseView {
    /// `person`, `disposal`, `file`, `attestation` or `log`.
    pub kind: &'static str,
    /// Its id (empty for the log).
    pub id: String,
    /// A name for the reader (a person's display name, …); the id where
    /// nothing better is known.
    pub label: String,
    /// The date that matters (due date, last verification …).
    pub on: Option<String>,
}

/// One requirement and the company's standing on it.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementView {
    /// Its id in the catalogue (`5-2-1`).
    pub id: String,
    /// Its chapter (`5`, `G6`).
    pub chapter: &'static str,
    /// Summary, Japanese.
    pub ja: String,
    /// Summary, English.
    pub en: String,
    /// How it is evidenced (`roster-confirmed`, …, `attestation`).
    pub rule: &'static str,
    /// `met`, `due_soon`, `overdue`, `not_met`, `not_applicable`, `attested`.
    pub status: &'static str,
    /// Why (a stable code).
    pub reason: &'static str,
    /// The next due date, where there is one.
    pub due: Option<String>,
    /// The records that cause the status.
    pub causes: Vec<CauseView>,
    /// Whether an attestation can stand for it (the gateway cannot see it).
    pub attestable: bool,
}

impl RequirementView {
    pub(super) fn of(
        requirement: &Requirement,
        status: &RequirementStatus,
        label: &dyn Fn(&str, &str) -> String,
    ) -> Self {
        Self {
            id: requirement.id.clone(),
            chapter: requirement.chapter.as_str(),
            ja: requirement.ja.clone(),
            en: requirement.en.clone(),
            rule: requirement.rule.as_str(),
            status: status.status.as_str(),
            reason: status.reason.as_str(),
            due: status.due.map(|d| d.to_string()),
            causes: status
                .causes
                .iter()
                .map(|c| CauseView {
                    kind: c.kind.as_str(),
                    id: c.id.clone(),
                    label: label(c.kind.as_str(), &c.id),
                    on: c.on.map(|d| d.to_string()),
                })
                .collect(),
            attestable: super::attestable(requirement.rule),
        }
    }
}

/// One day's snapshot: how many requirements stood where.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotView {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// The catalogue version evaluated against.
    pub catalogue_version: String,
    /// Requirements per status (`met` → 12, …).
    pub counts: BTreeMap<String, u32>,
    /// Each requirement's status that day.
    pub statuses: BTreeMap<String, String>,
}

/// A company's compliance view.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyCompliance {
    /// The company.
    pub company_id: String,
    /// Its name.
    pub company_name: String,
    /// The catalogue version evaluated against.
    pub catalogue_version: String,
    /// The day evaluated (the deployment's).
    pub evaluated_on: String,
    /// Every requirement, in the catalogue's order.
    pub requirements: Vec<RequirementView>,
    /// The daily snapshots, newest first.
    pub history: Vec<SnapshotView>,
    /// Whether the reader may record an attestation for the company.
    pub may_attest: bool,
}

/// One cell of the agency's table: a company's standing on a chapter (its
/// worst requirement).
#[derive(Debug, Clone, Serialize)]
pub struct ChapterCell {
    /// The chapter.
    pub chapter: &'static str,
    /// The worst status of its requirements.
    pub status: &'static str,
    /// Requirements per status.
    pub counts: BTreeMap<String, u32>,
}

/// One company's row of the agency's table.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyRow {
    /// The company.
    pub company_id: String,
    /// Its name.
    pub company_name: String,
    /// One cell per chapter, in the table's order.
    pub cells: Vec<ChapterCell>,
}

/// A column of the agency's table.
#[derive(Debug, Clone, Serialize)]
pub struct ChapterHead {
    /// `4` … `14`, `G6`, `G9`.
    pub chapter: &'static str,
    /// Heading, Japanese.
    pub ja: &'static str,
    /// Heading, English.
    pub en: &'static str,
}

/// The agency's table: every company the reader may read × chapter.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyCompliance {
    /// The catalogue version evaluated against.
    pub catalogue_version: String,
    /// The day evaluated.
    pub evaluated_on: String,
    /// The columns.
    pub chapters: Vec<ChapterHead>,
    /// One row per company.
    pub rows: Vec<CompanyRow>,
}

/// An attestation, opened for a reader of the company's records.
#[derive(Debug, Clone, Serialize)]
pub struct AttestationView {
    /// The record.
    pub id: String,
    /// The requirement attested.
    pub requirement: String,
    /// Who attests it (a named person of the company).
    pub attested_by: String,
    /// The document that evidences it (title, number, where it is kept).
    pub document: String,
    /// The day attested.
    pub attested_on: String,
    /// The last day it holds.
    pub valid_until: String,
    /// Who recorded it in the gateway.
    pub recorded_by: String,
    /// When (Unix ms).
    pub recorded_at: i64,
}

/// One requirement of one company, with the records that cause its status.
#[derive(Debug, Clone, Serialize)]
pub struct RequirementDetail {
    /// The company.
    pub company_id: String,
    /// Its name.
    pub company_name: String,
    /// The catalogue version evaluated against.
    pub catalogue_version: String,
    /// The requirement and its status.
    pub requirement: RequirementView,
    /// The attestations on record for it, newest first.
    pub attestations: Vec<AttestationView>,
    /// Whether the reader may record an attestation for it.
    pub may_attest: bool,
}

/// The severity of a status, for a chapter's worst.
pub(super) fn rank(s: Status) -> u8 {
    match s {
        Status::NotApplicable => 0,
        Status::Met => 1,
        Status::Attested => 2,
        Status::DueSoon => 3,
        Status::Overdue => 4,
        Status::NotMet => 5,
    }
}

/// The table's columns.
pub(super) fn chapter_heads() -> Vec<ChapterHead> {
    Chapter::ALL
        .iter()
        .map(|c| ChapterHead {
            chapter: c.as_str(),
            ja: c.label_ja(),
            en: c.label_en(),
        })
        .collect()
}
