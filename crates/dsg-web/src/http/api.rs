//! The JSON API, `/api/v1`. Described by `openapi.json`.

use axum::body::Body;
use axum::extract::RawQuery;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_core::{Company, Compartment, Contract, FileRecord, User};
use serde::Deserialize;
use serde_json::{json, Value};

use super::context::Ctx;
use super::download::download_response;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::clear_session_cookie;
use dsg_app::{AppError, Caller, NewCompany, NewContract, NewUserInput, UploadRequest};

use dsg_core::PROTECTED_MARKING as MARKING;

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

pub(super) fn user_json(u: &User) -> Value {
    json!({
        "id": u.id.to_string(), "company_id": u.company_id.to_string(), "username": u.username,
        "display_name": u.display_name, "role": u.role.as_str(), "status": u.status.as_str(),
        "valid_until": u.valid_until,
    })
}

fn company_json(c: &Company) -> Value {
    json!({ "id": c.id.to_string(), "name": c.name, "kind": c.kind.as_str() })
}

fn contract_json(c: &Contract) -> Value {
    json!({
        "id": c.id.to_string(), "company_id": c.company_id.to_string(), "number": c.number,
        "title": c.title, "starts_on": c.starts_on, "ends_on": c.ends_on,
        "special_clause": c.special_clause,
    })
}

fn compartment_json(c: &Compartment) -> Value {
    json!({
        "id": c.id.to_string(), "contract_id": c.contract_id.to_string(),
        "company_id": c.company_id.to_string(), "quota_bytes": c.quota_bytes, "used_bytes": c.used_bytes,
    })
}

fn file_json(f: &FileRecord) -> Value {
    json!({
        "id": f.id.to_string(), "compartment_id": f.compartment_id.to_string(), "name": f.name,
        "version": f.current_version, "size_bytes": f.size_bytes, "status": f.status.as_str(),
        "created_at": f.created_at, "updated_at": f.updated_at,
    })
}

