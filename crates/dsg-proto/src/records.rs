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
    pub offers: RecordOffers,
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
    pub topics: String,
    pub instructor: String,
}

/// A recorded training.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrainingRecorded {
    pub id: String,
    pub user: String,
}
