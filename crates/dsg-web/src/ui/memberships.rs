//! `/memberships`: membership applications (加入申請). What waits for the
//! caller, the memberships they may read, the form to file one; each with
//! its schedule to completion, its timeline, the steps the caller may take
//! and (for the agency) the schedule adjustment; the completion notice as a
//! print view. Buttons come from the use cases' answers, never from role
//! checks; the use case decides again when one is pressed.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dsg_core::membership::{
    MembershipAction, MembershipForm, MembershipState, MembershipStep, PREFECTURES,
};
use dsg_core::workflow::Party;
use maud::{html, Markup};
use serde::Deserialize;

use super::form_error::{answer, field, Control, Failed, Field};
use super::layout::{csrf_field, error_page, ok, page, Marked};
use super::{segment, Lang, Text};
use crate::http::context::Ctx;
use dsg_app::{AppError, MembershipView};

pub(super) fn state_label(state: MembershipState, lang: Lang) -> &'static str {
    use MembershipState as S;
    lang.t(match state {
        S::Submitted => Text::StateSubmitted,
        S::SiteCheck => Text::MStateSiteCheck,
        S::Remediation => Text::MStateRemediation,
        S::LineSurvey => Text::MStateLineSurvey,
        S::LineWorks => Text::MStateLineWorks,
        S::RouterInstallation => Text::MStateRouter,
        S::TerminalSetup => Text::MStateTerminalSetup,
        S::ConnectionTest => Text::MStateConnectionTest,
        S::FinalCheck => Text::MStateFinalCheck,
        S::FinalRemediation => Text::MStateFinalRemediation,
        S::Completed => Text::MStateCompleted,
        S::Rejected => Text::StateRejected,
        S::Withdrawn => Text::StateWithdrawn,
    })
}

fn action_label(action: &str, lang: Lang) -> String {
    use MembershipAction as A;
    let text = match MembershipAction::parse(action) {
        Ok(A::Accept) => Text::MActAccept,
        Ok(A::Reject) => Text::StepReject,
        Ok(A::PassCheck) => Text::MActPassCheck,
        Ok(A::FindDeficiencies) => Text::MActFindDeficiencies,
        Ok(A::AcceptAuditResult) => Text::MActAcceptAuditResult,
        Ok(A::ReportRemediation) => Text::MActReportRemediation,
        Ok(A::CompleteSurvey) => Text::MActCompleteSurvey,
        Ok(A::CompleteLineWorks) => Text::MActCompleteLineWorks,
        Ok(A::CompleteRouter) => Text::MActCompleteRouter,
        Ok(A::CompleteTerminalSetup) => Text::MActCompleteTerminalSetup,
        Ok(A::RequestFinalCheck) => Text::MActRequestFinalCheck,
        Ok(A::Withdraw) => Text::StepWithdraw,
        Err(_) if action == "file" => Text::StepFile,
        Err(_) => return action.to_owned(),
    };
    lang.t(text).to_owned()
}

fn step_label(step: MembershipStep, lang: Lang) -> &'static str {
    use MembershipStep as M;
    lang.t(match step {
        M::Application => Text::MStep1,
        M::SiteCheck => Text::MStep2,
        M::LineSurvey => Text::MStep3,
        M::LineWorks => Text::MStep4,
        M::RouterInstallation => Text::MStep5,
        M::TerminalSetup => Text::MStep6,
        M::FinalCheck => Text::MStep7,
    })
}

fn party_label(party: Party, lang: Lang) -> &'static str {
    lang.t(match party {
        Party::Agency => Text::PartyAgency,
        Party::Provider => Text::PartyProvider,
        Party::Company => Text::PartyCompany,
    })
}

fn reason_label(reason: &str, lang: Lang) -> String {
    if reason == "awaiting_agency" {
        return lang.t(Text::ReasonAwaitingAgency).to_owned();
    }
    MembershipAction::parse(reason)
        .map_or_else(|_| reason.to_owned(), |_| action_label(reason, lang))
}

fn table(ctx: &Ctx, id: &str, views: &[MembershipView]) -> Markup {
    let lang = ctx.lang;
    html! {
        table id=(id) {
            thead { tr {
                th { (lang.t(Text::Company)) } th { (lang.t(Text::SiteName)) }
                th { (lang.t(Text::Status)) } th { (lang.t(Text::DueOn)) } th { (lang.t(Text::Time)) }
            } }
            tbody { @for v in views {
                @let a = &v.row.application;
                tr class="membership-row" data-id=(a.id) data-state=(v.state.as_str()) data-overdue=(v.overdue) {
                    td { a href={ "/memberships/" (segment(&a.id)) } { (v.row.form.company_name) } }
                    td { (v.row.form.site_name) }
                    td class="state" { (state_label(v.state, lang)) }
                    td {
                        @if let Some(due) = &a.due_on { (due) }
                        @if v.overdue { " " strong class="overdue" { (lang.t(Text::Overdue)) } }
                    }
                    td { (ctx.zone().when(a.submitted_at)) }
                }
            } }
        }
    }
}

