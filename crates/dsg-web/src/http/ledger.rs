//! `/api/v1/compartments/{cid}/ledger…` and `/api/v1/ledger/open`: the
//! inventory of protected information (目録), its open items, and what
//! people enter by hand.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_app::{
    LedgerDetails, LedgerEventInput, LedgerEventView, LedgerItemView, LedgerPermitInput,
    LedgerView, NewLedgerItemInput,
};
use dsg_core::PROTECTED_MARKING as MARKING;
use dsg_proto::ledger::{
    Ledger, LedgerEntered, LedgerEvent, LedgerItem, NewLedgerEvent, NewLedgerItem,
    NewLedgerPermission, OpenItems,
};

use super::context::Ctx;
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};

type ApiResult = Result<Response, ApiError>;

fn event(e: &LedgerEventView) -> LedgerEvent {
    let r = &e.row;
    LedgerEvent {
        id: r.id.to_string(),
        seq: r.seq,
        kind: r.kind.as_str().to_owned(),
        actor: r.actor.map(|u| u.to_string()),
        actor_name: r.actor_name.clone(),
        terminal_id: r.terminal_id.clone(),
        terminal_name: r.terminal_name.clone(),
        site: r.site.clone(),
        at: r.at,
        method: r.method.map(|m| m.as_str().to_owned()),
        permission_id: r.permission_id.map(|p| p.to_string()),
        permitted_user: r.permitted_user.map(|u| u.to_string()),
        permits: r.permits.map(|k| k.as_str().to_owned()),
        used: r.used_by.is_some(),
        recipient: e.details.recipient.clone(),
        container: e.details.container.clone(),
        place: e.details.place.clone(),
        department: e.details.department.clone(),
        note: e.details.note.clone(),
    }
}

pub(crate) fn item(i: &LedgerItemView) -> LedgerItem {
    let r = &i.row;
    LedgerItem {
        id: r.id.to_string(),
        kind: r.kind.as_str().to_owned(),
        state: r.state.as_str().to_owned(),
        open: i.open,
        name: i.name.clone(),
        file_id: r.file_id.map(|f| f.to_string()),
        version: r.version,
        parent_id: r.parent_id.map(|p| p.to_string()),
        holder: r.holder.map(|u| u.to_string()),
        holder_name: i.holder_name.clone(),
        terminal_id: r.terminal_id.clone(),
        closing_by: r.closing_by.map(|u| u.to_string()),
        checked_by: r.checked_by.map(|u| u.to_string()),
        created_at: r.created_at,
        closed_at: r.closed_at,
        events: i.events.iter().map(event).collect(),
    }
}

pub(crate) fn ledger_wire(view: &LedgerView) -> Ledger {
    Ledger {
        marking: MARKING.to_owned(),
        compartment_id: view.compartment_id.to_string(),
        contract_id: view.contract_id.to_string(),
        items: view.items.iter().map(item).collect(),
    }
}

/// `GET /api/v1/compartments/{cid}/ledger`
#[utoipa::path(
    get,
    path = "/api/v1/compartments/{cid}/ledger",
    summary = "The compartment's inventory (目録): every item (file versions, copies on terminals, paper, media) with its events from receipt to disposal — who, where, when. The contract's handlers and agency participants, the company's security administrators and agency operators; audited as ledger.view. Anyone else gets not_found, as for a compartment that does not exist.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "OK", body = dsg_proto::ledger::Ledger),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn ledger(ctx: Ctx, ApiPath(cid): ApiPath<String>) -> ApiResult {
    let view = ctx.app.ledger(&ctx.meta, &ctx.caller, &cid).await?;
    Ok(Json(ledger_wire(&view)).into_response())
}

