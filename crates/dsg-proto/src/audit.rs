//! Reading the tamper-evident log.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Object;

/// A search of the log (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditSearch {
    /// From (inclusive, Unix ms); default seven days before `until`.
    pub from: Option<i64>,
    /// Until (exclusive, Unix ms); default now.
    pub until: Option<i64>,
    /// Only entries concerning this company.
    pub company: Option<String>,
    /// Only this acting user.
    pub actor: Option<String>,
    /// An action (`file.download`) or a family ending in a dot (`auth.`).
    pub action: Option<String>,
    /// `success`, `denied` or `failure`.
    #[schema(pattern = "^(?:success|denied|failure)?$")]
    pub outcome: Option<String>,
    /// Only entries about this object id.
    pub object: Option<String>,
    /// Only entries about this contract, its compartment or its files.
    pub contract: Option<String>,
    /// How many (default 200, at most 1000).
    #[schema(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// What the caller may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum AuditScope {
    /// The whole log.
    All,
    /// One company's entries.
    Company { company: String },
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditSearchResult {
    #[serde(flatten)]
    pub scope: AuditScope,
    /// Newest first; each as an export line plus `seq`.
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<Object>,
    /// Whether more entries matched than were returned.
    pub truncated: bool,
}

/// An entry's inclusion proof in a tree of `tree_size` leaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub root: String,
    pub path: Vec<String>,
    #[schema(value_type = Object)]
    pub entry: Object,
    /// The signed checkpoint of that tree, once published.
    #[schema(value_type = Option<Object>)]
    pub checkpoint: Option<Object>,
}

/// Body of `POST /api/v1/admin/users/{id}/duties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Duty {
    /// `auditor` or `security-admin`.
    #[schema(pattern = "^(?:auditor|security-admin)$")]
    pub duty: String,
}

/// A granted duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DutyGranted {
    pub user: String,
    pub duty: String,
}