const F_FILING: &str = "membership-form";

fn filing_form(ctx: &Ctx, failed: Option<&Failed>) -> Markup {
    let lang = ctx.lang;
    let prefectures: Vec<(String, String)> = PREFECTURES
        .iter()
        .map(|p| ((*p).to_owned(), (*p).to_owned()))
        .collect();
    let line = |name: &'static str, label: Text, max: u32| {
        field(
            failed,
            &Field {
                form: F_FILING,
                name,
                id: &format!("m-{name}"),
                label: lang.t(label),
                control: Control::Input("text"),
                required: true,
                max: Some(max),
            },
        )
    };
    let area = |name: &'static str, label: Text, max: u32, required: bool| {
        field(
            failed,
            &Field {
                form: F_FILING,
                name,
                id: &format!("m-{name}"),
                label: lang.t(label),
                control: Control::Area(4),
                required,
                max: Some(max),
            },
        )
    };
    html! {
        form method="post" action="/memberships" class="card" id=(F_FILING) {
            h2 { (lang.t(Text::FileMembership)) }
            (csrf_field(ctx))
            (line("company_name", Text::Company, 200))
            (line("company_address", Text::CompanyAddress, 500))
            (line("site_name", Text::SiteName, 200))
            (field(failed, &Field { form: F_FILING, name: "site_prefecture", id: "m-site_prefecture",
                label: lang.t(Text::SitePrefecture), control: Control::Select { options: &prefectures, choose: false },
                required: true, max: None }))
            (line("site_address", Text::SiteAddress, 500))
            (area("contact", Text::Contact, 500, true))
            (area("contracts_evidence", Text::RequirementContracts, 4000, true))
            (area("facility_evidence", Text::RequirementFacility, 4000, true))
            (area("equipment_evidence", Text::RequirementEquipment, 4000, true))
            (area("location_evidence", Text::RequirementLocation, 4000, true))
            (area("audit_result", Text::AuditResult, 1000, false))
            (area("schedule_wish", Text::ScheduleWish, 2000, false))
            button type="submit" { (lang.t(Text::FileRequest)) }
        }
    }
}

/// `GET /memberships`
pub(super) async fn memberships_page(ctx: Ctx) -> Response {
    memberships_view(&ctx, None).await
}

/// The list and the filing form; after a refused filing, the form as
/// typed with the message beside the field.
async fn memberships_view(ctx: &Ctx, failed: Option<&Failed>) -> Response {
    let ctx = ctx.clone();
    let lang = ctx.lang;
    let inbox = match ctx.app.memberships(&ctx.meta, &ctx.caller, true).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let all = match ctx.app.memberships(&ctx.meta, &ctx.caller, false).await {
        Ok(v) => v,
        Err(AppError::Forbidden) => Vec::new(),
        Err(e) => return error_page(&ctx, e),
    };
    let body = html! {
        p class="note" { (lang.t(Text::MembershipsIntro)) }
        h2 { (lang.t(Text::Inbox)) }
        @if inbox.is_empty() {
            p id="inbox-empty" { (lang.t(Text::InboxEmpty)) }
        } @else {
            (table(&ctx, "membership-inbox", &inbox))
        }
        @if ctx.app.may_file_application(&ctx.caller) { (filing_form(&ctx, failed)) }
        h2 { (lang.t(Text::Memberships)) }
        @if all.is_empty() {
            p id="no-memberships" { (lang.t(Text::NoMemberships)) }
        } @else {
            (table(&ctx, "memberships", &all))
        }
        p { a href="/applications" { (lang.t(Text::Applications)) } }
    };
    answer(
        failed,
        page(&ctx, lang.t(Text::Memberships), Marked::Plain, body),
    )
}

/// The filing form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct FilingForm {
    company_name: String,
    company_address: String,
    site_name: String,
    site_prefecture: String,
    site_address: String,
    contact: String,
    contracts_evidence: String,
    facility_evidence: String,
    equipment_evidence: String,
    location_evidence: String,
    #[serde(default)]
    audit_result: String,
    #[serde(default)]
    schedule_wish: String,
}

