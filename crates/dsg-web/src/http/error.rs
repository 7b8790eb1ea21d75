//! The one place where errors become HTTP status codes and stable,
//! machine-readable codes. Internal details are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use dsg_app::AppError;

/// Status and stable code for an error. The code is the application's
/// own ([`AppError::code`]); this is the one place that picks the status.
pub fn status_and_code(error: &AppError) -> (StatusCode, &'static str) {
    let status = match error {
        AppError::Unauthenticated
        | AppError::InvalidCredentials
        | AppError::SecondFactorRefused => StatusCode::UNAUTHORIZED,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Forbidden
        | AppError::StepUpRequired
        | AppError::SelfApproval
        | AppError::Denied(_)
        | AppError::CsrfRefused => StatusCode::FORBIDDEN,
        AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        AppError::Invalid(_) => StatusCode::BAD_REQUEST,
        AppError::PolicyInvalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::TooLarge | AppError::QuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, error.code())
}

/// The message a user may see: the validation text for bad input, a fixed
/// sentence otherwise.
pub fn public_message(error: &AppError) -> String {
    match error {
        AppError::Invalid(text) | AppError::PolicyInvalid(text) => text.clone(),
        AppError::Conflict(what) => format!("already exists: {what}"),
        AppError::Internal(_) => "internal error".to_owned(),
        other => other.to_string(),
    }
}

/// An application error on its way out as the one JSON error answer:
/// `{"error": {"code": <stable code>, "message": <safe text>}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(&self.0)
    }
}

/// The one JSON error answer for `error`; internal details are logged here,
/// never sent.
pub fn error_response(error: &AppError) -> Response {
    let (status, code) = status_and_code(error);
    if let AppError::Internal(detail) = error {
        tracing::error!(%detail, "internal error");
    }
    let body = json!({ "error": { "code": code, "message": public_message(error) } });
    (status, Json(body)).into_response()
}
