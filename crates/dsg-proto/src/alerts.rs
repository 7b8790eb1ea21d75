//! Alerts raised by the watcher.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::AuditHit;

/// An alert as its readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    pub id: String,
    pub rule: String,
    pub key: String,
    pub key_kind: String,
    pub key_name: Option<String>,
    pub severity: String,
    /// `open`, `acknowledged` or `closed`.
    pub status: String,
    pub first_at: i64,
    pub last_at: i64,
    pub entry_count: i64,
    pub created_at: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
    pub acknowledge_note: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub close_note: Option<String>,
}

/// `GET /api/v1/alerts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertList {
    pub alerts: Vec<Alert>,
}

/// Query of `GET /api/v1/alerts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertListQuery {
    /// `open` (default), `acknowledged`, `closed` or `all`.
    #[serde(default)]
    pub status: Option<String>,
}

/// One alert with the entries that raised it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: Alert,
    /// Oldest first, as the audit search returns entries.
    pub entries: Vec<AuditHit>,
    pub truncated: bool,
}

/// Body of an alert's status change (optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertNote {
    /// At most 1000 characters; no control characters but line breaks and
    /// tabs.
    #[serde(default)]
    #[schema(
        max_length = 1000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub note: Option<String>,
}
