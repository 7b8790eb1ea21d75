//! The one error shape every failed request is answered with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"error": {"code": …, "message": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// A stable, machine-readable code and a text a person may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `not_found`, `invalid_input`, `step_up_required`.
    pub code: String,
    /// Safe text; internal details are never sent.
    pub message: String,
}
