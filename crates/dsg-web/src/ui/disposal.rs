//! `/compartments/{cid}/disposals`: the files of a compartment awaiting
//! disposal, for the company's managers; record a disposal, confirm
//! another's. What each row offers comes from the policy point.

use axum::extract::Path;
use axum::response::Response;
use axum::Form;
use dsg_app::DisposalInput;
use maud::html;
use serde::Deserialize;

use super::form_error::{answer, field, kept, Control, Failed, Field};
use super::layout::{csrf_field, error_page, page_in, size, Marked};
use super::notice::{done, Notice};
use super::Text;
use crate::http::context::Ctx;

/// `GET /compartments/{cid}/disposals`
pub(super) async fn page(ctx: Ctx, Path(cid): Path<String>) -> Response {
    view(&ctx, &cid, None).await
}

/// Every file's record form has this id's form with the file's id in it
/// (`file`): a refusal is shown on the card of the file it was for.
const F_RECORD: &str = "disposal-record";

/// The page; after a refused record, that file's form as typed with the
/// message beside the field.
async fn view(ctx: &Ctx, cid: &str, failed: Option<&Failed>) -> Response {
    let ctx = ctx.clone();
    let lang = ctx.lang;
    let candidates = match ctx
        .app
        .disposal_candidates(&ctx.meta, &ctx.caller, cid)
        .await
    {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let back = format!("/compartments/{}", super::segment(cid));
    let failed_for = |file: &str| failed.filter(|f| kept(Some(f), F_RECORD, "file") == Some(file));
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
                        @let file_id = c.file.id.to_string();
                        form method="post" action={ "/compartments/" (cid) "/files/" (c.file.id) "/disposal" } class="disposal-record" {
                            (csrf_field(&ctx))
                            input type="hidden" name="method" value="crypto_shred";
                            p { (lang.t(Text::DisposalMethodCryptoShred)) }
                            (field(failed_for(&file_id), &Field { form: F_RECORD, name: "place", id: &format!("place-{file_id}"),
                                label: lang.t(Text::DisposalPlace), control: Control::Input("text"), required: true, max: Some(200) }))
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
    answer(
        failed,
        page_in(
            &ctx,
            &[("/", lang.t(Text::Home)), (&back, lang.t(Text::Files))],
            lang.t(Text::Disposals),
            Marked::Protected,
            body,
        ),
    )
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
        method: f.method.clone(),
        place: f.place.clone(),
    };
    match ctx
        .app
        .record_disposal(&ctx.meta, &ctx.caller, (&cid, &fid), &input)
        .await
    {
        Ok(_) => done(&back, Notice::Saved),
        Err(e) => {
            let values = vec![
                ("file", fid.clone()),
                ("place", f.place),
                ("method", f.method),
            ];
            let fields: &[(&str, &[&str])] = &[("place", &["place"])];
            match Failed::of(&ctx, F_RECORD, e, values, fields) {
                Ok(failed) => view(&ctx, &cid, Some(&failed)).await,
                Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
            }
        }
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
