//! `/records`: a contractor's handler roster (取扱者名簿) and training
//! records (教育記録). The company's security administrator keeps them;
//! agency operators confirm roster lines and may keep them on the
//! company's behalf; auditors read. The use cases ask the policy.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dsg_core::RosterDetails;
use maud::{html, Markup};
use serde::Deserialize;

use super::identity::step_up_or_error;
use super::layout::{confirmed, csrf_field, error_page, ok, page, page_in, Confirm, Marked};
use super::notice::{done, Notice};
use super::{Lang, Text};
use crate::http::context::Ctx;
use dsg_app::{AppError, Caller, CompanyRecords, NewTraining, PersonRecords, RecordsRead};

fn roster_status_label(status: Option<&str>, lang: Lang) -> &'static str {
    lang.t(match status {
        Some("submitted") => Text::RosterSubmitted,
        Some("confirmed") => Text::RosterConfirmed,
        Some("removed") => Text::RosterRemoved,
        _ => Text::RosterNone,
    })
}

fn course_label(course: &str, lang: Lang) -> &'static str {
    lang.t(match course {
        "annual" => Text::CourseAnnual,
        "designation" => Text::CourseDesignation,
        "change" => Text::CourseChange,
        _ => Text::CourseRole,
    })
}

const COURSES: [&str; 4] = ["annual", "designation", "change", "role"];

/// `GET /records`: the companies whose records the caller may read; a
/// security administrator goes straight to their own company.
pub(super) async fn directory_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    if matches!(ctx.caller, Caller::Anonymous) {
        return error_page(&ctx, AppError::Unauthenticated);
    }
    let companies = match ctx.app.records_directory(&ctx.caller).await {
        Ok(c) => c,
        Err(e) => return error_page(&ctx, e),
    };
    if let (Caller::User(u), [(only, _)]) = (&ctx.caller, companies.as_slice()) {
        if u.facts.company == only.id {
            return Redirect::to(&format!("/records/{}", only.id)).into_response();
        }
    }
    if companies.is_empty() {
        return error_page(&ctx, AppError::Forbidden);
    }
    let body = html! {
        p class="note" { (lang.t(Text::RecordsIntro)) }
        div class="table-scroll" tabindex="0" {
            table id="record-companies" {
                thead { tr { th { (lang.t(Text::Company)) } th { (lang.t(Text::RosterAwaiting)) } } }
                tbody { @for (company, waiting) in &companies {
                    tr class="record-company" data-id=(company.id) {
                        td { a href={ "/records/" (company.id) } { (company.name) } }
                        td class="waiting" { (waiting) }
                    }
                } }
            }
        }
    };
    ok(page(&ctx, lang.t(Text::Records), Marked::Plain, body))
}

/// The company's contracts, how many of each one's designated handlers
/// are confirmed on the roster, and each contract's roster as CSV (the
/// standard's roster is submitted per contract).
fn contract_rosters(records: &CompanyRecords, lang: Lang) -> Markup {
    let confirmed = |id: &String| {
        records
            .people
            .iter()
            .any(|p| p.user_id == *id && p.roster.as_ref().is_some_and(|l| l.status == "confirmed"))
    };
    html! {
        @if !records.contracts.is_empty() {
            h2 { (lang.t(Text::RosterByContract)) }
            div class="table-scroll" tabindex="0" {
                table id="contract-rosters" {
                    thead { tr {
                        th { (lang.t(Text::ContractNumber)) } th { (lang.t(Text::Title)) }
                        th { (lang.t(Text::Handlers)) } th { (lang.t(Text::ConfirmedOnRoster)) } th {}
                    } }
                    tbody { @for c in &records.contracts {
                        tr class="contract-roster" data-id=(c.contract_id) {
                            td { (c.number) } td { (c.title) }
                            td class="handlers" { (c.handlers.len()) }
                            td class="confirmed" { (c.handlers.iter().filter(|h| confirmed(h)).count()) }
                            td { a class="contract-roster-csv" href={ "/api/v1/records/companies/"
                                (records.company_id) "/roster.csv?contract=" (c.contract_id) }
                                { (lang.t(Text::ContractRosterCsv)) } }
                        }
                    } }
                }
            }
        }
    }
}

