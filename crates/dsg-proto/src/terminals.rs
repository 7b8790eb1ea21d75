//! Registered terminals and their posture reports.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A registered terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Terminal {
    pub id: String,
    pub company_id: String,
    pub name: String,
    pub site: String,
    pub serial: String,
    /// `active`, `quarantined` or `revoked`.
    pub status: String,
    pub status_reason: String,
    pub status_changed_at: i64,
    pub certificate_fingerprint: Option<String>,
    pub certificate_serial: Option<String>,
    pub certificate_not_after: Option<i64>,
    pub registered_at: i64,
    pub last_seen_at: Option<i64>,
    pub posture_reported_at: Option<i64>,
    pub posture_compliant: Option<bool>,
}

/// A terminal in the operators' list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TerminalEntry {
    #[serde(flatten)]
    pub terminal: Terminal,
    pub company_name: String,
    pub open_connections: u64,
}

/// `GET /api/v1/admin/terminals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TerminalList {
    pub terminals: Vec<TerminalEntry>,
}

/// Body of `POST /api/v1/admin/terminals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewTerminal {
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub company_id: String,
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub name: String,
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub site: String,
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]*$"
    )]
    pub serial: String,
    /// A CSR of the terminal's own key (PEM, ECDSA P-256); without one
    /// (or blank) the gateway makes the key and answers a PKCS#12 bundle.
    #[serde(default)]
    #[schema(
        pattern = "^(?:\\s*|\\s*-----BEGIN CERTIFICATE REQUEST-----[A-Za-z0-9+/=\\s]*-----END CERTIFICATE REQUEST-----\\s*)$"
    )]
    pub csr_pem: Option<String>,
}

/// Body of `POST /api/v1/admin/terminals/{id}/certificate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reissue {
    /// As in [`NewTerminal`].
    #[serde(default)]
    #[schema(
        pattern = "^(?:\\s*|\\s*-----BEGIN CERTIFICATE REQUEST-----[A-Za-z0-9+/=\\s]*-----END CERTIFICATE REQUEST-----\\s*)$"
    )]
    pub csr_pem: Option<String>,
}

/// Body of a terminal's status change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusReason {
    /// At most 500 characters, no control characters.
    #[serde(default)]
    #[schema(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
    pub reason: String,
}

/// A certificate issued to a terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IssuedTerminal {
    pub terminal: Terminal,
    pub certificate_pem: String,
    pub ca_pem: String,
    /// Without a CSR: the key and certificate as PKCS#12 (base64).
    pub pkcs12_base64: Option<String>,
    pub pkcs12_password: Option<String>,
}

/// Body of `POST /api/v1/terminal/posture`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostureReport {
    /// At most 100 characters, no control characters.
    #[schema(max_length = 100, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
    pub os: String,
    /// At most 100 characters, no control characters.
    #[schema(max_length = 100, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")]
    pub os_version: String,
    pub disk_encrypted: bool,
    pub firewall_enabled: bool,
    /// Unix ms.
    #[serde(default, deserialize_with = "crate::int::opt_i64")]
    pub antivirus_signatures_at: Option<i64>,
    /// Unix ms.
    #[serde(default, deserialize_with = "crate::int::opt_i64")]
    pub patched_at: Option<i64>,
}

/// What the gateway made of a posture report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PostureReceipt {
    pub terminal: String,
    pub compliant: bool,
    pub reported_at: i64,
}
