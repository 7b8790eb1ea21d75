//! The one place where errors become HTTP status codes and stable,
//! machine-readable codes. Internal details are logged, never sent.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
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
        | AppError::CsrfRefused
        | AppError::NotOffered(_) => StatusCode::FORBIDDEN,
        AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        AppError::Invalid(_) => StatusCode::BAD_REQUEST,
        AppError::PolicyInvalid(_) | AppError::InvalidContent(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Conflict(_) | AppError::Refused(_) => StatusCode::CONFLICT,
        AppError::TooLarge | AppError::QuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
        AppError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
        AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        // The gateway's own storage failed it; the code says how.
        AppError::Damaged => StatusCode::INTERNAL_SERVER_ERROR,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, error.code())
}

/// The message a user may see: the validation text for bad input, a fixed
/// sentence otherwise.
pub fn public_message(error: &AppError) -> String {
    match error {
        AppError::Invalid(text)
        | AppError::PolicyInvalid(text)
        | AppError::Refused(text)
        | AppError::InvalidContent(text) => text.clone(),
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
    let mut response = (status, Json(body)).into_response();
    if let AppError::RangeNotSatisfiable { size } = error {
        if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
    }
    response
}

/// Longest framework message passed on to the client, in bytes.
const MAX_REJECTION_MESSAGE: usize = 300;

/// A request refused before any use case ran (unreadable JSON, a bad
/// query or path, a body too large, an unknown path or method): the same
/// JSON error shape as [`ApiError`], with its own stable code.
#[derive(Debug)]
pub struct Rejected {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Rejected {
    /// A refusal with `status`, a stable `code` and a safe `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: dsg_core::text::clip(&message.into(), MAX_REJECTION_MESSAGE).to_owned(),
        }
    }

    /// A refusal known only by its status (the framework's own answers).
    pub fn from_status(status: StatusCode) -> Self {
        let message = status.canonical_reason().unwrap_or("request refused");
        Self::new(status, code_for_status(status), message)
    }

    /// Its status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Its stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for Rejected {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

/// The stable code of a status the framework answers with by itself.
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::CONFLICT => "conflict",
        StatusCode::LENGTH_REQUIRED => "length_required",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::INSUFFICIENT_STORAGE => "insufficient_storage",
        StatusCode::RANGE_NOT_SATISFIABLE => "range_not_satisfiable",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

impl From<JsonRejection> for Rejected {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = match &rejection {
            JsonRejection::JsonDataError(_) => "invalid_body",
            JsonRejection::JsonSyntaxError(_) => "invalid_json",
            JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
            _ => code_for_status(status),
        };
        Self::new(status, code, rejection.body_text())
    }
}

impl From<QueryRejection> for Rejected {
    fn from(rejection: QueryRejection) -> Self {
        let status = rejection.status();
        let code = if status.is_client_error() {
            "invalid_query"
        } else {
            code_for_status(status)
        };
        Self::new(status, code, rejection.body_text())
    }
}

impl From<PathRejection> for Rejected {
    fn from(rejection: PathRejection) -> Self {
        let status = rejection.status();
        if status.is_server_error() {
            // A route whose parameters do not fit its handler: a bug, logged.
            tracing::error!(detail = %rejection.body_text(), "path parameters do not fit");
            return Self::new(status, "internal", "internal error");
        }
        Self::new(status, "invalid_path", rejection.body_text())
    }
}
