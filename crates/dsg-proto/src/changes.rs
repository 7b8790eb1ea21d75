//! Change requests after membership (変更申請).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::applications::ApplicationStep;

/// Body of `POST /api/v1/applications/change`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMembershipChange {
    /// The company filed for: an agency operator names it; a company's
    /// administrator leaves it out (their own).
    #[serde(default)]
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub company_id: Option<String>,
    /// `layout`, `move`, `closure`, `company_name` or `contacts`.
    #[schema(pattern = "^(?:layout|move|closure|company_name|contacts)$")]
    pub change: String,
    /// The site concerned (layout, move, closure: the site its terminals
    /// are registered at).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub site: String,
    /// The company's new name (company_name).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub new_name: String,
    /// What changes and why: the new layout, address or contacts.
    #[schema(max_length = 4000)]
    pub details: String,
}

/// The disposal of the data of a terminal a closure revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChangeDisposal {
    pub terminal_id: String,
    pub opened_at: i64,
    pub performed_by: Option<String>,
    pub checked_by: Option<String>,
}

/// A change request with its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MembershipChange {
    pub id: String,
    pub company_id: String,
    pub requested_by: String,
    /// `submitted`, `returned`, `site_check`, `completed`, `rejected` or
    /// `withdrawn`.
    pub state: String,
    pub reason: String,
    pub submitted_at: i64,
    pub due_on: Option<String>,
    pub overdue: bool,
    pub closed_at: Option<i64>,
    /// `layout`, `move`, `closure`, `company_name` or `contacts`.
    pub change: String,
    pub site: String,
    pub new_name: String,
    pub details: String,
    /// The terminals a completed closure revoked, each with the disposal
    /// of its data.
    pub disposals: Vec<ChangeDisposal>,
    /// The steps the caller may take now.
    pub actions: Vec<String>,
    /// Every step taken, oldest first (empty in lists).
    pub steps: Vec<ApplicationStep>,
}

/// `GET /api/v1/applications/change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MembershipChangeList {
    pub changes: Vec<MembershipChange>,
}
