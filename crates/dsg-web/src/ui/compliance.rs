//! `/compliance`: where a company stands on the standard, requirement by
//! requirement (第4–第14 and the guideline items the gateway evidences):
//! its own view, the agency's table of every company × chapter, one
//! requirement's detail with the records that cause it, attestations.
//! The use cases ask the policy point; the pages only render.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::identity::step_up_or_error;
use super::layout::{csrf_field, error_page, ok, page_in, Marked};
use super::notice::{done, Notice};
use super::{segment, Lang, Text};
use crate::http::context::Ctx;
use dsg_app::{ComplianceHome, NewAttestation, RequirementView};

/// The label of a status.
pub(super) fn status_label(status: &str, lang: Lang) -> &'static str {
    lang.t(match status {
        "met" => Text::CStatusMet,
        "due_soon" => Text::CStatusDueSoon,
        "overdue" => Text::CStatusOverdue,
        "not_met" => Text::CStatusNotMet,
        "attested" => Text::CStatusAttested,
        _ => Text::CStatusNotApplicable,
    })
}

/// The label of a reason code.
fn reason_label(reason: &str, lang: Lang) -> &'static str {
    lang.t(match reason {
        "no_special_clause" => Text::CReasonNoSpecialClause,
        "no_handlers" => Text::CReasonNoHandlers,
        "roster_all_confirmed" => Text::CReasonRosterAllConfirmed,
        "roster_unconfirmed" => Text::CReasonRosterUnconfirmed,
        "training_current" => Text::CReasonTrainingCurrent,
        "training_due_soon" => Text::CReasonTrainingDueSoon,
        "training_overdue" => Text::CReasonTrainingOverdue,
        "training_missing" => Text::CReasonTrainingMissing,
        "training_topics_missing" => Text::CReasonTrainingTopicsMissing,
        "no_active_accounts" => Text::CReasonNoActiveAccounts,
        "passkeys_all" => Text::CReasonPasskeysAll,
        "passkeys_missing" => Text::CReasonPasskeysMissing,
        "log_verified" => Text::CReasonLogVerified,
        "log_verification_stale" => Text::CReasonLogStale,
        "log_never_verified" => Text::CReasonLogNever,
        "no_disposals" => Text::CReasonNoDisposals,
        "disposals_checked" => Text::CReasonDisposalsChecked,
        "disposal_awaiting_check" => Text::CReasonDisposalAwaiting,
        "disposal_overdue" => Text::CReasonDisposalOverdue,
        "attested" => Text::CReasonAttested,
        "attestation_expiring" => Text::CReasonAttestationExpiring,
        "attestation_expired" => Text::CReasonAttestationExpired,
        "consent_all" => Text::CReasonConsentAll,
        "consent_missing" => Text::CReasonConsentMissing,
        "roles_designated" => Text::CReasonRolesDesignated,
        "roles_missing" => Text::CReasonRolesMissing,
        "roles_combined" => Text::CReasonRolesCombined,
        "audit_not_independent" => Text::CReasonAuditNotIndependent,
        _ => Text::CReasonNotAttested,
    })
}

fn summary(r: &RequirementView, lang: Lang) -> &str {
    match lang {
        Lang::Ja => &r.ja,
        Lang::En => &r.en,
    }
}

fn status_badge(status: &str, lang: Lang) -> Markup {
    html! { span class={ "compliance-status status-" (status) } data-status=(status) { (status_label(status, lang)) } }
}

fn trail(lang: Lang) -> [(&'static str, &'static str); 2] {
    [
        ("/", lang.t(Text::Home)),
        ("/compliance", lang.t(Text::Compliance)),
    ]
}

/// `GET /compliance`: a contractor's own view, or the agency's table.
pub(super) async fn home(ctx: Ctx) -> Response {
    match ctx.app.compliance_home(&ctx.caller) {
        Ok(ComplianceHome::Company(id)) => {
            Redirect::to(&format!("/compliance/companies/{id}")).into_response()
        }
        Ok(ComplianceHome::Agency) => Redirect::to("/compliance/agency").into_response(),
        Err(e) => error_page(&ctx, e),
    }
}