/// `POST /memberships`: files the application, then shows it.
pub(super) async fn file(ctx: Ctx, Form(f): Form<FilingForm>) -> Response {
    let form = MembershipForm {
        company_name: f.company_name.clone(),
        company_address: f.company_address.clone(),
        site_name: f.site_name.clone(),
        site_prefecture: f.site_prefecture.clone(),
        site_address: f.site_address.clone(),
        contact: f.contact.clone(),
        contracts_evidence: f.contracts_evidence.clone(),
        facility_evidence: f.facility_evidence.clone(),
        equipment_evidence: f.equipment_evidence.clone(),
        location_evidence: f.location_evidence.clone(),
        audit_result: f.audit_result.clone(),
        schedule_wish: f.schedule_wish.clone(),
    };
    match ctx
        .app
        .file_membership(&ctx.meta, &ctx.caller, None, &form)
        .await
    {
        Ok(d) => Redirect::to(&format!(
            "/memberships/{}",
            segment(&d.membership.row.application.id)
        ))
        .into_response(),
        Err(e) => {
            let values = vec![
                ("company_name", f.company_name),
                ("company_address", f.company_address),
                ("site_name", f.site_name),
                ("site_prefecture", f.site_prefecture),
                ("site_address", f.site_address),
                ("contact", f.contact),
                ("contracts_evidence", f.contracts_evidence),
                ("facility_evidence", f.facility_evidence),
                ("equipment_evidence", f.equipment_evidence),
                ("location_evidence", f.location_evidence),
                ("audit_result", f.audit_result),
                ("schedule_wish", f.schedule_wish),
            ];
            // Each input is named in the use case's messages as it is.
            let names: Vec<(&'static str, [&str; 1])> =
                values.iter().map(|(name, _)| (*name, [*name])).collect();
            let fields: Vec<(&'static str, &[&str])> =
                names.iter().map(|(n, a)| (*n, a.as_slice())).collect();
            match Failed::of(&ctx, F_FILING, e, values, &fields) {
                Ok(failed) => memberships_view(&ctx, Some(&failed)).await,
                Err(e) => error_page(&ctx, e),
            }
        }
    }
}

/// `GET /memberships/{id}`: the application, its schedule, its timeline and
/// its steps.
pub(super) async fn membership_page(ctx: Ctx, Path(id): Path<String>) -> Response {
    let lang = ctx.lang;
    let d = match ctx.app.membership(&ctx.meta, &ctx.caller, &id).await {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, e),
    };
    let v = &d.membership;
    let a = &v.row.application;
    let f = &v.row.form;
    let base = format!("/memberships/{}", segment(&a.id));
    let body = html! {
        div class="card" id="membership" data-id=(a.id) data-state=(v.state.as_str()) {
            p { strong class="state" { (state_label(v.state, lang)) } ": " (reason_label(&a.reason, lang)) }
            dl {
                dt { (lang.t(Text::Company)) } dd { (f.company_name) }
                dt { (lang.t(Text::CompanyAddress)) } dd { (f.company_address) }
                dt { (lang.t(Text::SiteName)) } dd { (f.site_name) }
                dt { (lang.t(Text::SiteAddress)) } dd { (f.site_prefecture) " " (f.site_address) }
                dt { (lang.t(Text::Contact)) } dd { (f.contact) }
                dt { (lang.t(Text::RequirementContracts)) } dd { (f.contracts_evidence) }
                dt { (lang.t(Text::RequirementFacility)) } dd { (f.facility_evidence) }
                dt { (lang.t(Text::RequirementEquipment)) } dd { (f.equipment_evidence) }
                dt { (lang.t(Text::RequirementLocation)) } dd { (f.location_evidence) }
                dt { (lang.t(Text::AuditResult)) } dd { (f.audit_result) }
                dt { (lang.t(Text::ScheduleWish)) } dd { (f.schedule_wish) }
                @if let Some(p) = v.row.provider_id { dt { (lang.t(Text::PartyProvider)) } dd { (p) } }
            }
            @for action in &v.actions {
                form method="post" action={ (base) "/" (action.as_str()) } class="inline" {
                    (csrf_field(&ctx))
                    @if *action == MembershipAction::Accept {
                        input type="text" name="provider_id" required placeholder=(lang.t(Text::ProviderId));
                    }
                    input type="text" name="reason" placeholder=(lang.t(Text::ReasonOptional)) maxlength="2000" required[action.needs_reason()];
                    button type="submit" class={ "step-" (action.as_str()) } { (action_label(action.as_str(), lang)) }
                }
            }
            @if let Some(n) = &d.notice {
                p { a href={ (base) "/notice" } id="notice-link" { (lang.t(Text::CompletionNotice)) " " (n.number) } }
            }
        }
        h2 { (lang.t(Text::Schedule)) }
        @if !d.works_within_a_month { p class="overdue" id="works-month" { (lang.t(Text::WorksNotWithinAMonth)) } }
        table id="schedule" {
            thead { tr { th { (lang.t(Text::ScheduleStep)) } th { (lang.t(Text::Owner)) } th { (lang.t(Text::DueOn)) } } }
            tbody { @for l in &d.schedule {
                tr class="schedule-line" data-step=(l.step.as_str()) data-due=(l.due_on)
                    data-current=(v.state.step() == Some(l.step)) {
                    td { (step_label(l.step, lang)) }
                    td { (party_label(l.owner, lang)) }
                    td { (l.due_on) @if l.adjusted { " " small { "(" (lang.t(Text::Adjusted)) ")" } } }
                }
            } }
        }
        @if v.may_adjust {
            form method="post" action={ (base) "/schedule" } class="card" id="adjust-form" {
                h2 { (lang.t(Text::AdjustSchedule)) }
                (csrf_field(&ctx))
                select name="step" {
                    @for s in MembershipStep::ALL { option value=(s.as_str()) { (step_label(*s, lang)) } }
                }
                input type="date" name="due_on" required;
                button type="submit" { (lang.t(Text::AdjustSchedule)) }
            }
        }
        h2 { (lang.t(Text::Timeline)) }
        table id="timeline" {
            thead { tr {
                th { (lang.t(Text::Time)) } th { (lang.t(Text::Action)) }
                th { (lang.t(Text::Status)) } th { (lang.t(Text::ReasonOptional)) }
            } }
            tbody { @for s in &d.steps {
                tr class="step" data-action=(s.action) {
                    td { (ctx.zone().when(s.at)) }
                    td { (action_label(&s.action, lang)) }
                    td { (MembershipState::parse(&s.to_state).map_or(s.to_state.clone(), |st| state_label(st, lang).to_owned())) }
                    td { (reason_label(&s.reason, lang)) }
                }
            } }
        }
        p { a href="/memberships" { (lang.t(Text::Back)) } }
    };
    let title = format!("{} — {}", lang.t(Text::Memberships), f.company_name);
    ok(page(&ctx, &title, Marked::Plain, body))
}

/// A step's fields.
#[derive(Debug, Deserialize)]
pub(super) struct StepForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    provider_id: Option<String>,
}

