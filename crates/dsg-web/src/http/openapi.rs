//! The API document, generated from the routes of [`super::api_routes`]
//! (each handler's `#[utoipa::path]`) and the wire types of `dsg-proto`,
//! and served at `/api/v1/openapi.json`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, Content, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, ResponseBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use dsg_app::AppError;

use super::error::ApiError;

const DESCRIPTION: &str = "JSON API of dsg. Authenticate with POST /api/v1/session; the response \
sets the session cookie `__Host-dsg_session` and returns a `csrf_token`. Every state-changing \
request must send that token in the `X-CSRF-Token` header. Errors are `{\"error\": {\"code\": \
<stable code>, \"message\": <text>}}` (`ErrorBody`). A compartment or file that does not exist \
and one the caller may not reach both answer 404 `not_found`. Responses that carry protected data \
include `\"marking\": \"保護すべき情報\"` (downloads: the `X-DSG-Marking` header). Requests the \
gateway refuses before any use case runs are answered in the same shape: an unknown API path 404 \
`not_found`, a wrong method 405 `method_not_allowed` (with `Allow`), a path and query over 8 KiB \
414 `uri_too_long`, more than 100 header fields or over 24 KiB of them 431 `headers_too_large`, \
a JSON body over 64 KiB 413 `too_large`, over HTTP/1.1 and HTTP/2 alike.";

/// The cookie that carries the session.
const SESSION_COOKIE: &str = "__Host-dsg_session";
/// The header that carries the session's CSRF token.
const CSRF_HEADER: &str = "X-CSRF-Token";

/// The document's frame: what no single operation says (title, the two
/// security schemes, the session required by default, the error shape).
pub fn base() -> OpenApi {
    let mut schemas = Vec::new();
    dsg_proto::ErrorBody::schemas(&mut schemas);
    let components = ComponentsBuilder::new()
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        )
        .security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(CSRF_HEADER))),
        )
        .schema(dsg_proto::ErrorBody::name(), dsg_proto::ErrorBody::schema())
        .schemas_from_iter(schemas)
        .schemas_from_iter(parameter_schemas())
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("dsg — Defense Security Gateway API")
                .version("1")
                .description(Some(DESCRIPTION)),
        )
        .components(Some(components))
        .security(Some([SecurityRequirement::new(
            "session",
            Vec::<String>::new(),
        )]))
        .build()
}

/// What the JSON body extractor (`ApiJson`) answers on its own, before the
/// handler runs: true of every operation that takes a JSON body.
const JSON_BODY_REFUSALS: [(&str, &str); 4] = [
    ("400", "invalid_json"),
    ("413", "too_large"),
    ("415", "unsupported_media_type"),
    ("422", "invalid_body"),
];

/// The closed value sets that path and query parameters name by
/// reference (the operations' own collection covers only bodies).
fn parameter_schemas() -> Vec<(String, RefOr<Schema>)> {
    use dsg_proto::params::{
        AccountChange, AlertChange, AlertStatusFilter, ApplicationStepAction, ChangeStepAction,
        MembershipStepAction, Outcome, PolicyChange, ReviewFormat, TerminalChange,
        TicketStepAction,
    };
    vec![
        (
            ApplicationStepAction::name().into(),
            ApplicationStepAction::schema(),
        ),
        (ChangeStepAction::name().into(), ChangeStepAction::schema()),
        (
            MembershipStepAction::name().into(),
            MembershipStepAction::schema(),
        ),
        (AccountChange::name().into(), AccountChange::schema()),
        (AlertChange::name().into(), AlertChange::schema()),
        (
            AlertStatusFilter::name().into(),
            AlertStatusFilter::schema(),
        ),
        (Outcome::name().into(), Outcome::schema()),
        (PolicyChange::name().into(), PolicyChange::schema()),
        (ReviewFormat::name().into(), ReviewFormat::schema()),
        (TerminalChange::name().into(), TerminalChange::schema()),
        (TicketStepAction::name().into(), TicketStepAction::schema()),
    ]
}

