//! The WebAuthn credentials the API receives, as their schema: the
//! browser's `PublicKeyCredential` JSON (binary fields base64url without
//! padding, as the gateway's WebAuthn library reads them). Schemas only:
//! the gateway parses these bodies with that library.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An assertion's response (`AuthenticatorAssertionResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssertionResponse {
    #[serde(rename = "authenticatorData")]
    #[schema(
        pattern = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$"
    )]
    pub authenticator_data: String,
    #[serde(rename = "clientDataJSON")]
    #[schema(
        pattern = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$"
    )]
    pub client_data_json: String,
    #[schema(
        pattern = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$"
    )]
    pub signature: String,
    #[serde(
        rename = "userHandle",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(
        nullable = false,
        pattern = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$"
    )]
    pub user_handle: Option<String>,
}

/// A passkey assertion (`PublicKeyCredential` from `navigator.credentials.get`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    pub id: String,
    #[serde(rename = "rawId")]
    #[schema(
        pattern = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$"
    )]
    pub raw_id: String,
    pub response: AssertionResponse,
    /// Always `public-key`.
    #[serde(rename = "type")]
    #[schema(pattern = "^public-key$")]
    pub type_: String,
}

/// An attestation's response (`AuthenticatorAttestationResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationResponse {
    #[serde(rename = "attestationObject")]
    #[schema(
        pattern = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$"
    )]
    pub attestation_object: String,
    #[serde(rename = "clientDataJSON")]
    #[schema(
        pattern = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$"
    )]
    pub client_data_json: String,
}

/// A new passkey (`PublicKeyCredential` from `navigator.credentials.create`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    pub id: String,
    #[serde(rename = "rawId")]
    #[schema(
        pattern = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-][AQgw]|[A-Za-z0-9_-]{2}[AEIMQUYcgkosw048])?$"
    )]
    pub raw_id: String,
    pub response: AttestationResponse,
    /// Always `public-key`.
    #[serde(rename = "type")]
    #[schema(pattern = "^public-key$")]
    pub type_: String,
}