/// `DELETE /api/v1/session`
pub async fn logout(ctx: Ctx) -> ApiResult {
    ctx.app.logout(&ctx.meta, &ctx.caller).await?;
    Ok((
        [(header::SET_COOKIE, clear_session_cookie())],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

/// `GET /api/v1/me`
pub async fn me(ctx: Ctx) -> ApiResult {
    let Caller::User(user) = &ctx.caller else {
        ctx.app
            .record_unauthenticated(&ctx.meta, "/api/v1/me")
            .await?;
        return Err(AppError::Unauthenticated.into());
    };
    let notice = ctx.app.my_login_notice(&ctx.caller).await?;
    Ok(Json(json!({
        "user": user_json(&user.user),
        "csrf_token": user.csrf_token,
        "state": user.state.as_str(),
        "mfa": user.mfa.as_str(),
        "step_up_fresh": user.step_up_fresh,
        // Failed attempts on the account since the previous login: the owner
        // learns that someone is guessing or trying to lock them out.
        "login_notice": notice.map(|n| json!({
            "failed_attempts": n.failures,
            "sources": n.sources,
            "last_failed_at": n.last_at,
            "locked_until": n.locked_until,
            "message": "前回のログイン以降、このアカウントへのログイン失敗がありました。心当たりがない場合は管理者に連絡してください。 / There were failed sign-in attempts on this account since your previous login; if they were not yours, tell your administrator.",
        })),
    }))
    .into_response())
}

/// `GET /api/v1/compartments`
pub async fn compartments(ctx: Ctx) -> ApiResult {
    if matches!(ctx.caller, Caller::Anonymous) {
        ctx.app
            .record_unauthenticated(&ctx.meta, "/api/v1/compartments")
            .await?;
        return Err(AppError::Unauthenticated.into());
    }
    let views = ctx.app.my_compartments(&ctx.caller).await?;
    let items: Vec<Value> = views
        .iter()
        .map(|v| {
            json!({
                "compartment": compartment_json(&v.compartment),
                "contract": contract_json(&v.contract),
                "blocked": v.blocked.map(|r| json!({ "code": r.code(), "message": r.text(false) })),
            })
        })
        .collect();
    Ok(Json(json!({ "marking": MARKING, "compartments": items })).into_response())
}

/// `GET /api/v1/compartments/{cid}/files`
pub async fn list_files(ctx: Ctx, ApiPath(cid): ApiPath<String>) -> ApiResult {
    let (view, files) = ctx.app.list_files(&ctx.meta, &ctx.caller, &cid).await?;
    let files: Vec<Value> = files.iter().map(|f| file_json(&f.file)).collect();
    Ok(Json(json!({
        "marking": MARKING,
        "compartment": compartment_json(&view.compartment),
        "contract": contract_json(&view.contract),
        "files": files,
    }))
    .into_response())
}

/// The `name` of a new-file upload's query. Decoded here rather than by a
/// form deserialiser, which would replace invalid UTF-8 with U+FFFD and
/// store a name the uploader never chose: such a name is refused instead.
fn upload_name(query: Option<&str>) -> Result<String, AppError> {
    let mut found = None;
    for pair in query.unwrap_or("").split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "name" {
            continue;
        }
        if found.is_some() {
            return Err(AppError::Invalid("the file name is given twice".into()));
        }
        // Form encoding: '+' is a space, then percent-escapes.
        let value = value.replace('+', " ");
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(&value).collect();
        let name = String::from_utf8(bytes).map_err(|_| {
            AppError::Invalid(
                "the file name is not valid UTF-8 (ファイル名の文字コードが不正です)".into(),
            )
        })?;
        found = Some(name);
    }
    found.ok_or_else(|| AppError::Invalid("the file name (?name=) is missing".into()))
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

async fn stream_upload(
    ctx: Ctx,
    cid: &str,
    request: UploadRequest,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult {
    let view = ctx
        .app
        .upload(
            &ctx.meta,
            &ctx.caller,
            cid,
            request,
            content_length(headers),
            body.into_data_stream(),
        )
        .await?;
    let created = json!({ "marking": MARKING, "file": file_json(&view.file) });
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `POST /api/v1/compartments/{cid}/files?name=…` with the file as the body.
pub async fn upload(
    ctx: Ctx,
    ApiPath(cid): ApiPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let name = upload_name(query.as_deref())?;
    stream_upload(ctx, &cid, UploadRequest::NewFile { name }, &headers, body).await
}

/// `POST /api/v1/compartments/{cid}/files/{fid}/versions` with the new
/// version as the body.
pub async fn upload_version(
    ctx: Ctx,
    ApiPath((cid, fid)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    stream_upload(
        ctx,
        &cid,
        UploadRequest::NextVersion { file_id: fid },
        &headers,
        body,
    )
    .await
}

/// `GET /api/v1/compartments/{cid}/files/{fid}/versions`
pub async fn versions(ctx: Ctx, ApiPath((cid, fid)): ApiPath<(String, String)>) -> ApiResult {
    let (file, versions) = ctx.app.versions(&ctx.meta, &ctx.caller, &cid, &fid).await?;
    let items: Vec<Value> = versions
        .iter()
        .map(|v| {
            json!({ "version": v.version, "size_bytes": v.size_bytes, "sha256": v.sha256,
                    "created_at": v.created_at, "created_by": v.created_by })
        })
        .collect();
    Ok(
        Json(json!({ "marking": MARKING, "file": file_json(&file), "versions": items }))
            .into_response(),
    )
}

/// Query of a download.
#[derive(Deserialize)]
pub struct DownloadQuery {
    version: Option<u32>,
}

/// `GET /api/v1/compartments/{cid}/files/{fid}/content[?version=N]`
pub async fn download(
    ctx: Ctx,
    ApiPath((cid, fid)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<DownloadQuery>,
) -> ApiResult {
    let download = ctx
        .app
        .download(&ctx.meta, &ctx.caller, &cid, &fid, query.version)
        .await?;
    Ok(download_response(download))
}

/// `DELETE /api/v1/compartments/{cid}/files/{fid}`
pub async fn delete_file(ctx: Ctx, ApiPath((cid, fid)): ApiPath<(String, String)>) -> ApiResult {
    ctx.app
        .delete_file(&ctx.meta, &ctx.caller, &cid, &fid)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/admin/overview`
pub async fn admin_overview(ctx: Ctx) -> ApiResult {
    let o = ctx.app.admin_overview(&ctx.meta, &ctx.caller).await?;
    Ok(Json(json!({
        "companies": o.companies.iter().map(company_json).collect::<Vec<_>>(),
        "users": o.users.iter().map(user_json).collect::<Vec<_>>(),
        "contracts": o.contracts.iter().map(contract_json).collect::<Vec<_>>(),
        "compartments": o.compartments.iter().map(compartment_json).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// Body of `POST /api/v1/admin/companies`.
#[derive(Deserialize)]
pub struct CompanyBody {
    name: String,
}

/// `POST /api/v1/admin/companies`
pub async fn create_company(ctx: Ctx, ApiJson(body): ApiJson<CompanyBody>) -> ApiResult {
    let company = ctx
        .app
        .create_company(&ctx.meta, &ctx.caller, NewCompany { name: body.name })
        .await?;
    Ok((StatusCode::CREATED, Json(company_json(&company))).into_response())
}

/// Body of `POST /api/v1/admin/users`.
#[derive(Deserialize)]
pub struct UserBody {
    company_id: String,
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    valid_until: Option<String>,
}

/// `POST /api/v1/admin/users`: the account is created pending enrolment; the
/// response carries its one-time enrolment link (shown only here).
pub async fn create_user(ctx: Ctx, ApiJson(body): ApiJson<UserBody>) -> ApiResult {
    let input = NewUserInput {
        company_id: body.company_id,
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        valid_until: body.valid_until,
    };
    let issued = ctx.app.create_user(&ctx.meta, &ctx.caller, input).await?;
    let path = crate::enrolment_path(&issued.enrolment_token);
    let mut body = user_json(&issued.user);
    body["enrolment_path"] = json!(path.expose());
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Body of `POST /api/v1/admin/contracts`.
#[derive(Deserialize)]
pub struct ContractBody {
    company_id: String,
    number: String,
    title: String,
    starts_on: String,
    ends_on: String,
    special_clause: bool,
}

/// `POST /api/v1/admin/contracts`
pub async fn create_contract(ctx: Ctx, ApiJson(b): ApiJson<ContractBody>) -> ApiResult {
    let input = NewContract {
        company_id: b.company_id,
        number: b.number,
        title: b.title,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
        special_clause: b.special_clause,
    };
    let contract = ctx
        .app
        .create_contract(&ctx.meta, &ctx.caller, input)
        .await?;
    Ok((StatusCode::CREATED, Json(contract_json(&contract))).into_response())
}

/// `POST /api/v1/admin/contracts/{id}/compartment`
pub async fn open_compartment(ctx: Ctx, ApiPath(contract): ApiPath<String>) -> ApiResult {
    let compartment = ctx
        .app
        .open_compartment(&ctx.meta, &ctx.caller, &contract)
        .await?;
    Ok((StatusCode::CREATED, Json(compartment_json(&compartment))).into_response())
}

/// `GET /api/v1/admin/contracts/{id}/handlers`
pub async fn handlers(ctx: Ctx, ApiPath(contract): ApiPath<String>) -> ApiResult {
    let (contract, handlers) = ctx
        .app
        .contract_handlers(&ctx.meta, &ctx.caller, &contract)
        .await?;
    let items: Vec<Value> = handlers
        .iter()
        .map(|h| {
            json!({ "user_id": h.user_id.to_string(), "username": h.username,
                         "display_name": h.display_name, "designated_at": h.designated_at })
        })
        .collect();
    Ok(Json(json!({ "contract": contract_json(&contract), "handlers": items })).into_response())
}

/// `PUT /api/v1/admin/contracts/{id}/handlers/{user}`
pub async fn designate(
    ctx: Ctx,
    ApiPath((contract, user)): ApiPath<(String, String)>,
) -> ApiResult {
    ctx.app
        .designate_handler(&ctx.meta, &ctx.caller, &contract, &user)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/v1/admin/contracts/{id}/handlers/{user}`
pub async fn remove(ctx: Ctx, ApiPath((contract, user)): ApiPath<(String, String)>) -> ApiResult {
    ctx.app
        .remove_handler(&ctx.meta, &ctx.caller, &contract, &user)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
