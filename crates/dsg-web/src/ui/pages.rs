//! The handler's pages: login, compartments, files.

use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use dsg_core::FileDirection;
use dsg_crypto::SecretString;
use maud::html;
use serde::Deserialize;

use super::layout::{confirmed, error_page, ok, page, page_in, size, Confirm, Marked};
use super::listing::ListQuery;
use super::notice::{done, Notice};
use super::Text;
use crate::http::context::{Ctx, LANG_COOKIE};
use crate::http::session::{clear_session_cookie, session_cookie};
use dsg_app::{AppError, FileView};

/// `GET /login`
pub(super) async fn login_page(ctx: Ctx) -> Response {
    login_form(&ctx, false)
}

fn login_form(ctx: &Ctx, failed: bool) -> Response {
    let lang = ctx.lang;
    let body = html! {
        form method="post" action="/login" class="card" id="login-form" {
            @if failed { p class="error" id="login-error" { (lang.t(Text::LoginFailed)) } }
            label for="username" { (lang.t(Text::Username)) }
            input type="text" id="username" name="username" autocomplete="username" required;
            label for="password" { (lang.t(Text::Password)) }
            input type="password" id="password" name="password" autocomplete="current-password" required;
            p { button type="submit" id="login-submit" { (lang.t(Text::Login)) } }
        }
    };
    let status = if failed {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (
        status,
        Html(page(ctx, lang.t(Text::Login), Marked::Plain, body).into_string()),
    )
        .into_response()
}

/// The login form.
#[derive(Deserialize)]
pub(super) struct LoginForm {
    username: String,
    password: String,
}

/// `POST /login`
pub(super) async fn login_submit(ctx: Ctx, Form(form): Form<LoginForm>) -> Response {
    match ctx
        .app
        .login(&ctx.meta, &form.username, SecretString::new(form.password))
        .await
    {
        Ok((outcome, step)) => (
            [(header::SET_COOKIE, session_cookie(&outcome.token))],
            Redirect::to(super::identity::after_password(&step)),
        )
            .into_response(),
        Err(AppError::InvalidCredentials) => login_form(&ctx, true),
        Err(e) => error_page(&ctx, e),
    }
}

/// `POST /logout`
pub(super) async fn logout(ctx: Ctx) -> Response {
    if let Err(e) = ctx.app.logout(&ctx.meta, &ctx.caller).await {
        return error_page(&ctx, e);
    }
    (
        [(header::SET_COOKIE, clear_session_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}

/// `GET /lang/{ja|en}`: remembers the UI language.
pub(super) async fn set_lang(Path(code): Path<String>) -> Response {
    let code = if code == "en" { "en" } else { "ja" };
    let cookie = format!("{LANG_COOKIE}={code}; Path=/; Secure; SameSite=Lax; Max-Age=31536000");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

/// The upload form: of new files (several at once; `existing` are the
/// compartment's files, all of them whatever page the list shows, so a
/// chosen name that is already a file's becomes its new version), or of a
/// file's new version.
fn upload_form(
    ctx: &Ctx,
    url: &str,
    (new_file, existing): (bool, &[FileView]),
    label: Text,
    provides: bool,
) -> maud::Markup {
    let lang = ctx.lang;
    html! {
        form class="card upload-form" id=(if new_file { "upload-form" } else { "version-form" })
            data-upload-url=(url) data-new-file=(new_file)
            data-text-uploading=(lang.t(Text::Uploading)) data-text-done=(lang.t(Text::UploadDone))
            data-text-failed=(lang.t(Text::UploadFailed))
            data-text-cancelled=(lang.t(Text::UploadCancelled))
            data-text-waiting=(lang.t(Text::UploadWaiting))
            data-text-skipped=(lang.t(Text::UploadSkipped)) {
            h3 { (lang.t(label)) }
            @if new_file {
                // Several files at once, chosen or dropped here; the input
                // stays the way in for keyboards and assistive technology.
                div class="drop-zone" id="drop-zone" data-text-drop=(lang.t(Text::DropFilesHere)) {
                    label for="file-input" { (lang.t(Text::FilesToUpload)) }
                    input type="file" id="file-input" name="file" multiple required;
                    p class="note" aria-hidden="true" { (lang.t(Text::DropFilesHere)) }
                }
                // Shown by the script when a chosen name is already a
                // file's: a new version of it unless the person says no.
                fieldset id="upload-collision" hidden {
                    legend { (lang.t(Text::NameExists)) " " strong id="collision-name" {} }
                    p { label {
                        input type="radio" name="collision" value="version" checked;
                        " " (lang.t(Text::SaveAsNewVersion))
                    } }
                    p { label {
                        input type="radio" name="collision" value="cancel";
                        " " (lang.t(Text::DoNotUpload))
                    } }
                }
            } @else {
                label for="file-input" { (lang.t(Text::FileForNewVersion)) }
                input type="file" id="file-input" name="file" required;
            }
            @if new_file && provides {
                label for="end-instruction" { (lang.t(Text::EndInstruction)) }
                select name="end" id="end-instruction" {
                    option value="" { (lang.t(Text::EndNone)) }
                    option value="return" { (lang.t(Text::EndReturn)) }
                    option value="destroy" { (lang.t(Text::EndDestroy)) }
                }
            }
            p { button type="submit" id="upload-button" { (lang.t(Text::Upload)) } }
            progress id="upload-progress" max="100" value="0" aria-label=(lang.t(Text::UploadProgress)) hidden {}
            p class="upload-status" id="upload-status" aria-live="polite" {}
            ol class="upload-queue" id="upload-queue" aria-label=(lang.t(Text::FilesToUpload)) hidden {}
            ul id="existing-files" hidden {
                @for f in existing {
                    li data-name=(f.file.name.as_str())
                        data-versions-url={ "/api/v1/compartments/" (f.file.compartment_id) "/files/" (f.file.id) "/versions" } {}
                }
            }
        }
    }
}

/// `GET /compartments/{cid}`: the files (searchable, sortable, in
/// pages) and, where the policy allows, the upload of several at once.
pub(super) async fn compartment(
    ctx: Ctx,
    Path(cid): Path<String>,
    Query(query): Query<ListQuery>,
) -> Response {
    let lang = ctx.lang;
    let (view, files) = match ctx.app.list_files(&ctx.meta, &ctx.caller, &cid).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let id = view.compartment.id;
    let body = html! {
        p { (lang.t(Text::ContractNumber)) ": " strong { (view.contract.number.as_str()) } }
        nav class="compartment-links" aria-label=(lang.t(Text::Ledger)) {
            a id="ledger-link" href={ "/compartments/" (id) "/ledger" } { (lang.t(Text::Ledger)) }
            " · "
            a id="disposals-link" href={ "/compartments/" (id) "/disposals" } { (lang.t(Text::Disposals)) }
        }
        h2 { (lang.t(Text::Files)) }
        (super::files_table::files(&ctx, id, &files, &query))
        @if ctx.app.may_upload_to(&ctx.caller, &view.compartment) {
            (upload_form(
                &ctx,
                &format!("/api/v1/compartments/{id}/files"),
                (true, &files),
                Text::AddFiles,
                view.uploads_travel == FileDirection::Provided,
            ))
        }
    };
    ok(page_in(
        &ctx,
        &[("/", lang.t(Text::Home))],
        &view.contract.title,
        Marked::Protected,
        body,
    ))
}

/// `GET /compartments/{cid}/files/{fid}`: versions, new version, delete.
pub(super) async fn file(ctx: Ctx, Path((cid, fid)): Path<(String, String)>) -> Response {
    let lang = ctx.lang;
    let (file, versions) = match ctx.app.versions(&ctx.meta, &ctx.caller, &cid, &fid).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let offers = match ctx.app.file_offers(&ctx.caller, &file).await {
        Ok(o) => o,
        Err(e) => return error_page(&ctx, e),
    };
    let base = format!("/api/v1/compartments/{cid}/files/{}", file.id);
    let body = html! {
        h2 { (lang.t(Text::Versions)) }
        div class="table-scroll" tabindex="0" {
            table id="versions" {
                thead { tr { th { (lang.t(Text::Version)) } th { (lang.t(Text::Size)) } th { "SHA-256" } th { (lang.t(Text::Updated)) } th {} } }
                tbody {
                    @for v in &versions {
                        tr class="version-row" {
                            td { (v.version) }
                            td { (size(v.size_bytes)) }
                            td { code { (v.sha256) } }
                            td { (ctx.zone().when(v.created_at)) }
                            td { a class="download-link" href={ (base) "/content?version=" (v.version) } { (lang.t(Text::Download)) } }
                        }
                    }
                }
            }
        }
        @if offers.upload {
            (upload_form(&ctx, &format!("{base}/versions"), (false, &[]), Text::UploadNewVersion, false))
        }
        @if offers.delete {
        div class="card" id="delete-form" {
            p class="note" { (lang.t(Text::DeleteNote)) }
            (confirmed(&ctx, &Confirm {
                action: &format!("/compartments/{cid}/files/{}/delete", file.id),
                label: lang.t(Text::Delete),
                class: "file-delete",
                warning: lang.t(Text::WarnDeleteFile),
            }, &html! {}))
        }
        }
        p { a href={ "/compartments/" (cid) } { (lang.t(Text::Back)) } }
    };
    let compartment = format!("/compartments/{}", super::segment(&cid));
    ok(page_in(
        &ctx,
        &[
            ("/", lang.t(Text::Home)),
            (&compartment, lang.t(Text::Files)),
        ],
        file.name.as_str(),
        Marked::Protected,
        body,
    ))
}

/// `POST /compartments/{cid}/files/{fid}/delete`
pub(super) async fn delete_file(ctx: Ctx, Path((cid, fid)): Path<(String, String)>) -> Response {
    match ctx
        .app
        .delete_file(&ctx.meta, &ctx.caller, &cid, &fid)
        .await
    {
        Ok(()) => done(
            &format!("/compartments/{}", super::segment(&cid)),
            Notice::FileDeleted,
        ),
        Err(e) => super::identity::step_up_or_error(
            &ctx,
            e,
            &format!(
                "/compartments/{}/files/{}",
                super::segment(&cid),
                super::segment(&fid)
            ),
        ),
    }
}
