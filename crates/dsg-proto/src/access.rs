//! "Who has access": a compartment's or a person's review.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Query of a review: `json` (default) or `csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FormatQuery {
    #[serde(default)]
    pub format: Option<String>,
}

/// A terminal someone may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TerminalRef {
    pub id: String,
    pub name: String,
    pub site: String,
}

/// One person's access to a compartment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompartmentAccessEntry {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub company_id: String,
    pub company_name: String,
    pub account_state: String,
    pub handler: bool,
    pub allowed: bool,
    pub terminals: Vec<TerminalRef>,
    /// Why (not), in English.
    pub why: Vec<String>,
}

/// `GET /api/v1/admin/access/compartments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompartmentAccess {
    pub compartment_id: String,
    pub contract_id: String,
    pub contract_number: String,
    pub contract_title: String,
    pub company_id: String,
    pub company_name: String,
    pub policy_version: i64,
    pub entries: Vec<CompartmentAccessEntry>,
}

/// One compartment a person may (or may not) reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PersonAccessEntry {
    pub compartment_id: String,
    pub contract_id: String,
    pub contract_number: String,
    pub contract_title: String,
    pub company_id: String,
    pub company_name: String,
    pub handler: bool,
    pub allowed: bool,
    pub terminals: Vec<TerminalRef>,
    pub why: Vec<String>,
}

/// `GET /api/v1/admin/access/users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PersonAccess {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub company_id: String,
    pub company_name: String,
    pub account_state: String,
    pub policy_version: i64,
    pub compartments: Vec<PersonAccessEntry>,
}
