//! Versions of the policy set and recorded decisions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Object;

/// A version of the policy set, as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyVersion {
    pub version: i64,
    pub status: String,
    pub origin: String,
    pub summary: String,
    pub based_on: Option<i64>,
    pub proposed_by: Option<String>,
    pub proposed_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub activated_at: Option<i64>,
    /// Hex SHA-256 of the policy text.
    pub digest: String,
    /// The Cedar policy text.
    pub policies: String,
}

/// `GET /api/v1/admin/policies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyVersionList {
    pub in_force: i64,
    pub versions: Vec<PolicyVersion>,
}

/// Body of `POST /api/v1/admin/policies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyProposal {
    /// The Cedar policy text.
    pub policies: String,
    /// What the change is for: 1 to 500 characters, not blank.
    #[schema(max_length = 500, pattern = "\\S")]
    pub summary: String,
}

/// A version's new status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PolicyStatus {
    pub version: i64,
    /// `proposed`, `active` or `rejected`.
    pub status: String,
    /// After a rollback: the version whose text the new one carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_to: Option<i64>,
}

/// Query of a what-if replay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WhatIfQuery {
    /// How many recorded decisions to replay (default 1000).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A recorded decision that a proposed version would decide otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DecisionFlip {
    pub event_id: String,
    pub occurred_at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub was_allowed: bool,
    pub was_policies: String,
    pub now_allowed: bool,
    pub now_policies: Vec<String>,
}

/// What a proposed version would change, replayed on recorded decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WhatIfReport {
    pub version: i64,
    pub replayed: u64,
    pub flips: Vec<DecisionFlip>,
    pub unreadable: u64,
}

/// The full record of one decision, for auditors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DecisionRecord {
    pub event_id: String,
    pub occurred_at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub outcome: String,
    pub reason: String,
    pub policy_version: i64,
    pub allowed: bool,
    /// What the decision was made on; null when the stored record does not
    /// parse.
    pub slice: Option<DecisionSlice>,
    pub digest_matches: bool,
}

/// One entity of a request, in Cedar's plain JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntityRef {
    /// The entity type (`Dsg::User`, `Dsg::Action`, …).
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// The request, context and entity slice a decision was made on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DecisionSlice {
    /// `dsg-decision/schema-vN`.
    pub format: String,
    pub principal: EntityRef,
    pub action: EntityRef,
    pub resource: EntityRef,
    /// The request's context: the Cedar schema's record for the action,
    /// which differs per action and schema version (hence free-form).
    #[schema(value_type = Object)]
    pub context: Object,
    /// The entities the decision saw, in Cedar's entity JSON form (`uid`,
    /// `attrs`, `parents`); their attributes differ per entity type.
    #[schema(value_type = Vec<Object>)]
    pub entities: Vec<Object>,
}
