//! `/admin/access`: "who has access" for operators. Choose a compartment
//! or a person; the table shows who (or what) could be reached now, from
//! which terminals and why, with a CSV download of the same review.

use axum::extract::Query;
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;

use super::labels::Label;
use super::layout::{error_page, ok, page, Marked};
use super::{Lang, Text};
use crate::http::context::Ctx;
use dsg_app::{AdminOverview, TerminalRef, Why};

/// `?compartment=…` or `?user=…`
#[derive(Debug, Deserialize, Default)]
pub(super) struct ReviewQuery {
    #[serde(default)]
    compartment: Option<String>,
    #[serde(default)]
    user: Option<String>,
}

fn terminals_cell(terminals: &[TerminalRef]) -> Markup {
    html! {
        @for t in terminals {
            span class="terminal" data-id=(t.id) { (t.name) " (" (t.site) ")" } br;
        }
    }
}

fn why_cell(why: &[Why], lang: Lang) -> Markup {
    html! { ul class="why" { @for w in why { li { (w.text(lang == Lang::Ja)) } } } }
}

fn allowed_cell(allowed: bool, lang: Lang) -> Markup {
    html! {
        @if allowed {
            strong class="access-allowed" { (lang.t(Text::HasAccess)) }
        } @else {
            span class="access-none error" { (lang.t(Text::NoAccess)) }
        }
    }
}

fn chooser(ctx: &Ctx, o: &AdminOverview, query: &ReviewQuery) -> Markup {
    let lang = ctx.lang;
    let company_name = |id: dsg_core::CompanyId| {
        o.companies
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    let contract_number = |id: dsg_core::ContractId| {
        o.contracts
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.number.to_string())
            .unwrap_or_default()
    };
    html! {
        form method="get" action="/admin/access" class="card" id="review-compartment" {
            label for="access-compartment" { (lang.t(Text::ByCompartment)) }
            select name="compartment" id="access-compartment" {
                @for m in &o.compartments {
                    option value=(m.id) selected[query.compartment.as_deref() == Some(m.id.to_string().as_str())] {
                        (contract_number(m.contract_id)) " — " (company_name(m.company_id))
                    }
                }
            }
            p { button type="submit" { (lang.t(Text::ShowReview)) } }
        }
        form method="get" action="/admin/access" class="card" id="review-person" {
            label for="access-user" { (lang.t(Text::ByPerson)) }
            select name="user" id="access-user" {
                @for u in &o.users {
                    option value=(u.id) selected[query.user.as_deref() == Some(u.id.to_string().as_str())] {
                        (u.display_name) " (" (u.username) ") — " (company_name(u.company_id))
                    }
                }
            }
            p { button type="submit" { (lang.t(Text::ShowReview)) } }
        }
    }
}

/// `GET /admin/access`
pub(super) async fn access_page(ctx: Ctx, Query(query): Query<ReviewQuery>) -> Response {
    let lang = ctx.lang;
    let overview = match ctx
        .app
        .access_review_directory(&ctx.meta, &ctx.caller)
        .await
    {
        Ok(o) => o,
        Err(e) => return error_page(&ctx, e),
    };
    let result = if let Some(id) = query.compartment.as_deref().filter(|s| !s.is_empty()) {
        match ctx.app.compartment_access(&ctx.meta, &ctx.caller, id).await {
            Ok(a) => html! {
                section class="card" id="access-result" data-kind="compartment" {
                    h2 { (a.contract_number) " — " (a.contract_title) " (" (a.company_name) ")" }
                    p class="note" { (lang.t(Text::PolicyInForce)) ": " (a.policy_version) }
                    p { a id="access-csv" href={ "/api/v1/admin/access/compartments/" (a.compartment_id) ".csv" } { (lang.t(Text::DownloadCsv)) } }
                    @if a.entries.is_empty() {
                        p { (lang.t(Text::NoOneListed)) }
                    } @else {
                        div class="table-scroll" tabindex="0" {
                            table id="access-table" {
                                thead { tr {
                                    th { (lang.t(Text::Person)) } th { (lang.t(Text::Company)) }
                                    th { (lang.t(Text::AccessColumn)) } th { (lang.t(Text::Terminals)) }
                                    th { (lang.t(Text::WhyColumn)) }
                                } }
                                tbody { @for e in &a.entries {
                                    tr class="access-row" data-user=(e.user_id) data-allowed=(e.allowed) {
                                        td {
                                            a href={ "/admin/access?user=" (e.user_id) } { (e.display_name) }
                                            " (" (e.username) ")"
                                            @if e.handler { br; small { (lang.t(Text::HandlerMark)) } }
                                        }
                                        td { (e.company_name) }
                                        td { (allowed_cell(e.allowed, lang)) }
                                        td { (terminals_cell(&e.terminals)) }
                                        td { (why_cell(&e.why, lang)) }
                                    }
                                } }
                            }
                        }
                    }
                }
            },
            Err(e) => return error_page(&ctx, e),
        }
    } else if let Some(id) = query.user.as_deref().filter(|s| !s.is_empty()) {
        match ctx.app.person_access(&ctx.meta, &ctx.caller, id).await {
            Ok(a) => html! {
                section class="card" id="access-result" data-kind="user" {
                    h2 { (a.display_name) " (" (a.username) ") — " (a.company_name) }
                    p class="note" {
                        (lang.t(Text::State)) ": " (a.account_state.label(lang)) " · "
                        (lang.t(Text::PolicyInForce)) ": " (a.policy_version)
                    }
                    p { a id="access-csv" href={ "/api/v1/admin/access/users/" (a.user_id) ".csv" } { (lang.t(Text::DownloadCsv)) } }
                    @if a.compartments.is_empty() {
                        p { (lang.t(Text::NoOneListed)) }
                    } @else {
                        div class="table-scroll" tabindex="0" {
                            table id="access-table" {
                                thead { tr {
                                    th { (lang.t(Text::ContractNumber)) } th { (lang.t(Text::Company)) }
                                    th { (lang.t(Text::AccessColumn)) } th { (lang.t(Text::Terminals)) }
                                    th { (lang.t(Text::WhyColumn)) }
                                } }
                                tbody { @for c in &a.compartments {
                                    tr class="access-row" data-compartment=(c.compartment_id) data-allowed=(c.allowed) {
                                        td {
                                            a href={ "/admin/access?compartment=" (c.compartment_id) } { (c.contract_number) }
                                            " " (c.contract_title)
                                            @if c.handler { br; small { (lang.t(Text::HandlerMark)) } }
                                        }
                                        td { (c.company_name) }
                                        td { (allowed_cell(c.allowed, lang)) }
                                        td { (terminals_cell(&c.terminals)) }
                                        td { (why_cell(&c.why, lang)) }
                                    }
                                } }
                            }
                        }
                    }
                }
            },
            Err(e) => return error_page(&ctx, e),
        }
    } else {
        html! {}
    };
    let body = html! {
        p class="note" { (lang.t(Text::AccessReviewIntro)) }
        (chooser(&ctx, &overview, &query))
        (result)
        p { a href="/admin" { (lang.t(Text::Admin)) } }
    };
    ok(page(&ctx, lang.t(Text::AccessReview), Marked::Plain, body))
}
