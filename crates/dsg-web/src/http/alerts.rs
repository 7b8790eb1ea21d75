//! `/api/v1/alerts`: the alerts raised by the analysis rules, and their
//! acknowledgement and closing.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_core::AlertChange;
use dsg_proto::alerts::AlertList;

use super::context::Ctx;
use super::extract::{ApiPath, ApiQuery};
use super::wire_views;
use dsg_app::AppError;

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

/// `GET /api/v1/alerts?status=open|acknowledged|closed|all`: open alerts
/// first, newest activity first.
#[utoipa::path(
    get,
    path = "/api/v1/alerts",
    summary = "Alerts raised by the analysis rules over the audit log (configured in [alerts]): open first, then acknowledged, then closed, newest activity first; at most 500. Entries of the same rule and key gather in one alert until it is closed. Needs alert.read (agency operators, agency members with the auditor duty); the read is recorded (alert.view).",
    params(
        ("status" = Option<dsg_proto::params::AlertStatusFilter>, Query, description = "default all"),
    ),
    responses(
        (status = 200, description = "{alerts: [{id, rule (failed_logins_account | failed_logins_source | lockout | download_burst | off_hours | terminal | privilege_change | recovery_code), key (user id or source address), key_kind (user | source), key_name (login name of a user key), severity (high | medium | low), status (open | acknowledged | closed), first_at, last_at, entry_count, created_at, acknowledged_by, acknowledged_at, acknowledge_note, closed_by, closed_at, close_note}]}", body = dsg_proto::alerts::AlertList),
        (status = 400, description = "invalid_input (unknown status), invalid_query", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn list(ctx: Ctx, ApiQuery(q): ApiQuery<dsg_proto::alerts::AlertListQuery>) -> ApiResult {
    let alerts = ctx
        .app
        .alerts(&ctx.meta, &ctx.caller, q.status.as_deref())
        .await?;
    Ok(Json(AlertList {
        alerts: alerts.into_iter().map(wire_views::alert).collect(),
    })
    .into_response())
}

/// `GET /api/v1/alerts/{id}`: the alert and its entries.
#[utoipa::path(
    get,
    path = "/api/v1/alerts/{id}",
    summary = "One alert with the entries that raised it, oldest first (at most 1000), each as the audit search returns entries. Needs alert.read; recorded (alert.view).",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "the alert's fields, truncated, entries: [{seq, id, occurred_at, request_id, actor, source, action, object_type, object_id, outcome, reason, terminal, decision, company}]", body = dsg_proto::alerts::AlertDetail),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [])),
)]
pub async fn show(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let detail = ctx.app.alert(&ctx.meta, &ctx.caller, &id).await?;
    Ok(Json(wire_views::alert_detail(detail)).into_response())
}

/// The note of an optional JSON body. Parsed here but judged by the use
/// case after the policy (see `App::change_alert`).
pub fn note_of(body: &[u8]) -> Result<Option<String>, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    // `null` is the JSON for "no body" too.
    serde_json::from_slice::<Option<dsg_proto::alerts::AlertNote>>(body)
        .map(|b| b.and_then(|b| b.note))
        .map_err(|_| AppError::Invalid("body: expected {\"note\": \"…\"} or nothing".into()))
}

/// `POST /api/v1/alerts/{id}/{acknowledge|close}` with an optional
/// `{"note": "…"}`.
#[utoipa::path(
    post,
    path = "/api/v1/alerts/{id}/{change}",
    summary = "`acknowledge` (an open alert) or `close` (an open or acknowledged one). Body optional: {\"note\": \"…\"} (at most 1000 characters). Needs alert.manage (agency operators); recorded with the alert's id (alert.acknowledge, alert.close).",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("change" = dsg_proto::params::AlertChange, Path),
    ),
    request_body = Option<dsg_proto::alerts::AlertNote>,
    responses(
        (status = 200, description = "the alert {id, rule (failed_logins_account | failed_logins_source | lockout | download_burst | off_hours | terminal | privilege_change | recovery_code), key (user id or source address), key_kind (user | source), key_name (login name of a user key), severity (high | medium | low), status (open | acknowledged | closed), first_at, last_at, entry_count, created_at, acknowledged_by, acknowledged_at, acknowledge_note, closed_by, closed_at, close_note}", body = dsg_proto::alerts::Alert),
        (status = 400, description = "invalid_input (bad body or note), invalid_json", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused (already acknowledged or closed)", body = dsg_proto::ErrorBody),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn change(
    ctx: Ctx,
    ApiPath((id, what)): ApiPath<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let change = match what.as_str() {
        "acknowledge" => AlertChange::Acknowledge,
        "close" => AlertChange::Close,
        _ => return Err(AppError::NotFound.into()),
    };
    let alert = ctx
        .app
        .change_alert(&ctx.meta, &ctx.caller, &id, change, note_of(&body))
        .await?;
    Ok(Json(wire_views::alert(alert)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_optional_and_only_carries_a_note() {
        assert_eq!(note_of(b"").unwrap(), None);
        assert_eq!(note_of(b" \n").unwrap(), None);
        assert_eq!(note_of(b"{}").unwrap(), None);
        assert_eq!(
            note_of("{\"note\":\"誤検知\"}".as_bytes())
                .unwrap()
                .as_deref(),
            Some("誤検知")
        );
        assert!(note_of(b"{\"status\":\"closed\"}").is_err());
        assert!(note_of(b"note").is_err());
    }
}