/// `GET /compliance/agency`: every company × chapter.
pub(super) async fn agency_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let table = match ctx.app.agency_compliance(&ctx.meta, &ctx.caller).await {
        Ok(t) => t,
        Err(e) => return error_page(&ctx, e),
    };
    let body = html! {
        p class="note" { (lang.t(Text::ComplianceIntro)) }
        p class="catalogue" { (lang.t(Text::CatalogueVersion)) ": " span id="catalogue-version" { (table.catalogue_version) }
            " · " (lang.t(Text::EvaluatedOn)) ": " (table.evaluated_on) }
        div class="table-scroll" tabindex="0" {
            table id="compliance-agency" {
                thead { tr {
                    th { (lang.t(Text::Company)) }
                    @for c in &table.chapters {
                        th data-chapter=(c.chapter) { (match lang { Lang::Ja => c.ja, Lang::En => c.en }) }
                    }
                } }
                tbody { @for row in &table.rows {
                    tr class="compliance-company" data-id=(row.company_id) {
                        th { a href={ "/compliance/companies/" (row.company_id) } { (row.company_name) } }
                        @for cell in &row.cells {
                            td class="compliance-cell" data-chapter=(cell.chapter) data-status=(cell.status) {
                                a href={ "/compliance/companies/" (row.company_id) "#ch-" (cell.chapter) } {
                                    (status_badge(cell.status, lang))
                                }
                            }
                        }
                    }
                } }
            }
        }
    };
    ok(page_in(
        &ctx,
        &[("/", lang.t(Text::Home))],
        lang.t(Text::ComplianceAgency),
        Marked::Plain,
        body,
    ))
}

