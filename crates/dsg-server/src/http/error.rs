//! The one place where errors become HTTP status codes and stable,
//! machine-readable codes. Internal details are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::app::AppError;

/// Status and stable code for an error.
pub fn status_and_code(error: &AppError) -> (StatusCode, &'static str) {
    match error {
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        AppError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
        AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
        AppError::StepUpRequired => (StatusCode::FORBIDDEN, "step_up_required"),
        AppError::SecondFactorRefused => (StatusCode::UNAUTHORIZED, "second_factor_refused"),
        AppError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        AppError::SelfApproval => (StatusCode::FORBIDDEN, "self_approval"),
        AppError::Denied(reason) => (StatusCode::FORBIDDEN, reason.code()),
        AppError::CsrfRefused => (StatusCode::FORBIDDEN, "csrf_refused"),
        AppError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_input"),
        AppError::PolicyInvalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "policy_invalid"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        AppError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        AppError::QuotaExceeded => (StatusCode::PAYLOAD_TOO_LARGE, "quota_exceeded"),
        AppError::InsufficientStorage => (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage"),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

/// The stable code of an error (also stored as the reason of failure entries).
pub fn error_code(error: &AppError) -> &'static str {
    status_and_code(error).1
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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = status_and_code(&self);
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let body = json!({ "error": { "code": code, "message": public_message(&self) } });
        (status, Json(body)).into_response()
    }
}