/// `POST /memberships/{id}/{action}`: back to the application.
pub(super) async fn step(
    ctx: Ctx,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<StepForm>,
) -> Response {
    let Ok(action) = MembershipAction::parse(&action) else {
        return error_page(&ctx, AppError::NotFound);
    };
    let provider = form
        .provider_id
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    match ctx
        .app
        .act_on_membership(&ctx.meta, &ctx.caller, &id, action, &form.reason, provider)
        .await
    {
        Ok(d) => Redirect::to(&format!(
            "/memberships/{}",
            segment(&d.membership.row.application.id)
        ))
        .into_response(),
        Err(e) => error_page(&ctx, e),
    }
}

/// The adjustment's fields.
#[derive(Debug, Deserialize)]
pub(super) struct AdjustForm {
    step: String,
    due_on: String,
}

/// `POST /memberships/{id}/schedule`: back to the application.
pub(super) async fn adjust(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<AdjustForm>,
) -> Response {
    match ctx
        .app
        .adjust_membership_schedule(&ctx.meta, &ctx.caller, &id, &form.step, &form.due_on)
        .await
    {
        Ok(d) => Redirect::to(&format!(
            "/memberships/{}",
            segment(&d.membership.row.application.id)
        ))
        .into_response(),
        Err(e) => error_page(&ctx, e),
    }
}

/// `GET /memberships/{id}/notice`: the completion notice, as a print view.
pub(super) async fn notice_page(ctx: Ctx, Path(id): Path<String>) -> Response {
    let lang = ctx.lang;
    let n = match ctx.app.membership_notice(&ctx.meta, &ctx.caller, &id).await {
        Ok(n) => n,
        Err(e) => return error_page(&ctx, e),
    };
    let f = &n.membership.form;
    let body = html! {
        article class="card notice-print" id="completion-notice" data-number=(n.number) {
            p class="notice-number" { (lang.t(Text::NoticeNumber)) ": " span id="notice-number" { (n.number) } }
            p class="notice-date" { (lang.t(Text::NoticeDate)) ": " span id="notice-date" { (n.issued_on) } }
            p { strong { (f.company_name) } }
            p { (lang.t(Text::SiteName)) ": " (f.site_name) " (" (f.site_prefecture) " " (f.site_address) ")" }
            p id="notice-body" { (lang.t(Text::NoticeBody)) }
            p class="notice-issuer" { (lang.t(Text::NoticeIssuer)) }
        }
        p class="no-print" {
            a href={ "/memberships/" (segment(&n.membership.application.id)) } { (lang.t(Text::Back)) }
        }
    };
    ok(page(
        &ctx,
        lang.t(Text::CompletionNotice),
        Marked::Plain,
        body,
    ))
}
