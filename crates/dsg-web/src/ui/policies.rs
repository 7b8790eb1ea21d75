//! The operators' policy pages: versions, proposal with validation, the
//! what-if replay, approval by a second operator, rejection and rollback.

use axum::extract::Path;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::form_error::{about_input, beside, described, invalid, kept, Failed};
use super::identity::step_up_or_error;
use super::labels::{policy_origin_label, policy_status_badge};
use super::layout::{csrf_field, error_page, ok, page, page_in, Marked};
use super::Text;
use crate::http::context::Ctx;
use dsg_app::{AppError, WhatIfReport};

const BACK: &str = "/admin/policies";

fn version_number(raw: &str) -> Result<i64, AppError> {
    raw.parse()
        .map_err(|_| AppError::Invalid("version: not a number".into()))
}

/// `GET /admin/policies`
pub(super) async fn policies_page(ctx: Ctx) -> Response {
    policies_with(&ctx, None).await
}

const F_PROPOSE: &str = "propose-policy";

/// Where a located policy message points (`line 3, column 7: …`), as
/// the engine words it: (line, column, the rest).
fn location(message: &str) -> Option<(u32, u32, &str)> {
    let (_, after) = message.split_once("line ")?;
    let (line, after) = after.split_once(", column ")?;
    let (column, rest) = after.split_once(": ")?;
    Some((line.parse().ok()?, column.parse().ok()?, rest))
}