/// `GET /api/v1/ledger/open`
#[utoipa::path(
    get,
    path = "/api/v1/ledger/open",
    summary = "The open items (copies on terminals not yet returned or destroyed and checked; items carried out, sent, or awaiting their checker) of every compartment whose inventory the caller may read: a company's its own, the agency its contracts'. Audited as ledger.view.",
    responses(
        (status = 200, description = "OK", body = dsg_proto::ledger::OpenItems),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn open_items(ctx: Ctx) -> ApiResult {
    let views = ctx.app.open_ledger_items(&ctx.meta, &ctx.caller).await?;
    Ok(Json(OpenItems {
        marking: MARKING.to_owned(),
        compartments: views.iter().map(ledger_wire).collect(),
    })
    .into_response())
}

/// `POST /api/v1/compartments/{cid}/ledger/items`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/ledger/items",
    summary = "Enter a paper document or removable medium in the inventory, held by the caller, with its receipt or creation. The contract's handlers and agency participants, the company's security administrators.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::ledger::NewLedgerItem,
    responses(
        (status = 201, description = "Entered", body = dsg_proto::ledger::LedgerEntered),
        (status = 400, description = "invalid_input", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn add_item(
    ctx: Ctx,
    ApiPath(cid): ApiPath<String>,
    ApiJson(body): ApiJson<NewLedgerItem>,
) -> ApiResult {
    let input = NewLedgerItemInput {
        kind: body.kind,
        title: body.title,
        opening: body.opening,
        details: LedgerDetails {
            place: body.place,
            department: body.department,
            note: body.note,
            ..LedgerDetails::default()
        },
    };
    let id = ctx
        .app
        .add_ledger_item(&ctx.meta, &ctx.caller, &cid, input)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(LedgerEntered { id: id.to_string() }),
    )
        .into_response())
}

/// `POST /api/v1/compartments/{cid}/ledger/items/{iid}/events`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/ledger/items/{iid}/events",
    summary = "Enter an event on an item: carrying out or sending (resting on a manager's permission recorded before, by the person it names), a return (of a copy: handed back and erased), a submission, a disposal. A return or disposal awaits another person's check.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("iid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::ledger::NewLedgerEvent,
    responses(
        (status = 201, description = "Entered", body = dsg_proto::ledger::LedgerEntered),
        (status = 400, description = "invalid_input", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused or conflict (the event does not apply to the item's state; a permission used or missing)", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn record_event(
    ctx: Ctx,
    ApiPath((cid, iid)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<NewLedgerEvent>,
) -> ApiResult {
    let input = LedgerEventInput {
        kind: body.kind,
        permission_id: body.permission_id,
        details: LedgerDetails {
            place: body.place,
            department: body.department,
            note: body.note,
            ..LedgerDetails::default()
        },
    };
    let id = ctx
        .app
        .record_ledger_event(&ctx.meta, &ctx.caller, (&cid, &iid), input)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(LedgerEntered { id: id.to_string() }),
    )
        .into_response())
}

/// `POST /api/v1/compartments/{cid}/ledger/items/{iid}/permissions`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/ledger/items/{iid}/permissions",
    summary = "A manager's permission (the company's security administrators, with a fresh step-up) to carry out or send an item: who may, the named recipient, the method (hand delivery, registered mail) and the container (第6-4). Recorded before the act, used once.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("iid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body = dsg_proto::ledger::NewLedgerPermission,
    responses(
        (status = 201, description = "Permitted", body = dsg_proto::ledger::LedgerEntered),
        (status = 400, description = "invalid_input", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused or conflict", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn permit(
    ctx: Ctx,
    ApiPath((cid, iid)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<NewLedgerPermission>,
) -> ApiResult {
    let input = LedgerPermitInput {
        act: body.act,
        person: body.person,
        method: body.method,
        recipient: body.recipient,
        container: body.container,
    };
    let id = ctx
        .app
        .permit_ledger_movement(&ctx.meta, &ctx.caller, (&cid, &iid), input)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(LedgerEntered { id: id.to_string() }),
    )
        .into_response())
}

/// `POST /api/v1/compartments/{cid}/ledger/items/{iid}/check`
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/ledger/items/{iid}/check",
    summary = "Check an item's recorded return or disposal: never by who holds the item or recorded it (policy ledger-checker-not-holder: forbidden). The item closes. The contract's handlers and agency participants and the company's security administrators, with a fresh step-up.",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("iid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 204, description = "Checked; the item is closed"),
        (status = 403, description = "forbidden (who holds it or recorded its end) or step_up_required", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "refused or conflict (nothing awaits a check)", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn check(ctx: Ctx, ApiPath((cid, iid)): ApiPath<(String, String)>) -> ApiResult {
    ctx.app
        .check_ledger_item(&ctx.meta, &ctx.caller, (&cid, &iid))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
