//! Reading the tamper-evident log.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// One entry of the log: the fields its leaf hash covers, named as in the
/// export format (`dsg-audit-export/v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Time-ordered id.
    pub id: String,
    /// When (Unix ms).
    pub occurred_at: i64,
    /// The request that caused it.
    pub request_id: String,
    /// The acting user.
    pub actor: Option<String>,
    /// The client address.
    pub source: Option<String>,
    /// Stable action name (`file.download`).
    pub action: String,
    /// Kind of object.
    pub object_type: String,
    /// The object's id.
    pub object_id: Option<String>,
    /// `success`, `denied` or `failure`.
    pub outcome: String,
    /// Deciding policies, error code or the action's details.
    pub reason: String,
    /// The registered terminal of the request.
    pub terminal: Option<String>,
    /// SHA-256 (hex) of the decision record.
    pub decision: Option<String>,
    /// The contractor the entry concerns.
    pub company: Option<String>,
}

/// An entry found by a search or linked to an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditHit {
    /// The leaf index; null until the sequencer reaches the entry (well
    /// under a second).
    pub seq: Option<i64>,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditSearchResult {
    #[serde(flatten)]
    pub scope: AuditScope,
    /// Newest first.
    pub entries: Vec<AuditHit>,
    /// Whether more entries matched than were returned.
    pub truncated: bool,
}

/// A kept entry as its export line: its leaf hash is recomputed from the
/// salt and the fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntryLine {
    pub seq: i64,
    /// The leaf's salt (hex).
    pub salt: String,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// An entry past its retention period as its export line: the stored
/// leaf hash stands in for the content that is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExpiredLine {
    pub seq: i64,
    /// The stored leaf hash (hex).
    pub leaf_hash: String,
    pub id: String,
    pub occurred_at: i64,
    pub company: Option<String>,
    /// When the content was dropped (Unix ms).
    pub expired_at: i64,
}

/// The entry a proof is about, as its line in the export.
#[allow(
    clippy::large_enum_variant,
    reason = "one per proof answer; boxing would only add an allocation"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProvenEntry {
    Entry(EntryLine),
    Expired(ExpiredLine),
}

/// The state of the log at one moment, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Checkpoint {
    pub log_id: String,
    /// Number of leaves covered.
    pub tree_size: u64,
    /// Merkle root of those leaves (hex).
    pub root: String,
    /// When it was made (Unix ms).
    pub timestamp_ms: i64,
    /// The retention period in force, in days; absent in checkpoints
    /// signed before it was part of the statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
}

/// A checkpoint with its signature (ECDSA P-256 / SHA-256, DER, hex) over
/// the checkpoint's text encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub signature: String,
}

/// An entry's inclusion proof in a tree of `tree_size` leaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub root: String,
    pub path: Vec<String>,
    pub entry: ProvenEntry,
    /// The signed checkpoint of that tree, once published.
    pub checkpoint: Option<SignedCheckpoint>,
}

/// Body of `POST /api/v1/admin/users/{id}/duties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Duty {
    /// `auditor`, `security-admin`, or the service provider's
    /// `site-survey` and `terminal-setup`.
    #[schema(pattern = "^(?:auditor|security-admin|site-survey|terminal-setup)$")]
    pub duty: String,
}

/// A granted duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DutyGranted {
    pub user: String,
    pub duty: String,
}
