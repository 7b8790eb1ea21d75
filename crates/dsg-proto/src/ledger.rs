//! The inventory of protected information (目録): a compartment's items
//! and their events, the open items, and what people enter by hand.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One event of an inventory item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerEvent {
    pub id: String,
    pub seq: i64,
    /// `receipt`, `creation`, `copy`, `permission`, `carry_out`, `sending`,
    /// `return`, `submission`, `disposal` or `check`.
    pub kind: String,
    /// Who.
    pub actor: Option<String>,
    pub actor_name: Option<String>,
    /// Where: the terminal and its site.
    pub terminal_id: Option<String>,
    pub terminal_name: Option<String>,
    pub site: Option<String>,
    /// When (Unix ms).
    pub at: i64,
    /// `hand_delivery` or `registered_mail`.
    pub method: Option<String>,
    /// The permission a carrying out or sending rests on.
    pub permission_id: Option<String>,
    /// On a permission: who may act on it, and the act.
    pub permitted_user: Option<String>,
    pub permits: Option<String>,
    /// On a permission: whether it was used.
    pub used: bool,
    pub recipient: Option<String>,
    pub container: Option<String>,
    pub place: Option<String>,
    pub department: Option<String>,
    pub note: Option<String>,
}

/// One item of a compartment's inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerItem {
    pub id: String,
    /// `file_version`, `copy`, `paper` or `medium`.
    pub kind: String,
    /// `held`, `out`, `closing` or `closed`.
    pub state: String,
    /// Whether it is an open item (a copy not closed; anything out or
    /// awaiting its checker).
    pub open: bool,
    /// Its file's name, or the title entered.
    pub name: String,
    pub file_id: Option<String>,
    pub version: Option<u32>,
    /// A copy: the item it was made from.
    pub parent_id: Option<String>,
    pub holder: Option<String>,
    pub holder_name: Option<String>,
    pub terminal_id: Option<String>,
    pub closing_by: Option<String>,
    pub checked_by: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub events: Vec<LedgerEvent>,
}

/// `GET /api/v1/compartments/{cid}/ledger`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ledger {
    pub marking: String,
    pub compartment_id: String,
    pub contract_id: String,
    pub items: Vec<LedgerItem>,
}

/// `GET /api/v1/ledger/open`: the open items of each compartment the
/// caller may read the inventory of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpenItems {
    pub marking: String,
    pub compartments: Vec<Ledger>,
}

/// Body of `POST /api/v1/compartments/{cid}/ledger/items`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewLedgerItem {
    #[schema(pattern = "^(paper|medium)$")]
    pub kind: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub title: String,
    #[schema(pattern = "^(receipt|creation)$")]
    pub opening: String,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
    pub place: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
    pub department: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
    pub note: Option<String>,
}

/// Body of `POST /api/v1/compartments/{cid}/ledger/items/{iid}/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewLedgerEvent {
    #[schema(pattern = "^(carry_out|sending|return|submission|disposal)$")]
    pub kind: String,
    /// For carrying out and sending: the manager's permission.
    #[serde(default)]
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub permission_id: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
    pub place: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
    pub department: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
    pub note: Option<String>,
}

/// Body of `POST /api/v1/compartments/{cid}/ledger/items/{iid}/permissions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewLedgerPermission {
    #[schema(pattern = "^(carry_out|sending)$")]
    pub act: String,
    /// The user id of who may carry it out or send it.
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub person: String,
    #[schema(pattern = "^(hand_delivery|registered_mail)$")]
    pub method: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub recipient: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub container: String,
}

/// The id of what was entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntered {
    pub id: String,
}
