//! Companies, users, contracts, compartments and their files.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: String,
    pub company_id: String,
    pub username: String,
    pub display_name: String,
    /// `operator` or `member`.
    pub role: String,
    pub status: String,
    /// When the account stops signing in (the end of its last day, JST),
    /// Unix ms; none for no end.
    pub valid_until: Option<i64>,
}

/// A company: the agency or a contractor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Company {
    pub id: String,
    pub name: String,
    /// `agency` or `contractor`.
    pub kind: String,
}

/// A contract with a contractor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Contract {
    pub id: String,
    pub company_id: String,
    pub number: String,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub starts_on: String,
    /// `YYYY-MM-DD`.
    pub ends_on: String,
    /// Whether the contract carries the special security clause.
    pub special_clause: bool,
}

/// A contract's compartment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Compartment {
    pub id: String,
    pub contract_id: String,
    pub company_id: String,
    pub quota_bytes: i64,
    pub used_bytes: i64,
}

/// A file of a compartment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct File {
    pub id: String,
    pub compartment_id: String,
    pub name: String,
    /// The current version.
    pub version: u32,
    pub size_bytes: i64,
    pub status: String,
    /// `provided` (the agency put it there for the company) or `submitted`
    /// (the company put it there for the agency): from the uploader's
    /// organisation.
    #[schema(pattern = "^(?:provided|submitted)$")]
    pub direction: String,
    /// On a provided file, `return` or `destroy` at the contract's end.
    pub end_instruction: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The user who uploaded the current version.
    pub updated_by: String,
}

/// Why a compartment the caller is designated to cannot be opened now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Blocked {
    pub code: String,
    pub message: String,
}

/// A compartment in the caller's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompartmentEntry {
    pub compartment: Compartment,
    pub contract: Contract,
    pub blocked: Option<Blocked>,
}

/// `GET /api/v1/compartments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompartmentList {
    /// The protection marking (保護すべき情報).
    pub marking: String,
    pub compartments: Vec<CompartmentEntry>,
}

/// `GET /api/v1/compartments/{cid}/files`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FileList {
    pub marking: String,
    pub compartment: Compartment,
    pub contract: Contract,
    pub files: Vec<File>,
}

/// An upload's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Uploaded {
    pub marking: String,
    pub file: File,
}

/// One version of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Version {
    pub version: u32,
    pub size_bytes: i64,
    /// Hex SHA-256 of the plaintext.
    pub sha256: String,
    pub created_at: i64,
    pub created_by: String,
}

/// `GET /api/v1/compartments/{cid}/files/{fid}/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VersionList {
    pub marking: String,
    pub file: File,
    pub versions: Vec<Version>,
}

/// `GET /api/v1/admin/overview`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Overview {
    pub companies: Vec<Company>,
    pub users: Vec<User>,
    pub contracts: Vec<Contract>,
    pub compartments: Vec<Compartment>,
}

/// Body of `POST /api/v1/admin/companies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewCompany {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub name: String,
}

/// Body of `POST /api/v1/admin/users`: no password (the account is
/// enrolled through its one-time link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewUser {
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub company_id: String,
    /// 3 to 64 letters, digits, `.`, `-`, `_`, `@` (stored lower-case).
    #[schema(pattern = "^[A-Za-z0-9._@-]{3,64}$")]
    pub username: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub display_name: String,
    /// `operator` or `member`.
    #[schema(pattern = "^(?:operator|member)$")]
    pub role: String,
    /// Last day (JST) the account may sign in, e.g. the contract end;
    /// empty or absent for no end.
    #[serde(default)]
    #[schema(format = Date, pattern = "^(?:19|[2-9][0-9])[0-9]{2}-")]
    pub valid_until: Option<String>,
}

/// A new account with its one-time enrolment link (shown only here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: User,
    pub enrolment_path: String,
}

/// Body of `POST /api/v1/admin/contracts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewContract {
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub company_id: String,
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub number: String,
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub title: String,
    #[schema(format = Date, pattern = "^(?:19|[2-9][0-9])[0-9]{2}-")]
    pub starts_on: String,
    /// Not before `starts_on`.
    #[schema(format = Date, pattern = "^(?:19|[2-9][0-9])[0-9]{2}-")]
    pub ends_on: String,
    pub special_clause: bool,
}

/// A designated handler of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Handler {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub designated_at: i64,
}

/// `GET /api/v1/admin/contracts/{id}/handlers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HandlerList {
    pub contract: Contract,
    pub handlers: Vec<Handler>,
}

/// `GET /api/v1/admin/contracts/{id}/participants`: the agency's staff
/// designated on the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParticipantList {
    pub contract: Contract,
    pub participants: Vec<Handler>,
}

/// Query of a download.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DownloadQuery {
    /// A former version; the current one when absent.
    #[schema(minimum = 0, maximum = 2147483647)]
    pub version: Option<u32>,
}
