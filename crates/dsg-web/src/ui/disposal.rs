//! `/compartments/{cid}/disposals`: the files of a compartment awaiting
//! disposal, for the company's managers; record a disposal, confirm
//! another's. What each row offers comes from the policy point.

use axum::extract::Path;
use axum::response::Response;
use axum::Form;
use dsg_app::DisposalInput;
use maud::html;
use serde::Deserialize;

use super::layout::{csrf_field, error_page, ok, page_in, size, Marked};
use super::notice::{done, Notice};
use super::Text;
use crate::http::context::Ctx;

/// `GET /compartments/{cid}/disposals`
pub(super) async fn page(ctx: Ctx, Path(cid): Path<String>) -> Response {
    let lang = ctx.lang;
    let candidates = match ctx
        .app
        .disposal_candidates(&ctx.meta, &ctx.caller, &cid)
        .await
    {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let back = format!("/compartments/{}", super::segment(&cid));
    let body = html! {
        p class="help" { (lang.t(Text::DisposalHelp)) }
        @if candidates.is_empty() {
            p id="no-disposals" { (lang.t(Text::NoDisposals)) }
        }
        @for c in &candidates {
            div class="card disposal" data-file=(c.file.id) {
                h3 { (c.file.name.as_str()) }
                p { (lang.t(Text::Versions)) ": " (c.versions) " / " (size(c.file.size_bytes)) }
                @if let Some(at) = c.deleted_at { p { (lang.t(Text::DeletedAt)) ": " (ctx.zone().when(at)) } }
                @match &c.disposal {
                    None => {
                        form method="post" action={ "/compartments/" (cid) "/files/" (c.file.id) "/disposal" } class="disposal-record" {
                            (csrf_field(&ctx))
                            input type="hidden" name="method" value="crypto_shred";
                            p { (lang.t(Text::DisposalMethodCryptoShred)) }
                            label for={ "place-" (c.file.id) } { (lang.t(Text::DisposalPlace)) }
                            input type="text" name="place" id={ "place-" (c.file.id) } required maxlength="200";
                            p { button type="submit" { (lang.t(Text::RecordDisposal)) } }
                        }
                    }
                    Some(d) => {
                        p class="disposal-pending" {
                            (lang.t(Text::DisposalPlace)) ": " (d.place) " — "
                            (ctx.zone().when(d.performed_at))
                        }
                        @if c.confirmable {
                            form method="post" action={ "/compartments/" (cid) "/disposals/" (d.id) "/confirm" } class="disposal-confirm" {
                                (csrf_field(&ctx))
                                p class="note" { (lang.t(Text::WarnConfirmDisposal)) }
                                button type="submit" { (lang.t(Text::ConfirmDisposal)) }
                            }
                        } @else {
                            p class="note" { (lang.t(Text::AwaitingChecker)) }
                        }
                    }
                }
            }
        }
        p { a href=(back) { (lang.t(Text::Back)) } }
    };
    ok(page_in(
        &ctx,
        &[("/", lang.t(Text::Home)), (&back, lang.t(Text::Files))],
        lang.t(Text::Disposals),
        Marked::Protected,
        body,
    ))
}

/// The record form.
#[derive(Deserialize)]
pub(super) struct RecordForm {
    method: String,
    place: String,
}

/// `POST /compartments/{cid}/files/{fid}/disposal`
pub(super) async fn record(
    ctx: Ctx,
    Path((cid, fid)): Path<(String, String)>,
    Form(f): Form<RecordForm>,
) -> Response {
    let back = format!("/compartments/{}/disposals", super::segment(&cid));
    let input = DisposalInput {
        method: f.method,
        place: f.place,
    };
    match ctx
        .app
        .record_disposal(&ctx.meta, &ctx.caller, (&cid, &fid), &input)
        .await
    {
        Ok(_) => done(&back, Notice::Saved),
        Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
    }
}

/// `POST /compartments/{cid}/disposals/{did}/confirm`
pub(super) async fn confirm(ctx: Ctx, Path((cid, did)): Path<(String, String)>) -> Response {
    let back = format!("/compartments/{}/disposals", super::segment(&cid));
    match ctx
        .app
        .confirm_disposal(&ctx.meta, &ctx.caller, (&cid, &did))
        .await
    {
        Ok(()) => done(&back, Notice::Saved),
        Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
    }
}