fn person_row(ctx: &Ctx, records: &CompanyRecords, p: &PersonRecords) -> Markup {
    let lang = ctx.lang;
    let status = p.roster.as_ref().map(|r| r.status);
    let base = format!("/records/{}/roster/{}", records.company_id, p.user_id);
    html! {
        tr class="roster-row" data-user=(p.user_id) data-username=(p.username) data-status=(status.unwrap_or("none")) {
            td { (p.display_name) br; small { (p.username) } }
            td class="roster-status" { (roster_status_label(status, lang)) }
            @if let Some(line) = &p.roster {
                td { (line.details.full_name) }
                td { (line.details.birth_date) }
                td { (line.details.department) " / " (line.details.position) }
                td { (line.details.nationality) }
                td { (line.details.undertaking_date) }
            } @else {
                td colspan="5" { "—" }
            }
            td class={ "training " (if p.training_current { "current" } else { "lapsed" }) } {
                (p.last_trained_on.as_deref().unwrap_or("—"))
                @if !p.training_current { br; small { (lang.t(Text::TrainingLapsed)) } }
            }
            td {
                @if let Some(line) = &p.roster {
                    @if p.offers.confirm {
                        form method="post" action={ (base) "/confirm" } class="inline" {
                            (csrf_field(ctx))
                            input type="hidden" name="submitted_at" value=(line.submitted_at);
                            button type="submit" class="roster-confirm" { (lang.t(Text::RosterConfirm)) }
                        }
                    }
                    @if p.offers.remove {
                        (confirmed(ctx, &Confirm {
                            action: &format!("{base}/remove"),
                            label: lang.t(Text::RosterRemove),
                            class: "roster-remove",
                            warning: lang.t(Text::WarnRosterRemove),
                        }, &html! {}))
                    }
                    br; small { (lang.t(Text::Submitted)) " " (ctx.zone().when(line.submitted_at)) }
                    @if let Some(at) = line.confirmed_at { br; small { (lang.t(Text::RosterConfirmed)) " " (ctx.zone().when(at)) } }
                }
            }
        }
    }
}

/// The people the form may be used for, with no one chosen beforehand:
/// a person must be picked, so details never land on the first in the
/// list by default.
fn person_options(records: &CompanyRecords, may: impl Fn(&PersonRecords) -> bool) -> Markup {
    html! {
        option value="" disabled selected { "—" }
        @for p in records.people.iter().filter(|p| may(p)) {
            option value=(p.user_id) { (p.display_name) " (" (p.username) ")" }
        }
    }
}

fn forms(ctx: &Ctx, records: &CompanyRecords) -> Markup {
    let lang = ctx.lang;
    let field = |name: &str, label: Text, kind: &str| {
        html! {
            label for={ "roster-" (name) } { (lang.t(label)) }
            input type=(kind) name=(name) id={ "roster-" (name) } required maxlength="100";
        }
    };
    html! {
        h2 { (lang.t(Text::RosterEnter)) }
        form method="post" action={ "/records/" (records.company_id) "/roster" } class="card" id="roster-form" {
            (csrf_field(ctx))
            label for="roster-user" { (lang.t(Text::Person)) }
            select name="user" id="roster-user" required { (person_options(records, |p| p.offers.submit)) }
            (field("full_name", Text::FullName, "text"))
            (field("birth_date", Text::BirthDate, "date"))
            (field("department", Text::Department, "text"))
            (field("position", Text::Position, "text"))
            (field("nationality", Text::Nationality, "text"))
            (field("undertaking_date", Text::UndertakingDate, "date"))
            p class="note" { (lang.t(Text::RosterEnterNote)) }
            button type="submit" id="roster-submit" { (lang.t(Text::RosterSubmit)) }
        }
        h2 { (lang.t(Text::TrainingEnter)) }
        form method="post" action={ "/records/" (records.company_id) "/training" } class="card" id="training-form" {
            (csrf_field(ctx))
            label for="training-user" { (lang.t(Text::Person)) }
            select name="user" id="training-user" required { (person_options(records, |p| p.offers.record_training)) }
            label for="training-course" { (lang.t(Text::Course)) }
            select name="course" id="training-course" {
                @for c in COURSES { option value=(c) { (course_label(c, lang)) } }
            }
            label for="training-completed-on" { (lang.t(Text::CompletedOn)) }
            input type="date" name="completed_on" id="training-completed-on" required;
            label for="training-instructor" { (lang.t(Text::Instructor)) }
            input type="text" name="instructor" id="training-instructor" required maxlength="100";
            label for="training-topics" { (lang.t(Text::Topics)) }
            textarea name="topics" id="training-topics" required maxlength="1000" rows="4" {}
            button type="submit" id="training-submit" { (lang.t(Text::TrainingRecordButton)) }
        }
    }
}

