//! `/api/v1/alerts`: the alerts raised by the analysis rules, and their
//! acknowledgement and closing.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_core::AlertChange;
use serde::Deserialize;
use serde_json::json;

use super::context::Ctx;
use super::extract::{ApiPath, ApiQuery};
use dsg_app::AppError;

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

/// Query of the list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
}

/// `GET /api/v1/alerts?status=open|acknowledged|closed|all`: open alerts
/// first, newest activity first.
pub async fn list(ctx: Ctx, ApiQuery(q): ApiQuery<ListQuery>) -> ApiResult {
    let alerts = ctx
        .app
        .alerts(&ctx.meta, &ctx.caller, q.status.as_deref())
        .await?;
    Ok(Json(json!({ "alerts": alerts })).into_response())
}

/// `GET /api/v1/alerts/{id}`: the alert and its entries.
pub async fn show(ctx: Ctx, ApiPath(id): ApiPath<String>) -> ApiResult {
    let detail = ctx.app.alert(&ctx.meta, &ctx.caller, &id).await?;
    Ok(Json(detail).into_response())
}

/// Body of the changes: optional, `{"note": "…"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    #[serde(default)]
    note: Option<String>,
}

/// The note of an optional JSON body. Parsed here but judged by the use
/// case after the policy (see `App::change_alert`).
pub fn note_of(body: &[u8]) -> Result<Option<String>, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<NoteBody>(body)
        .map(|b| b.note)
        .map_err(|_| AppError::Invalid("body: expected {\"note\": \"…\"} or nothing".into()))
}

/// `POST /api/v1/alerts/{id}/{acknowledge|close}` with an optional
/// `{"note": "…"}`.
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
    Ok(Json(alert).into_response())
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