/// `GET /compliance/companies/{company}`: the company's view and history.
pub(super) async fn company_page(ctx: Ctx, Path(company): Path<String>) -> Response {
    let lang = ctx.lang;
    let view = match ctx
        .app
        .company_compliance(&ctx.meta, &ctx.caller, &company)
        .await
    {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let base = format!("/compliance/companies/{}", view.company_id);
    let mut chapters: Vec<&'static str> = Vec::new();
    for r in &view.requirements {
        if !chapters.contains(&r.chapter) {
            chapters.push(r.chapter);
        }
    }
    let body = html! {
        p class="note" { (lang.t(Text::ComplianceIntro)) }
        p class="catalogue" { (lang.t(Text::CatalogueVersion)) ": " span id="catalogue-version" { (view.catalogue_version) }
            " · " (lang.t(Text::EvaluatedOn)) ": " (view.evaluated_on) }
        div class="table-scroll" tabindex="0" {
            table id="compliance" {
                thead { tr {
                    th { (lang.t(Text::RequirementId)) } th { (lang.t(Text::Requirement)) }
                    th { (lang.t(Text::Status)) } th { (lang.t(Text::Reason)) } th { (lang.t(Text::DueDate)) }
                } }
                @for chapter in &chapters {
                    tbody id={ "ch-" (chapter) } {
                        @for r in view.requirements.iter().filter(|r| r.chapter == *chapter) {
                            tr class="requirement" data-id=(r.id) data-status=(r.status) {
                                td { a href={ (base) "/requirements/" (segment(&r.id)) } { (r.id) } }
                                td { (summary(r, lang)) }
                                td { (status_badge(r.status, lang)) }
                                td class="reason" { (reason_label(r.reason, lang))
                                    @if !r.causes.is_empty() { " (" (r.causes.len()) ")" } }
                                td { (r.due.as_deref().unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (lang.t(Text::ComplianceHistory)) }
        @if view.history.is_empty() {
            p { "—" }
        } @else {
            div class="table-scroll" tabindex="0" {
                table id="compliance-history" {
                    thead { tr {
                        th { (lang.t(Text::Day)) } th { (lang.t(Text::CatalogueVersion)) }
                        @for s in ["met", "attested", "due_soon", "overdue", "not_met", "not_applicable"] {
                            th { (status_label(s, lang)) }
                        }
                    } }
                    tbody { @for s in &view.history {
                        tr class="snapshot" data-day=(s.day) {
                            td { (s.day) } td { (s.catalogue_version) }
                            @for k in ["met", "attested", "due_soon", "overdue", "not_met", "not_applicable"] {
                                td data-status=(k) { (s.counts.get(k).copied().unwrap_or(0)) }
                            }
                        }
                    } }
                }
            }
        }
    };
    let title = format!("{} — {}", lang.t(Text::Compliance), view.company_name);
    ok(page_in(&ctx, &trail(lang), &title, Marked::Plain, body))
}

/// `GET /compliance/companies/{company}/requirements/{id}`
pub(super) async fn requirement_page(
    ctx: Ctx,
    Path((company, requirement)): Path<(String, String)>,
) -> Response {
    let lang = ctx.lang;
    let d = match ctx
        .app
        .requirement_detail(&ctx.meta, &ctx.caller, &company, &requirement)
        .await
    {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, e),
    };
    let r = &d.requirement;
    let base = format!("/compliance/companies/{}", d.company_id);
    let body = html! {
        p { strong { (r.id) } " " (summary(r, lang)) }
        dl id="requirement" data-status=(r.status) {
            dt { (lang.t(Text::Status)) } dd { (status_badge(r.status, lang)) }
            dt { (lang.t(Text::Reason)) } dd class="reason" { (reason_label(r.reason, lang)) }
            dt { (lang.t(Text::DueDate)) } dd { (r.due.as_deref().unwrap_or("—")) }
            dt { (lang.t(Text::CatalogueVersion)) } dd { (d.catalogue_version) }
        }
        h2 { (lang.t(Text::ComplianceCauses)) }
        @if r.causes.is_empty() {
            p id="no-causes" { "—" }
        } @else {
            ul id="causes" { @for c in &r.causes {
                li class="cause" data-kind=(c.kind) data-id=(c.id) {
                    @match c.kind {
                        "person" => { a href={ "/records/" (d.company_id) } { (c.label) } }
                        "role" => { a href={ "/records/" (d.company_id) "/roles" } {
                            (super::company_roles::role_label(&c.id, lang)) } }
                        _ => { (c.label) }
                    }
                    @if let Some(on) = &c.on { " — " (on) }
                }
            } }
        }
        @if r.attestable {
            h2 { (lang.t(Text::Attestations)) }
            @if d.attestations.is_empty() {
                p id="no-attestations" { "—" }
            } @else {
                table id="attestations" {
                    thead { tr {
                        th { (lang.t(Text::AttestedBy)) } th { (lang.t(Text::AttestationDocument)) }
                        th { (lang.t(Text::AttestedOn)) } th { (lang.t(Text::AttestationValidUntil)) }
                        th { (lang.t(Text::RecordedBy)) }
                    } }
                    tbody { @for a in &d.attestations {
                        tr class="attestation" data-id=(a.id) {
                            td { (a.attested_by) } td { (a.document) }
                            td { (a.attested_on) } td { (a.valid_until) } td { (a.recorded_by) }
                        }
                    } }
                }
            }
            @if d.may_attest {
                form method="post" action={ (base) "/attestations" } id="attest" {
                    (csrf_field(&ctx))
                    input type="hidden" name="requirement" value=(r.id);
                    label { (lang.t(Text::AttestedBy)) input type="text" name="attested_by" required maxlength="100"; }
                    label { (lang.t(Text::AttestationDocument)) input type="text" name="document" required maxlength="300"; }
                    label { (lang.t(Text::AttestedOn)) input type="date" name="attested_on" required; }
                    label { (lang.t(Text::AttestationValidUntil)) input type="date" name="valid_until" required; }
                    button type="submit" { (lang.t(Text::Attest)) }
                }
            }
        }
        p { a href=(base) { (lang.t(Text::Back)) } }
    };
    let title = format!(
        "{} {} — {}",
        lang.t(Text::Requirement),
        r.id,
        d.company_name
    );
    let company_trail = (base.as_str(), d.company_name.as_str());
    let [home, compliance] = trail(lang);
    ok(page_in(
        &ctx,
        &[home, compliance, company_trail],
        &title,
        Marked::Plain,
        body,
    ))
}

/// The attestation form.
#[derive(Debug, Deserialize)]
pub(super) struct AttestForm {
    requirement: String,
    attested_by: String,
    document: String,
    attested_on: String,
    valid_until: String,
}

/// `POST /compliance/companies/{company}/attestations`
pub(super) async fn attest(
    ctx: Ctx,
    Path(company): Path<String>,
    Form(form): Form<AttestForm>,
) -> Response {
    let back = format!(
        "/compliance/companies/{}/requirements/{}",
        segment(&company),
        segment(&form.requirement)
    );
    let new = NewAttestation {
        requirement: form.requirement,
        attested_by: form.attested_by,
        document: form.document,
        attested_on: form.attested_on,
        valid_until: form.valid_until,
    };
    match ctx.app.attest(&ctx.meta, &ctx.caller, &company, &new).await {
        Ok(_) => done(&back, Notice::Saved),
        Err(e) => step_up_or_error(&ctx, e, &back),
    }
}
