//! The compliance view (第4–第14 requirement by requirement).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A record that causes a requirement's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Cause {
    /// `person`, `disposal`, `file`, `attestation` or `log`.
    pub kind: String,
    /// Its id (empty for the log).
    pub id: String,
    /// A name for the reader (a person's display name); else the id.
    pub label: String,
    /// The date that matters (due date, last verification …).
    pub on: Option<String>,
}

/// One requirement and a company's standing on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Requirement {
    /// Its id in the catalogue (`5-2-1`).
    pub id: String,
    /// Its chapter (`4` … `14`, `G6`, `G9`).
    pub chapter: String,
    /// Summary, Japanese.
    pub ja: String,
    /// Summary, English.
    pub en: String,
    /// How it is evidenced (`roster-confirmed`, `training-yearly`,
    /// `passkey-uv`, `audit-log-verified`, `disposal-checked`,
    /// `user-consent`, `role-separation`, `attestation`).
    pub rule: String,
    /// `met`, `due_soon`, `overdue`, `not_met`, `not_applicable`, `attested`.
    pub status: String,
    /// Why, a stable code (`roster_unconfirmed`, `training_overdue`, …).
    pub reason: String,
    /// The next due date, where there is one.
    pub due: Option<String>,
    /// The records that cause the status.
    pub causes: Vec<Cause>,
    /// Whether an attestation can stand for it.
    pub attestable: bool,
}

/// One day's snapshot of a company's statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Snapshot {
    /// The day.
    pub day: String,
    /// The catalogue version evaluated against.
    pub catalogue_version: String,
    /// Requirements per status.
    pub counts: BTreeMap<String, u32>,
    /// Each requirement's status that day.
    pub statuses: BTreeMap<String, String>,
}

/// A company's compliance view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompanyCompliance {
    pub company_id: String,
    pub company_name: String,
    /// The catalogue version evaluated against.
    pub catalogue_version: String,
    /// The day evaluated (the deployment's).
    pub evaluated_on: String,
    /// Every requirement, in the catalogue's order.
    pub requirements: Vec<Requirement>,
    /// Daily snapshots, newest first.
    pub history: Vec<Snapshot>,
    /// Whether the reader may record an attestation.
    pub may_attest: bool,
}

/// A company's standing on one chapter: the worst of its requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChapterCell {
    pub chapter: String,
    pub status: String,
    /// Requirements per status.
    pub counts: BTreeMap<String, u32>,
}

/// One company's row of the agency's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompanyRow {
    pub company_id: String,
    pub company_name: String,
    pub cells: Vec<ChapterCell>,
}

/// A column of the agency's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChapterHead {
    pub chapter: String,
    pub ja: String,
    pub en: String,
}

/// The agency's table: every company × chapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgencyCompliance {
    pub catalogue_version: String,
    pub evaluated_on: String,
    pub chapters: Vec<ChapterHead>,
    pub rows: Vec<CompanyRow>,
}

/// An attestation (body of `POST /api/v1/compliance/companies/{id}/attestations`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttestation {
    /// A requirement of the catalogue the gateway cannot see (`4-1`).
    #[schema(max_length = 20)]
    pub requirement: String,
    /// The named person who attests it.
    #[schema(min_length = 1, max_length = 100)]
    pub attested_by: String,
    /// The document that evidences it (title, number, where kept).
    #[schema(min_length = 1, max_length = 300)]
    pub document: String,
    /// The day attested, not in the future.
    #[schema(format = Date, pattern = "^(?:19|[2-9][0-9])[0-9]{2}-")]
    pub attested_on: String,
    /// The last day it holds (within three years of attested_on).
    #[schema(format = Date, pattern = "^(?:19|[2-9][0-9])[0-9]{2}-")]
    pub valid_until: String,
}

/// An attestation recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttestationRecorded {
    pub id: String,
    pub requirement: String,
}
