//! Applications (申請) and the software lists.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /api/v1/applications/software`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSoftwareRequest {
    /// The company filed for: an agency operator names it; a company's
    /// administrator leaves it out (their own).
    #[serde(default)]
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub company_id: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub product: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub version: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub vendor: String,
    /// What it is needed for.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub purpose: String,
    /// `offline` or `online`.
    #[schema(pattern = "^(?:offline|online)$")]
    pub installation: String,
    /// `offline`, `online` or `none`.
    #[schema(pattern = "^(?:offline|online|none)$")]
    pub updates: String,
    /// Whether it came pre-installed on the terminal.
    pub preinstalled: bool,
}

/// A software request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoftwareRequest {
    pub id: String,
    pub company_id: String,
    pub requested_by: String,
    /// `submitted`, `returned`, `approved`, `rejected`, `refused`,
    /// `recorded` or `withdrawn`.
    pub state: String,
    /// The latest step's reason: on filing `awaiting_agency`,
    /// `whitelisted`, `online_installation`, `online_updates` or
    /// `blacklisted`; then the deciding person's text.
    pub reason: String,
    pub submitted_at: i64,
    /// The day the next step is due (`YYYY-MM-DD`), while one is.
    pub due_on: Option<String>,
    /// Past its due date and still waiting.
    pub overdue: bool,
    pub closed_at: Option<i64>,
    pub product: String,
    pub version: String,
    pub vendor: String,
    pub purpose: String,
    pub installation: String,
    pub updates: String,
    pub preinstalled: bool,
    /// Pre-installed and not approved: it must not be started.
    pub do_not_start: bool,
    /// The version of the software lists it was screened against.
    pub list_version: i64,
    /// The steps the caller may take now.
    pub actions: Vec<String>,
}

/// One line of an application's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationStep {
    pub seq: i64,
    /// `file`, `approve`, `return`, `reject`, `resubmit` or `withdraw`.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor: String,
    pub reason: String,
    pub at: i64,
}

/// A software request with its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoftwareRequestDetail {
    #[serde(flatten)]
    pub request: SoftwareRequest,
    pub steps: Vec<ApplicationStep>,
}

/// `GET /api/v1/applications/software` and `GET /api/v1/inbox`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoftwareRequestList {
    pub requests: Vec<SoftwareRequest>,
}

/// Body of `POST /api/v1/applications/software/{id}/{action}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationStepBody {
    /// Why; required for `return` and `reject`. At most 2000 characters;
    /// no control characters but line breaks and tabs.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
    )]
    pub reason: String,
}

/// One line of a software list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SoftwareListEntry {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub product: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub vendor: String,
    /// One version, or empty for every version.
    #[serde(default)]
    #[schema(
        max_length = 100,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub version: String,
}

/// One version of the software lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoftwareListVersion {
    pub version: i64,
    pub changed_by: String,
    pub changed_at: i64,
    pub note: String,
}

/// `GET /api/v1/software-lists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoftwareLists {
    /// The version in force (0 before the first).
    pub version: i64,
    /// The whitelist (ホワイトリスト).
    pub allowed: Vec<SoftwareListEntry>,
    /// The blacklist (ブラックリスト).
    pub denied: Vec<SoftwareListEntry>,
    /// Every version, newest first.
    pub history: Vec<SoftwareListVersion>,
}

/// Body of `PUT /api/v1/software-lists`: the whole of both lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSoftwareLists {
    /// The version edited from; a change made since is a conflict. JSON
    /// Schema counts `3.0` as an integer, so it is read as one.
    #[schema(minimum = 0, maximum = 2147483647)]
    #[serde(deserialize_with = "crate::int::i64")]
    pub based_on: i64,
    #[schema(max_items = 2000)]
    pub allowed: Vec<SoftwareListEntry>,
    #[schema(max_items = 2000)]
    pub denied: Vec<SoftwareListEntry>,
    /// Why the lists change.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub note: String,
}

/// Answer of `PUT /api/v1/software-lists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SoftwareListsChanged {
    pub version: i64,
}
