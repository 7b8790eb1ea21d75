//! The end of a contract (第6-7): a compartment's phase, what was provided
//! and how it ends, the requests to keep it longer or to close it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A provided file and its end-of-contract instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EndInstruction {
    pub file_id: String,
    pub name: String,
    /// `return` or `destroy`; absent where none was given.
    pub instruction: Option<String>,
}

/// A request about the end: an extension of keeping, or a closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EndRequest {
    pub id: String,
    /// `extension` or `close`.
    pub kind: String,
    pub requested_by: String,
    /// Unix ms.
    pub requested_at: i64,
    pub reason: String,
    /// An extension: the last day asked for (`YYYY-MM-DD`).
    pub until: Option<String>,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
    /// Whether the caller may decide it.
    pub decidable: bool,
}

/// A compartment's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractEnd {
    pub marking: String,
    pub compartment_id: String,
    /// `active`, `ended`, `extended` or `closed`.
    pub phase: String,
    /// The contract's last day.
    pub ends_on: String,
    /// The last day of an approved extension of keeping.
    pub kept_until: Option<String>,
    /// When it was closed (Unix ms).
    pub closed_at: Option<i64>,
    /// Inventory items not yet closed.
    pub unclosed_items: u64,
    pub provided: Vec<EndInstruction>,
    pub requests: Vec<EndRequest>,
    pub may_request_extension: bool,
    pub may_propose_close: bool,
}

/// An extension of keeping asked for (`until` set), or a closing proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewEndRequest {
    /// Why (at most 200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
    /// An extension: the last day asked for (`YYYY-MM-DD`).
    pub until: Option<String>,
}

/// A decision on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EndDecision {
    pub approve: bool,
    /// Why (at most 200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// The request filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EndRequestFiled {
    pub id: String,
}