/// `GET /records/{company}`
pub(super) async fn company_page(ctx: Ctx, Path(company): Path<String>) -> Response {
    let lang = ctx.lang;
    let records = match ctx
        .app
        .company_records(&ctx.meta, &ctx.caller, &company, RecordsRead::View)
        .await
    {
        Ok(r) => r,
        Err(e) => return error_page(&ctx, e),
    };
    let name_of = |id: &str| {
        records
            .people
            .iter()
            .find(|p| p.user_id == id)
            .map_or_else(|| id.to_owned(), |p| p.display_name.clone())
    };
    let keeps = records
        .people
        .iter()
        .any(|p| p.offers.submit || p.offers.record_training);
    let title = format!("{} — {}", lang.t(Text::Records), records.company_name);
    let body = html! {
        p class="note" { (lang.t(Text::RecordsIntro)) }
        ul class="requirements" id="record-requirements" {
            li { (lang.t(Text::RosterRequirement)) ": "
                strong { (if records.roster_required { lang.t(Text::Required) } else { lang.t(Text::NotRequired) }) } }
            li { (lang.t(Text::TrainingRequirement)) ": "
                strong { @match records.training_valid_days {
                    Some(days) => { (days) " " (lang.t(Text::Days)) }
                    None => { (lang.t(Text::NotRequired)) }
                } } }
            li { (lang.t(Text::DesignationTrainingRequirement)) ": "
                strong { (if records.designation_training_required { lang.t(Text::Required) } else { lang.t(Text::NotRequired) }) } }
            li { (lang.t(Text::ConsentRequirement)) ": "
                strong { (if records.consent_required { lang.t(Text::Required) } else { lang.t(Text::NotRequired) }) } }
        }
        ul class="record-links" id="record-links" {
            li { a id="company-roles-link" href={ "/records/" (records.company_id) "/roles" } { (lang.t(Text::CompanyRoles)) } }
            li { a id="consent-link" href={ "/records/" (records.company_id) "/consent" } { (lang.t(Text::SystemUseConsents)) } }
        }
        h2 { (lang.t(Text::Roster)) }
        p { a href={ "/api/v1/records/companies/" (records.company_id) "/roster.csv" } id="roster-csv" { (lang.t(Text::RosterCsv)) } }
        div class="table-scroll" tabindex="0" {
            table id="roster" {
                thead { tr {
                    th { (lang.t(Text::Person)) } th { (lang.t(Text::Status)) }
                    th { (lang.t(Text::FullName)) } th { (lang.t(Text::BirthDate)) }
                    th { (lang.t(Text::Department)) " / " (lang.t(Text::Position)) }
                    th { (lang.t(Text::Nationality)) } th { (lang.t(Text::UndertakingDate)) }
                    th { (lang.t(Text::LastTraining)) } th {}
                } }
                tbody { @for p in &records.people { (person_row(&ctx, &records, p)) } }
            }
        }
        @if keeps { (forms(&ctx, &records)) }
        (contract_rosters(&records, lang))
        h2 { (lang.t(Text::TrainingRecords)) }
        @if records.trainings.is_empty() {
            p id="no-trainings" { (lang.t(Text::NoTrainings)) }
        } @else {
            div class="table-scroll" tabindex="0" {
                table id="trainings" {
                    thead { tr {
                        th { (lang.t(Text::CompletedOn)) } th { (lang.t(Text::Person)) }
                        th { (lang.t(Text::Course)) } th { (lang.t(Text::Instructor)) }
                        th { (lang.t(Text::Topics)) }
                    } }
                    tbody { @for t in &records.trainings {
                        tr class="training-row" data-user=(t.user_id) {
                            td { (t.completed_on) }
                            td { (name_of(&t.user_id)) }
                            td { (course_label(t.course, lang)) }
                            td { (t.notes.instructor) }
                            td class="topics" { (t.notes.topics) }
                        }
                    } }
                }
            }
        }
        p { a href="/records" { (lang.t(Text::Back)) } }
    };
    ok(page_in(
        &ctx,
        &[
            ("/", lang.t(Text::Home)),
            ("/records", lang.t(Text::Records)),
        ],
        &title,
        Marked::Plain,
        body,
    ))
}

