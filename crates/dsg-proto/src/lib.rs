//! The wire types of the JSON API under `/api/v1`: every request and
//! response body, with the OpenAPI schema the served document is built
//! from. The gateway answers with these types and the typed client reads
//! them, so a field renamed here changes both and the document at once.
//!
//! Ids, dates and states are plain strings and times are Unix
//! milliseconds, as they travel; the domain types live in `dsg-core`.

pub mod access;
pub mod alerts;
pub mod applications;
pub mod audit;
pub mod changes;
pub mod compliance;
pub mod contract_end;
pub mod disposal;
pub mod error;
pub mod files;
pub mod helpdesk;
pub mod identity;
pub mod int;
pub mod ledger;
pub mod memberships;
pub mod params;
pub mod policies;
pub mod records;
pub mod requests;
pub mod terminals;
pub mod webauthn;

pub use error::{ErrorBody, ErrorDetail};

/// A free-form JSON object whose shape another document defines (WebAuthn
/// options and credentials, the free-form parts of a decision record).
pub type Object = serde_json::Value;
