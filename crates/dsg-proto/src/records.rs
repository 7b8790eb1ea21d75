//! The handler roster (取扱者名簿) and training records (教育記録).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A roster line's details (body of `PUT /api/v1/records/roster/{uid}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterDetails {
    /// 氏名.
    pub full_name: String,
    /// 生年月日, `YYYY-MM-DD`.
    #[schema(format = Date, pattern = "^(?:19|[2-9][0-9])[0-9]{2}-")]
    pub birth_date: String,
    /// 所属.
    pub department: String,
    /// 役職.
    pub position: String,
    /// 国籍.
    pub nationality: String,
    /// When the confidentiality undertaking (誓約書) was signed.
    #[schema(format = Date, pattern = "^(?:19|[2-9][0-9])[0-9]{2}-")]
    pub undertaking_date: String,
}

/// A roster line, opened for a reader entitled to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RosterLine {
    /// `submitted`, `confirmed` or `removed`.
    pub status: String,
    pub details: RosterDetails,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<i64>,
    pub removed_at: Option<i64>,
}

/// What a reader may do with a person's records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RecordOffers {
    pub submit: bool,
    pub remove: bool,
    pub record_training: bool,
    pub confirm: bool,
}

/// One person of a company, with their roster line and training standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PersonRecords {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub roster: Option<RosterLine>,
    pub last_trained_on: Option<String>,
    pub training_current: bool,
    /// Their written consent as a protected-system user, if recorded.
    #[serde(default)]
    pub consent: Option<ConsentLine>,
    pub offers: RecordOffers,
}

/// A protected-system user's written consent (body of `PUT
/// /api/v1/records/consent/{uid}`): the three items of 第5-2(2)ア, each
/// consented to, and the day it was signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemUseConsent {
    #[schema(format = Date, pattern = "^(?:19|[2-9][0-9])[0-9]{2}-")]
    pub signed_on: String,
    /// (ア) the system is a protected system.
    pub protected_system: bool,
    /// (イ) its use is monitored, logged and audited.
    pub monitored: bool,
    /// (ウ) misuse may bring legal liability.
    pub liability: bool,
}

/// A consent line, opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsentLine {
    /// In force (else withdrawn).
    pub consented: bool,
    pub consent: SystemUseConsent,
    pub recorded_by: String,
    pub recorded_at: i64,
    pub withdrawn_at: Option<i64>,
}

/// A consent line's new status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsentStatus {
    pub user: String,
    /// `consented` or `withdrawn`.
    pub status: String,
}

/// Body of `POST /api/v1/records/companies/{id}/roles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoleDesignation {
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub user_id: String,
    /// `executive`, `general-manager`, `manager`, `responsible-manager`,
    /// `system-admin`, `system-staff` or `audit`.
    #[schema(
        pattern = "^(?:executive|general-manager|manager|responsible-manager|system-admin|system-staff|audit)$"
    )]
    pub role: String,
    /// The person's unit (所属).
    pub unit: String,
    /// For a manager: the information or asset they answer for.
    #[serde(default)]
    pub asset: Option<String>,
    /// For an audit member: the unit audited.
    #[serde(default)]
    pub audited_unit: Option<String>,
}

/// One role designation, opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleEntry {
    pub id: String,
    pub user_id: String,
    pub role: String,
    pub unit: String,
    pub asset: Option<String>,
    pub audited_unit: Option<String>,
    pub designated_by: String,
    pub designated_at: i64,
    pub revoked_at: Option<i64>,
}

/// A designation made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleDesignated {
    pub id: String,
    pub user: String,
    pub role: String,
}

/// A contract's designated handlers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractRoster {
    pub contract_id: String,
    pub number: String,
    pub title: String,
    pub handlers: Vec<String>,
}

/// What a training covered and who gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrainingNotes {
    pub topics: String,
    pub instructor: String,
}

/// One training record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrainingEntry {
    pub id: String,
    pub user_id: String,
    pub course: String,
    pub completed_on: String,
    pub notes: TrainingNotes,
    /// The topics of 第7-1 it covered; absent or null: not recorded (a
    /// record kept before the checklist).
    #[serde(default)]
    pub covered_topics: Option<Vec<String>>,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// `GET /api/v1/records/companies/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompanyRecords {
    pub company_id: String,
    pub company_name: String,
    pub people: Vec<PersonRecords>,
    pub contracts: Vec<ContractRoster>,
    pub trainings: Vec<TrainingEntry>,
    /// The company's role designations, withdrawn ones included.
    #[serde(default)]
    pub roles: Vec<RoleEntry>,
    /// Whether data needs a protected-system user's recorded consent.
    #[serde(default)]
    pub consent_required: bool,
    pub roster_required: bool,
    pub training_valid_days: Option<u32>,
    pub designation_training_required: bool,
}

/// Query of the roster CSV.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterCsvQuery {
    /// One contract of the company: only its designated handlers.
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub contract: Option<String>,
}

/// Body of `POST /api/v1/records/roster/{uid}/confirm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterConfirmation {
    /// The version of the line being confirmed (its `submitted_at`).
    #[serde(deserialize_with = "crate::int::i64")]
    pub submitted_at: i64,
}

/// A roster line's new status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RosterStatus {
    pub user: String,
    /// `submitted`, `confirmed` or `removed`.
    pub status: String,
}

/// Body of `POST /api/v1/records/training/{uid}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTraining {
    /// `annual`, `designation`, `change` or `role`.
    #[schema(pattern = "^(?:annual|designation|change|role)$")]
    pub course: String,
    #[schema(format = Date, pattern = "^(?:19|[2-9][0-9])[0-9]{2}-")]
    pub completed_on: String,
    /// Notes: what was taught, free text.
    pub topics: String,
    pub instructor: String,
    /// Which of the seven topics of 第7-1 it covered, each once; none
    /// leaves the topics unknown (the session then counts for no topic of
    /// the yearly rule).
    #[serde(default)]
    pub covered_topics: Vec<String>,
}

/// A recorded training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrainingRecorded {
    pub id: String,
    pub user: String,
}