/// The roster form.
#[derive(Debug, Deserialize)]
pub(super) struct RosterForm {
    user: String,
    full_name: String,
    birth_date: String,
    department: String,
    position: String,
    nationality: String,
    undertaking_date: String,
}

/// `POST /records/{company}/roster`
pub(super) async fn submit_roster(
    ctx: Ctx,
    Path(company): Path<String>,
    Form(form): Form<RosterForm>,
) -> Response {
    let back = format!("/records/{}", super::segment(&company));
    let details = RosterDetails {
        full_name: form.full_name,
        birth_date: form.birth_date,
        department: form.department,
        position: form.position,
        nationality: form.nationality,
        undertaking_date: form.undertaking_date,
    };
    match ctx
        .app
        .submit_roster(&ctx.meta, &ctx.caller, &form.user, &details)
        .await
    {
        Ok(_) => done(&back, Notice::RosterChanged),
        Err(e) => step_up_or_error(&ctx, e, &back),
    }
}

/// The confirmation form: the version of the line seen.
#[derive(Debug, Deserialize)]
pub(super) struct ConfirmForm {
    submitted_at: i64,
}

/// `POST /records/{company}/roster/{user}/confirm`
pub(super) async fn confirm_roster(
    ctx: Ctx,
    Path((company, user)): Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let back = format!("/records/{}", super::segment(&company));
    match ctx
        .app
        .confirm_roster(&ctx.meta, &ctx.caller, &user, form.submitted_at)
        .await
    {
        Ok(()) => done(&back, Notice::RosterChanged),
        Err(e) => step_up_or_error(&ctx, e, &back),
    }
}

/// `POST /records/{company}/roster/{user}/remove`
pub(super) async fn remove_roster(
    ctx: Ctx,
    Path((company, user)): Path<(String, String)>,
) -> Response {
    let back = format!("/records/{}", super::segment(&company));
    match ctx.app.remove_roster(&ctx.meta, &ctx.caller, &user).await {
        Ok(()) => done(&back, Notice::RosterChanged),
        Err(e) => step_up_or_error(&ctx, e, &back),
    }
}

/// The training form.
#[derive(Debug, Deserialize)]
pub(super) struct TrainingForm {
    user: String,
    course: String,
    completed_on: String,
    topics: String,
    instructor: String,
}

/// `POST /records/{company}/training`
pub(super) async fn record_training(
    ctx: Ctx,
    Path(company): Path<String>,
    Form(form): Form<TrainingForm>,
) -> Response {
    let back = format!("/records/{}", super::segment(&company));
    let training = NewTraining {
        course: form.course,
        completed_on: form.completed_on,
        topics: form.topics,
        instructor: form.instructor,
    };
    match ctx
        .app
        .record_training(&ctx.meta, &ctx.caller, &form.user, &training)
        .await
    {
        Ok(_) => done(&back, Notice::RosterChanged),
        Err(e) => step_up_or_error(&ctx, e, &back),
    }
}