/// The list and the proposal form; after a refused proposal, the text as
/// typed with the message (and where it points) beside it.
async fn policies_with(ctx: &Ctx, failed: Option<(&Failed, &AppError)>) -> Response {
    let ctx = ctx.clone();
    let lang = ctx.lang;
    let (failed, error) = match failed {
        Some((f, e)) => (Some(f), Some(e)),
        None => (None, None),
    };
    let at = error.and_then(|e| match e {
        AppError::PolicyInvalid(text) => location(text).map(|(l, c, _)| (l, c)),
        _ => None,
    });
    let versions = match ctx.app.policy_versions(&ctx.meta, &ctx.caller).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let in_force = versions.iter().find(|v| v.status == "active");
    let body = html! {
        p { (lang.t(Text::PolicyIntro)) }
        div class="table-scroll" tabindex="0" {
            table id="policy-versions" {
                thead { tr {
                    th { (lang.t(Text::PolicyVersion)) } th { (lang.t(Text::State)) } th { (lang.t(Text::PolicySummary)) }
                    th { (lang.t(Text::RequestedBy)) } th { (lang.t(Text::Started)) } th { (lang.t(Text::DecidedBy)) } th { (lang.t(Text::InForceSince)) }
                } }
                tbody {
                    @for v in &versions {
                        tr class="policy-row" data-version=(v.version) data-status=(v.status) {
                            td { a href={ "/admin/policies/" (v.version) } { "v" (v.version) } }
                            td class="status" { (policy_status_badge(&v.status, lang)) " " small class="origin" { (policy_origin_label(&v.origin, lang)) } }
                            td { (v.summary) }
                            td { (v.proposed_by.as_deref().unwrap_or("")) }
                            td { (ctx.zone().when(v.proposed_at)) }
                            td { (v.decided_by.as_deref().unwrap_or("")) }
                            td { (v.activated_at.map(|t| ctx.zone().last_day(t)).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        h2 { (lang.t(Text::ProposePolicy)) }
        form method="post" action="/admin/policies" class="card" id="propose-policy" {
            (csrf_field(&ctx))
            label for="summary" { (lang.t(Text::PolicySummary)) }
            input type="text" name="summary" id="summary" required maxlength="500"
                value=[kept(failed, F_PROPOSE, "summary")]
                aria-invalid=[invalid(failed, F_PROPOSE, "summary")]
                aria-describedby=[described(failed, F_PROPOSE, "summary")];
            (beside(failed, F_PROPOSE, "summary"))
            label for="policies" { (lang.t(Text::PolicyText)) }
            @if let Some((line, column)) = at {
                p class="error field-error" id="policy-error-at" data-line=(line) data-column=(column) {
                    (lang.t(Text::PolicyErrorAt).replacen("{}", &line.to_string(), 1).replacen("{}", &column.to_string(), 1))
                }
            }
            (beside(failed, F_PROPOSE, "policies"))
            textarea name="policies" id="policies" rows="24" spellcheck="false"
                aria-invalid=[invalid(failed, F_PROPOSE, "policies")]
                aria-describedby=[described(failed, F_PROPOSE, "policies")] {
                (kept(failed, F_PROPOSE, "policies").unwrap_or(in_force.map(|v| v.policies.as_str()).unwrap_or("")))
            }
            button type="submit" { (lang.t(Text::ProposePolicy)) }
        }
        p { a href="/admin" { (lang.t(Text::Admin)) } }
    };
    let markup = page(&ctx, lang.t(Text::Policies), Marked::Plain, body);
    match failed {
        Some(f) => (f.status(), Html(markup.into_string())).into_response(),
        None => ok(markup),
    }
}

/// `GET /admin/policies/{version}`
pub(super) async fn version_page(ctx: Ctx, Path(version): Path<String>) -> Response {
    let lang = ctx.lang;
    let view = match version_number(&version) {
        Ok(v) => ctx.app.policy_version(&ctx.meta, &ctx.caller, v).await,
        Err(e) => Err(e),
    };
    let view = match view {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let button = |what: &str, label: Text| {
        html! {
            form method="post" action={ "/admin/policies/" (view.version) "/" (what) } class="inline" {
                (csrf_field(&ctx))
                button type="submit" id={ "policy-" (what) } { (lang.t(label)) }
            }
        }
    };
    let body = html! {
        p id="policy-status" data-status=(view.status) { (lang.t(Text::State)) ": " (policy_status_badge(&view.status, lang)) " " small class="origin" { (policy_origin_label(&view.origin, lang)) } " — " (view.summary) }
        p { "SHA-256: " code { (view.digest) } }
        @if view.status == "proposed" {
            form method="post" action={ "/admin/policies/" (view.version) "/what-if" } class="card" id="what-if" {
                (csrf_field(&ctx))
                label for="limit" { (lang.t(Text::WhatIfLimit)) }
                input type="number" name="limit" id="limit" value="1000" min="1" max="10000";
                button type="submit" { (lang.t(Text::WhatIf)) }
            }
            // Nobody approves their own proposal: the policy point says
            // who may, and only they see the buttons.
            @if may_decide(&ctx, &view) {
                (button("approve", Text::Approve))
                (button("reject", Text::Reject))
            }
        }
        @if view.status == "retired" {
            (button("rollback", Text::Rollback))
        }
        pre class="policy-text" { (view.policies) }
        p { a href=(BACK) { (lang.t(Text::Policies)) } }
    };
    let title = format!("{} v{}", lang.t(Text::Policies), view.version);
    ok(page_in(
        &ctx,
        &[
            ("/", lang.t(Text::Home)),
            ("/admin/policies", lang.t(Text::Policies)),
        ],
        &title,
        Marked::Plain,
        body,
    ))
}

/// The proposal form.
#[derive(Deserialize)]
pub(super) struct ProposeForm {
    summary: String,
    policies: String,
}

/// `POST /admin/policies`
pub(super) async fn propose(ctx: Ctx, Form(form): Form<ProposeForm>) -> Response {
    match ctx
        .app
        .propose_policy(&ctx.meta, &ctx.caller, &form.policies, &form.summary)
        .await
    {
        Ok(version) => Redirect::to(&format!("{BACK}/{version}")).into_response(),
        Err(e) if about_input(&e) => {
            let values = vec![("summary", form.summary), ("policies", form.policies)];
            let fields: &[(&str, &[&str])] =
                &[("policies", &["policies"]), ("summary", &["summary"])];
            let failed = Failed::new(&ctx, F_PROPOSE, &e, values, fields);
            policies_with(&ctx, Some((&failed, &e))).await
        }
        Err(e) => step_up_or_error(&ctx, e, BACK),
    }
}

/// The what-if form.
#[derive(Deserialize)]
pub(super) struct WhatIfForm {
    limit: i64,
}

/// `POST /admin/policies/{version}/what-if`
pub(super) async fn what_if(
    ctx: Ctx,
    Path(version): Path<String>,
    Form(form): Form<WhatIfForm>,
) -> Response {
    let report = match version_number(&version) {
        Ok(v) => {
            ctx.app
                .policy_what_if(&ctx.meta, &ctx.caller, v, form.limit)
                .await
        }
        Err(e) => Err(e),
    };
    match report {
        Ok(report) => what_if_page(&ctx, &report),
        Err(e) => error_page(&ctx, e),
    }
}

fn what_if_page(ctx: &Ctx, report: &WhatIfReport) -> Response {
    let lang = ctx.lang;
    let verdict = |allowed: bool| lang.t(if allowed { Text::Allowed } else { Text::Denied });
    let body = html! {
        p id="what-if-summary" data-replayed=(report.replayed) data-flips=(report.flips.len()) {
            (lang.t(Text::WhatIfReplayed)) ": " (report.replayed) " / "
            (lang.t(Text::WhatIfFlips)) ": " (report.flips.len())
            @if report.unreadable > 0 { " / " (lang.t(Text::WhatIfUnreadable)) ": " (report.unreadable) }
        }
        div class="table-scroll" tabindex="0" {
            table id="what-if-flips" {
                thead { tr {
                    th { (lang.t(Text::Started)) } th { (lang.t(Text::RequestedBy)) } th { (lang.t(Text::Action)) }
                    th { (lang.t(Text::Object)) } th { (lang.t(Text::Before)) } th { (lang.t(Text::After)) }
                } }
                tbody {
                    @for f in &report.flips {
                        tr class="flip" data-event=(f.event_id) {
                            td { (ctx.zone().when(f.occurred_at)) }
                            td { (f.actor.as_deref().unwrap_or("")) }
                            td { (f.action) }
                            td { (f.object_type) " " (f.object_id.as_deref().unwrap_or("")) }
                            td { (verdict(f.was_allowed)) br; small { (f.was_policies) } }
                            td { (verdict(f.now_allowed)) br; small { (f.now_policies.join(",")) } }
                        }
                    }
                }
            }
        }
        p { a href={ (BACK) "/" (report.version) } { "v" (report.version) } }
    };
    ok(page_in(
        ctx,
        &[
            ("/", lang.t(Text::Home)),
            ("/admin/policies", lang.t(Text::Policies)),
        ],
        lang.t(Text::WhatIf),
        Marked::Plain,
        body,
    ))
}

/// `POST /admin/policies/{version}/{approve|reject|rollback}`
pub(super) async fn change(ctx: Ctx, Path((version, change)): Path<(String, String)>) -> Response {
    let version = match version_number(&version) {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let result = match change.as_str() {
        "approve" => {
            ctx.app
                .approve_policy(&ctx.meta, &ctx.caller, version)
                .await
        }
        "reject" => ctx.app.reject_policy(&ctx.meta, &ctx.caller, version).await,
        "rollback" => ctx
            .app
            .rollback_policy(&ctx.meta, &ctx.caller, version)
            .await
            .map(|_| ()),
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(()) => Redirect::to(BACK).into_response(),
        Err(e) => step_up_or_error(&ctx, e, &format!("{BACK}/{version}")),
    }
}

/// Whether the caller may approve or reject the proposal (asked of the
/// policy point; the use case decides again when a button is pressed).
fn may_decide(ctx: &Ctx, view: &dsg_app::PolicyVersionView) -> bool {
    let proposer = view
        .proposed_by
        .as_deref()
        .and_then(|id| id.parse::<dsg_core::UserId>().ok());
    proposer.is_some_and(|by| ctx.app.may_decide_policy(&ctx.caller, view.version, by))
}
