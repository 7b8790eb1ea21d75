//! The JSON API, `/api/v1`: files, compartments and the agency's
//! administration. The bodies are `dsg-proto` types; the document is
//! generated from them (see `openapi.rs`).

use axum::body::Body;
use axum::extract::RawQuery;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dsg_proto::files::{
    Blocked, CompartmentEntry, CompartmentList, CreatedUser, DownloadQuery, FileList, Handler,
    HandlerList, NewCompany, NewContract, NewUser, Overview, Uploaded, Version, VersionList,
};
use dsg_proto::identity::{LoginNotice, Me};

use super::context::Ctx;
use super::download::{download_response, if_range, requested_range};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::session::clear_session_cookie;
use super::wire;
use dsg_app::{AppError, Caller, NewUserInput, UploadRequest};

use dsg_core::PROTECTED_MARKING as MARKING;

use super::error::ApiError;

type ApiResult = Result<Response, ApiError>;

/// `DELETE /api/v1/session`
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    summary = "Log out",
    responses(
        (status = 204, description = "Logged out"),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn logout(ctx: Ctx) -> ApiResult {
    ctx.app.logout(&ctx.meta, &ctx.caller).await?;
    Ok((
        [(header::SET_COOKIE, clear_session_cookie())],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

/// `GET /api/v1/me`
#[utoipa::path(
    get,
    path = "/api/v1/me",
    summary = "The signed-in user and the session's CSRF token",
    responses(
        (status = 200, description = "OK", body = dsg_proto::identity::Me),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn me(ctx: Ctx) -> ApiResult {
    let Caller::User(user) = &ctx.caller else {
        ctx.app
            .record_unauthenticated(&ctx.meta, "/api/v1/me")
            .await?;
        return Err(AppError::Unauthenticated.into());
    };
    let notice = ctx.app.my_login_notice(&ctx.caller).await?;
    Ok(Json(Me {
        user: wire::user(&user.user),
        csrf_token: user.csrf_token.clone(),
        state: user.state.as_str().to_owned(),
        mfa: user.mfa.as_str().to_owned(),
        step_up_fresh: user.step_up_fresh,
        // Failed attempts on the account since the previous login: the owner
        // learns that someone is guessing or trying to lock them out.
        login_notice: notice.map(|n| LoginNotice {
            failed_attempts: n.failures,
            sources: n.sources,
            last_failed_at: n.last_at,
            locked_until: n.locked_until,
            message: "前回のログイン以降、このアカウントへのログイン失敗がありました。心当たりがない場合は管理者に連絡してください。 / There were failed sign-in attempts on this account since your previous login; if they were not yours, tell your administrator.".to_owned(),
        }),
    })
    .into_response())
}

/// `GET /api/v1/compartments`
#[utoipa::path(
    get,
    path = "/api/v1/compartments",
    summary = "Compartments the caller is a designated handler of",
    responses(
        (status = 200, description = "OK", body = dsg_proto::files::CompartmentList),
        (status = 401, description = "unauthenticated", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn compartments(ctx: Ctx) -> ApiResult {
    if matches!(ctx.caller, Caller::Anonymous) {
        ctx.app
            .record_unauthenticated(&ctx.meta, "/api/v1/compartments")
            .await?;
        return Err(AppError::Unauthenticated.into());
    }
    let views = ctx.app.my_compartments(&ctx.caller).await?;
    let compartments = views
        .iter()
        .map(|v| CompartmentEntry {
            compartment: wire::compartment(&v.compartment),
            contract: wire::contract(&v.contract),
            blocked: v.blocked.map(|r| Blocked {
                code: r.code().to_owned(),
                message: r.text(false).to_string(),
            }),
        })
        .collect();
    Ok(Json(CompartmentList {
        marking: MARKING.to_owned(),
        compartments,
    })
    .into_response())
}

/// `GET /api/v1/compartments/{cid}/files`
#[utoipa::path(
    get,
    path = "/api/v1/compartments/{cid}/files",
    summary = "List the active files of a compartment",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "OK", body = dsg_proto::files::FileList),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn list_files(ctx: Ctx, ApiPath(cid): ApiPath<String>) -> ApiResult {
    let (view, files) = ctx.app.list_files(&ctx.meta, &ctx.caller, &cid).await?;
    Ok(Json(FileList {
        marking: MARKING.to_owned(),
        compartment: wire::compartment(&view.compartment),
        contract: wire::contract(&view.contract),
        files: files.iter().map(|f| wire::file(&f.file)).collect(),
    })
    .into_response())
}

/// The `name` of a new-file upload's query. Decoded here rather than by a
/// form deserialiser, which would replace invalid UTF-8 with U+FFFD and
/// store a name the uploader never chose: such a name is refused instead.
fn upload_name(query: Option<&str>) -> Result<String, AppError> {
    query_value(query, "name")?
        .ok_or_else(|| AppError::Invalid("the file name (?name=) is missing".into()))
}

/// One value of a raw query, decoded strictly (see [`upload_name`]); a
/// key given twice is refused.
fn query_value(query: Option<&str>, wanted: &str) -> Result<Option<String>, AppError> {
    let mut found = None;
    for pair in query.unwrap_or("").split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != wanted {
            continue;
        }
        if found.is_some() {
            return Err(AppError::Invalid(if wanted == "name" {
                "the file name is given twice".into()
            } else {
                format!("?{wanted}= is given twice")
            }));
        }
        // Form encoding: '+' is a space, then percent-escapes.
        let value = value.replace('+', " ");
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(&value).collect();
        let text = String::from_utf8(bytes).map_err(|_| {
            AppError::Invalid(
                "the file name is not valid UTF-8 (ファイル名の文字コードが不正です)".into(),
            )
        })?;
        found = Some(text);
    }
    Ok(found)
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
    let created = Uploaded {
        marking: MARKING.to_owned(),
        file: wire::file(&view.file),
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `POST /api/v1/compartments/{cid}/files?name=…` with the file as the body.
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/files",
    summary = "Upload a new file (streamed body)",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("name" = String, Query, max_length = 255),
        ("end" = Option<String>, Query, pattern = "^(?:return|destroy)?$", description = "On a file the agency provides: return or destroy it at the contract's end. Refused on a file a company submits."),
    ),
    request_body(content = dsg_proto::params::Binary, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored", body = dsg_proto::files::Uploaded),
        (status = 400, description = "invalid_input, invalid_query", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (an active file has this name) or refused (an end-of-contract instruction on a file the company submits)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large or quota_exceeded", body = dsg_proto::ErrorBody),
        (status = 507, description = "insufficient_storage", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn upload(
    ctx: Ctx,
    ApiPath(cid): ApiPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let name = upload_name(query.as_deref())?;
    let end_instruction = query_value(query.as_deref(), "end")?;
    let request = UploadRequest::NewFile {
        name,
        end_instruction,
    };
    stream_upload(ctx, &cid, request, &headers, body).await
}

/// `POST /api/v1/compartments/{cid}/files/{fid}/versions` with the new
/// version as the body.
#[utoipa::path(
    post,
    path = "/api/v1/compartments/{cid}/files/{fid}/versions",
    summary = "Upload the next version (streamed body)",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("fid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    request_body(content = dsg_proto::params::Binary, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored", body = dsg_proto::files::Uploaded),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (another version won)", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large or quota_exceeded", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/compartments/{cid}/files/{fid}/versions",
    summary = "List versions, newest first",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("fid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "OK", body = dsg_proto::files::VersionList),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn versions(ctx: Ctx, ApiPath((cid, fid)): ApiPath<(String, String)>) -> ApiResult {
    let (file, versions) = ctx.app.versions(&ctx.meta, &ctx.caller, &cid, &fid).await?;
    let versions = versions
        .iter()
        .map(|v| Version {
            version: v.version,
            size_bytes: v.size_bytes,
            sha256: v.sha256.clone(),
            created_at: v.created_at,
            created_by: v.created_by.clone(),
        })
        .collect();
    Ok(Json(VersionList {
        marking: MARKING.to_owned(),
        file: wire::file(&file),
        versions,
    })
    .into_response())
}

/// `GET /api/v1/compartments/{cid}/files/{fid}/content[?version=N]`
#[utoipa::path(
    get,
    path = "/api/v1/compartments/{cid}/files/{fid}/content",
    summary = "Download a version (default: newest) as an attachment",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("fid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("version" = Option<i64>, Query, minimum = 0, maximum = 2147483647),
        ("Range" = Option<String>, Header, description = "One range, `bytes=first-last`, `bytes=first-` or `bytes=-n`; anything else is ignored and the whole version sent"),
        ("If-Range" = Option<String>, Header, description = "The `ETag` of an earlier answer: the range is honoured only if the version is still that one"),
    ),
    responses(
        (status = 200, description = "application/octet-stream; Content-Disposition attachment; CSP sandbox; ETag; Accept-Ranges: bytes", body = dsg_proto::params::Binary, content_type = "application/octet-stream"),
        (status = 206, description = "The range asked for; Content-Range: bytes first-last/size", body = dsg_proto::params::Binary, content_type = "application/octet-stream"),
        (status = 400, description = "invalid_query", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 416, description = "range_not_satisfiable; Content-Range: bytes */size", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn download(
    ctx: Ctx,
    ApiPath((cid, fid)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<DownloadQuery>,
    headers: HeaderMap,
) -> ApiResult {
    let range = (requested_range(&headers), if_range(&headers));
    let download = ctx
        .app
        .download(&ctx.meta, &ctx.caller, (&cid, &fid), query.version, range)
        .await?;
    Ok(download_response(download))
}

/// `DELETE /api/v1/compartments/{cid}/files/{fid}`
#[utoipa::path(
    delete,
    path = "/api/v1/compartments/{cid}/files/{fid}",
    summary = "Mark a file for disposal (soft delete)",
    params(
        ("cid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("fid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 204, description = "Marked"),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn delete_file(ctx: Ctx, ApiPath((cid, fid)): ApiPath<(String, String)>) -> ApiResult {
    ctx.app
        .delete_file(&ctx.meta, &ctx.caller, &cid, &fid)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/admin/overview`
#[utoipa::path(
    get,
    path = "/api/v1/admin/overview",
    summary = "Companies, users, contracts and compartments (agency operators)",
    responses(
        (status = 200, description = "OK", body = dsg_proto::files::Overview),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn admin_overview(ctx: Ctx) -> ApiResult {
    let o = ctx.app.admin_overview(&ctx.meta, &ctx.caller).await?;
    Ok(Json(Overview {
        companies: o.companies.iter().map(wire::company).collect(),
        users: o.users.iter().map(wire::user).collect(),
        contracts: o.contracts.iter().map(wire::contract).collect(),
        compartments: o.compartments.iter().map(wire::compartment).collect(),
    })
    .into_response())
}

/// `POST /api/v1/admin/companies`
#[utoipa::path(
    post,
    path = "/api/v1/admin/companies",
    summary = "Register a contractor company",
    request_body = dsg_proto::files::NewCompany,
    responses(
        (status = 201, description = "Created", body = dsg_proto::files::Company),
        (status = 400, description = "invalid_json", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn create_company(ctx: Ctx, ApiJson(body): ApiJson<NewCompany>) -> ApiResult {
    let company = ctx
        .app
        .create_company(
            &ctx.meta,
            &ctx.caller,
            dsg_app::NewCompany { name: body.name },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(wire::company(&company))).into_response())
}

/// `POST /api/v1/admin/users`: the account is created pending enrolment; the
/// response carries its one-time enrolment link (shown only here).
#[utoipa::path(
    post,
    path = "/api/v1/admin/users",
    summary = "Register a user, pending enrolment; the response carries `enrolment_path` (the one-time link, shown only here)",
    request_body = dsg_proto::files::NewUser,
    responses(
        (status = 404, description = "not_found: no such company", body = dsg_proto::ErrorBody),
        (status = 201, description = "Created", body = dsg_proto::files::CreatedUser),
        (status = 400, description = "invalid_input, invalid_json", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn create_user(ctx: Ctx, ApiJson(body): ApiJson<NewUser>) -> ApiResult {
    let input = NewUserInput {
        company_id: body.company_id,
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        valid_until: body.valid_until,
    };
    let issued = ctx.app.create_user(&ctx.meta, &ctx.caller, input).await?;
    let path = crate::enrolment_path(&issued.enrolment_token);
    let created = CreatedUser {
        user: wire::user(&issued.user),
        enrolment_path: path.expose().to_owned(),
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `POST /api/v1/admin/contracts`
#[utoipa::path(
    post,
    path = "/api/v1/admin/contracts",
    summary = "Register a contract",
    request_body = dsg_proto::files::NewContract,
    responses(
        (status = 404, description = "not_found: no such company", body = dsg_proto::ErrorBody),
        (status = 409, description = "conflict (the contract number exists); refused: contracts are with contractor companies, the contract ends before it starts", body = dsg_proto::ErrorBody),
        (status = 201, description = "Created", body = dsg_proto::files::Contract),
        (status = 400, description = "invalid_input, invalid_json", body = dsg_proto::ErrorBody),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 413, description = "too_large", body = dsg_proto::ErrorBody),
        (status = 415, description = "unsupported_media_type", body = dsg_proto::ErrorBody),
        (status = 422, description = "invalid_body", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn create_contract(ctx: Ctx, ApiJson(b): ApiJson<NewContract>) -> ApiResult {
    let input = dsg_app::NewContract {
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
    Ok((StatusCode::CREATED, Json(wire::contract(&contract))).into_response())
}

/// `POST /api/v1/admin/contracts/{id}/compartment`
#[utoipa::path(
    post,
    path = "/api/v1/admin/contracts/{id}/compartment",
    summary = "Open the compartment of a special-clause contract",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 201, description = "Opened", body = dsg_proto::files::Compartment),
        (status = 400, description = "no special clause", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "already open", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn open_compartment(ctx: Ctx, ApiPath(contract): ApiPath<String>) -> ApiResult {
    let compartment = ctx
        .app
        .open_compartment(&ctx.meta, &ctx.caller, &contract)
        .await?;
    Ok((StatusCode::CREATED, Json(wire::compartment(&compartment))).into_response())
}

/// `GET /api/v1/admin/contracts/{id}/handlers`
#[utoipa::path(
    get,
    path = "/api/v1/admin/contracts/{id}/handlers",
    summary = "Handlers of a contract",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 200, description = "OK", body = dsg_proto::files::HandlerList),
        (status = 403, description = "forbidden", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
)]
pub async fn handlers(ctx: Ctx, ApiPath(contract): ApiPath<String>) -> ApiResult {
    let (contract, handlers) = ctx
        .app
        .contract_handlers(&ctx.meta, &ctx.caller, &contract)
        .await?;
    let handlers = handlers
        .iter()
        .map(|h| Handler {
            user_id: h.user_id.to_string(),
            username: h.username.to_string(),
            display_name: h.display_name.to_string(),
            designated_at: h.designated_at,
        })
        .collect();
    Ok(Json(HandlerList {
        contract: wire::contract(&contract),
        handlers,
    })
    .into_response())
}

/// `PUT /api/v1/admin/contracts/{id}/handlers/{user}`
#[utoipa::path(
    put,
    path = "/api/v1/admin/contracts/{id}/handlers/{uid}",
    summary = "Designate a user of the contract's company as handler",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 204, description = "Designated"),
        (status = 400, description = "user of another company", body = dsg_proto::ErrorBody),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
        (status = 409, description = "already designated", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
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
#[utoipa::path(
    delete,
    path = "/api/v1/admin/contracts/{id}/handlers/{uid}",
    summary = "Remove a handler",
    params(
        ("id" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        ("uid" = String, Path, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "not_found", body = dsg_proto::ErrorBody),
    ),
    security(("session" = [], "csrf" = [])),
)]
pub async fn remove(ctx: Ctx, ApiPath((contract, user)): ApiPath<(String, String)>) -> ApiResult {
    ctx.app
        .remove_handler(&ctx.meta, &ctx.caller, &contract, &user)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
