//! Terminal and removable-media requests, the media list, and the inbox of
//! every kind.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::ApplicationStep;

/// Body of `POST /api/v1/applications/terminal`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTerminalRequest {
    /// The company filed for: an agency operator names it; a company's
    /// administrator leaves it out (their own).
    #[serde(default)]
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub company_id: Option<String>,
    /// `register` or `remove`.
    #[schema(pattern = "^(?:register|remove)$")]
    pub operation: String,
    /// Serial number (registration).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub serial: String,
    /// Site (registration).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub site: String,
    /// Model, to the agency's specification (registration).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub model: String,
    /// The terminal's certificate signing request, PEM (registration).
    #[serde(default)]
    #[schema(max_length = 16384)]
    pub csr_pem: String,
    /// The terminal to remove (removal).
    #[serde(default)]
    #[schema(max_length = 64)]
    pub terminal_id: String,
    /// Why (required for a removal).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// A terminal request with its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TerminalRequest {
    pub id: String,
    pub company_id: String,
    pub requested_by: String,
    /// `submitted`, `returned`, `approved`, `rejected` or `withdrawn`.
    pub state: String,
    pub reason: String,
    pub submitted_at: i64,
    pub due_on: Option<String>,
    pub overdue: bool,
    pub closed_at: Option<i64>,
    /// `register` or `remove`.
    pub operation: String,
    pub serial: String,
    pub site: String,
    pub model: String,
    /// The terminal removed, or the one registered on approval.
    pub terminal_id: Option<String>,
    /// The certificate issued on approval of a registration (PEM).
    pub certificate_pem: Option<String>,
    pub cert_serial: Option<String>,
    /// The steps the caller may take now.
    pub actions: Vec<String>,
    /// Every step taken, oldest first (on the request itself).
    pub steps: Vec<ApplicationStep>,
}

/// Body of `POST /api/v1/applications/media`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMediaRequest {
    /// As for a terminal request.
    #[serde(default)]
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub company_id: Option<String>,
    /// `register` or `remove`.
    #[schema(pattern = "^(?:register|remove)$")]
    pub operation: String,
    /// The medium's id (its label).
    #[schema(max_length = 100)]
    pub media_id: String,
    /// `usb_memory`, `external_disk`, `optical_disc` or `memory_card`
    /// (registration).
    #[serde(default)]
    #[schema(pattern = "^(?:usb_memory|external_disk|optical_disc|memory_card)$")]
    pub media_type: Option<String>,
    /// Capacity in megabytes (registration).
    #[serde(default, deserialize_with = "crate::int::i64")]
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub capacity_mb: i64,
    /// What it is used for (registration).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub purpose: String,
    /// Who may use it: user ids of the same company (registration).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub permitted_users: Vec<String>,
    /// Why (required for a removal).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// A media request with its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MediaRequest {
    pub id: String,
    pub company_id: String,
    pub requested_by: String,
    /// `submitted`, `returned`, `approved`, `rejected` or `withdrawn`.
    pub state: String,
    pub reason: String,
    pub submitted_at: i64,
    pub due_on: Option<String>,
    pub overdue: bool,
    pub closed_at: Option<i64>,
    /// `register` or `remove`.
    pub operation: String,
    pub media_id: String,
    pub media_type: Option<String>,
    pub capacity_mb: i64,
    pub purpose: String,
    pub permitted_users: Vec<String>,
    /// The reason given on filing (a removal's).
    pub form_reason: String,
    pub actions: Vec<String>,
    pub steps: Vec<ApplicationStep>,
}

/// One medium of a media list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Medium {
    pub company_id: String,
    pub media_id: String,
    pub media_type: String,
    pub capacity_mb: i64,
    pub purpose: String,
    pub permitted_users: Vec<String>,
    /// The request that listed it.
    pub registered_by: String,
    pub registered_at: i64,
    /// The request that removed it.
    pub removed_by: Option<String>,
    pub removed_at: Option<i64>,
    pub removal_reason: Option<String>,
}

/// `GET /api/v1/removable-media`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MediaList {
    pub media: Vec<Medium>,
}

/// One application waiting for the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InboxItem {
    pub id: String,
    /// `software`, `membership`, `terminal` or `media`.
    pub kind: String,
    pub company_id: String,
    pub company_name: String,
    pub state: String,
    pub submitted_at: i64,
    /// The day the next step is due (the deployment's time zone, JST).
    pub due_on: Option<String>,
    pub overdue: bool,
    /// The steps the caller may take on it now.
    pub actions: Vec<String>,
}

/// `GET /api/v1/inbox/all`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
}