/// The whole document, as served.
pub fn document() -> OpenApi {
    let mut document = super::api_routes().into_openapi();
    let mut seen = BTreeSet::new();
    for (path, item) in &mut document.paths.paths {
        let operations = [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            declare_json_body_refusals(operation);
            declare_guard_refusals(operation);
            unique_operation_id(operation, method, path, &mut seen);
        }
    }
    document
}

/// Operation ids are the handlers' names, which repeat across modules
/// (`list`, `change`): a repeated one becomes the method and path, so that
/// every id is unique as OpenAPI requires.
fn unique_operation_id(
    operation: &mut Operation,
    method: &str,
    path: &str,
    seen: &mut BTreeSet<String>,
) {
    let name = operation.operation_id.clone().unwrap_or_default();
    if name.is_empty() || !seen.insert(name) {
        let slug: String = format!("{method}{path}")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        seen.insert(slug.clone());
        operation.operation_id = Some(slug);
    }
}

fn declare_json_body_refusals(operation: &mut Operation) {
    let takes_json = match &operation.request_body {
        Some(RefOr::T(body)) => body.content.contains_key("application/json"),
        _ => false,
    };
    if !takes_json {
        return;
    }
    for (status, code) in JSON_BODY_REFUSALS {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(code));
    }
}

/// What every operation may answer before its use case decides: the
/// session guard refuses a request without a session (401) and, on a
/// session, one the policy denies, that needs a fresh step-up or lacks
/// the CSRF token (403); the extractors refuse a path or query that does
/// not fit (400), and an id that names nothing is 404 like one the caller
/// may not see.
fn declare_guard_refusals(operation: &mut Operation) {
    let public = operation.security.as_ref().is_some_and(|requirements| {
        requirements
            .iter()
            .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
    });
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let takes = |place: ParameterIn| {
        parameters
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let mut refusals = Vec::new();
    if !public {
        refusals.push(("401", "unauthenticated"));
        refusals.push(("403", "forbidden, step_up_required, csrf_refused"));
    }
    if takes(ParameterIn::Path) {
        refusals.push(("400", "invalid_path, invalid_input"));
        refusals.push(("404", "not_found"));
    }
    if takes(ParameterIn::Query) {
        refusals.push(("400", "invalid_query, invalid_input"));
    }
    for (status, codes) in refusals {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(codes));
    }
}

/// An error answer in the one error shape, described by its code.
fn error_response(code: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(code)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name(dsg_proto::ErrorBody::name()))),
        )
        .build()
        .into()
}

/// `GET /api/v1/openapi.json`
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    summary = "This document",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", body = dsg_proto::Object),
    ),
    security(()),
)]
pub async fn openapi() -> Result<Response, ApiError> {
    static DOCUMENT: OnceLock<Result<String, String>> = OnceLock::new();
    let text = DOCUMENT
        .get_or_init(|| document().to_json().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AppError::Internal(format!("openapi document: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text.as_str()).into_response())
}

#[cfg(test)]
mod tests {
    use super::document;

    fn refs<'v>(value: &'v serde_json::Value, out: &mut Vec<&'v str>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner.as_str()) {
                        ("$ref", Some(target)) => out.push(target),
                        _ => refs(inner, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    /// A reference to a component the document does not hold makes
    /// every client generator (and the schema fuzzer) refuse the
    /// operation: a parameter type must be registered where it is named.
    #[test]
    fn every_reference_in_the_document_resolves() {
        let doc = serde_json::to_value(document()).unwrap();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        let dangling: Vec<&str> = found
            .into_iter()
            .filter(|target| {
                let pointer = target.trim_start_matches('#');
                !target.starts_with("#/") || doc.pointer(pointer).is_none()
            })
            .collect();
        assert!(dangling.is_empty(), "unresolved references: {dangling:?}");
    }
}
