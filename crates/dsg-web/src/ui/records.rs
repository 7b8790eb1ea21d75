//! `/records`: a contractor's handler roster (取扱者名簿) and training
//! records (教育記録). The company's security administrator keeps them;
//! agency operators confirm roster lines and may keep them on the
//! company's behalf; auditors read. The use cases ask the policy.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dsg_core::{RosterDetails, TrainingTopic};
use maud::{html, Markup};
use serde::Deserialize;

use super::form_error::{answer, field, kept, Control, Failed, Field};
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

/// The people the form may be used for, as (id, name) options; the
/// field offers no one beforehand: a person must be picked, so details
/// never land on the first in the list by default.
fn person_options(
    records: &CompanyRecords,
    may: impl Fn(&PersonRecords) -> bool,
) -> Vec<(String, String)> {
    records
        .people
        .iter()
        .filter(|p| may(p))
        .map(|p| {
            (
                p.user_id.clone(),
                format!("{} ({})", p.display_name, p.username),
            )
        })
        .collect()
}

const F_ROSTER: &str = "roster-form";
const F_TRAINING: &str = "training-form";

fn forms(ctx: &Ctx, records: &CompanyRecords, failed: Option<&Failed>) -> Markup {
    let lang = ctx.lang;
    let roster_people = person_options(records, |p| p.offers.submit);
    let training_people = person_options(records, |p| p.offers.record_training);
    let courses: Vec<(String, String)> = COURSES
        .iter()
        .map(|c| ((*c).to_owned(), course_label(c, lang).to_owned()))
        .collect();
    let person = |form, id, options| Field {
        form,
        name: "user",
        id,
        label: lang.t(Text::Person),
        control: Control::Select {
            options,
            choose: true,
        },
        required: true,
        max: None,
    };
    html! {
        h2 { (lang.t(Text::RosterEnter)) }
        form method="post" action={ "/records/" (records.company_id) "/roster" } class="card" id=(F_ROSTER) {
            (csrf_field(ctx))
            (field(failed, &person(F_ROSTER, "roster-user", &roster_people)))
            @for (name, id, label, kind) in [
                ("full_name", "roster-full_name", Text::FullName, "text"),
                ("birth_date", "roster-birth_date", Text::BirthDate, "date"),
                ("department", "roster-department", Text::Department, "text"),
                ("position", "roster-position", Text::Position, "text"),
                ("nationality", "roster-nationality", Text::Nationality, "text"),
                ("undertaking_date", "roster-undertaking_date", Text::UndertakingDate, "date"),
            ] {
                (field(failed, &Field { form: F_ROSTER, name, id, label: lang.t(label),
                    control: Control::Input(kind), required: true, max: Some(100) }))
            }
            p class="note" { (lang.t(Text::RosterEnterNote)) }
            button type="submit" id="roster-submit" { (lang.t(Text::RosterSubmit)) }
        }
        h2 { (lang.t(Text::TrainingEnter)) }
        form method="post" action={ "/records/" (records.company_id) "/training" } class="card" id=(F_TRAINING) {
            (csrf_field(ctx))
            (field(failed, &person(F_TRAINING, "training-user", &training_people)))
            (field(failed, &Field { form: F_TRAINING, name: "course", id: "training-course", label: lang.t(Text::Course),
                control: Control::Select { options: &courses, choose: false }, required: true, max: None }))
            (field(failed, &Field { form: F_TRAINING, name: "completed_on", id: "training-completed-on", label: lang.t(Text::CompletedOn),
                control: Control::Input("date"), required: true, max: None }))
            (field(failed, &Field { form: F_TRAINING, name: "instructor", id: "training-instructor", label: lang.t(Text::Instructor),
                control: Control::Input("text"), required: true, max: Some(100) }))
            fieldset id="training-covered" {
                legend { (lang.t(Text::TrainingCoveredTopics)) }
                @for topic in TrainingTopic::ALL {
                    label class="check" {
                        input type="checkbox" name=(topic_field(*topic)) value="on"
                            id={ "training-" (topic_field(*topic)) }
                            checked[kept(failed, F_TRAINING, topic_field(*topic)).is_some()];
                        " " (match lang { Lang::Ja => topic.ja(), Lang::En => topic.en() })
                    }
                }
            }
            (field(failed, &Field { form: F_TRAINING, name: "topics", id: "training-topics", label: lang.t(Text::TrainingNotesLabel),
                control: Control::Area(4), required: true, max: Some(1000) }))
            button type="submit" id="training-submit" { (lang.t(Text::TrainingRecordButton)) }
        }
    }
}

/// `GET /records/{company}`
pub(super) async fn company_page(ctx: Ctx, Path(company): Path<String>) -> Response {
    company_view(&ctx, &company, None).await
}

/// The company's records; after a refused form, that form as typed with
/// the message beside the field.
async fn company_view(ctx: &Ctx, company: &str, failed: Option<&Failed>) -> Response {
    let ctx = ctx.clone();
    let lang = ctx.lang;
    let records = match ctx
        .app
        .company_records(&ctx.meta, &ctx.caller, company, RecordsRead::View)
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
        @if keeps { (forms(&ctx, &records, failed)) }
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
                            td class="topics" {
                                @match &t.covered_topics {
                                    Some(covered) => { ul class="covered-topics" { @for code in covered {
                                        li data-topic=(code) { (TrainingTopic::parse(code).map_or(*code, |t| match lang { Lang::Ja => t.ja(), Lang::En => t.en() })) }
                                    } } }
                                    None => { p class="topics-unknown" { (lang.t(Text::TrainingTopicsUnknown)) } }
                                }
                                p class="notes" { (t.notes.topics) }
                            }
                        }
                    } }
                }
            }
        }
        p { a href="/records" { (lang.t(Text::Back)) } }
    };
    answer(
        failed,
        page_in(
            &ctx,
            &[
                ("/", lang.t(Text::Home)),
                ("/records", lang.t(Text::Records)),
            ],
            &title,
            Marked::Plain,
            body,
        ),
    )
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
        full_name: form.full_name.clone(),
        birth_date: form.birth_date.clone(),
        department: form.department.clone(),
        position: form.position.clone(),
        nationality: form.nationality.clone(),
        undertaking_date: form.undertaking_date.clone(),
    };
    match ctx
        .app
        .submit_roster(&ctx.meta, &ctx.caller, &form.user, &details)
        .await
    {
        Ok(_) => done(&back, Notice::RosterChanged),
        Err(e) => {
            let values = vec![
                ("user", form.user),
                ("full_name", form.full_name),
                ("birth_date", form.birth_date),
                ("department", form.department),
                ("position", form.position),
                ("nationality", form.nationality),
                ("undertaking_date", form.undertaking_date),
            ];
            let fields: &[(&str, &[&str])] = &[
                ("user", &["user"]),
                ("full_name", &["full_name"]),
                ("birth_date", &["birth_date"]),
                ("department", &["department"]),
                ("position", &["position"]),
                ("nationality", &["nationality"]),
                ("undertaking_date", &["undertaking_date"]),
            ];
            match Failed::of(&ctx, F_ROSTER, e, values, fields) {
                Ok(failed) => company_view(&ctx, &company, Some(&failed)).await,
                Err(e) => step_up_or_error(&ctx, e, &back),
            }
        }
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
    // One checkbox per topic of 第7-1: a browser sends only the ticked ones.
    #[serde(rename = "topic-importance")]
    topic_importance: Option<String>,
    #[serde(rename = "topic-need-to-know")]
    topic_need_to_know: Option<String>,
    #[serde(rename = "topic-policies")]
    topic_policies: Option<String>,
    #[serde(rename = "topic-conduct")]
    topic_conduct: Option<String>,
    #[serde(rename = "topic-incident-procedures")]
    topic_incident_procedures: Option<String>,
    #[serde(rename = "topic-incident-matters")]
    topic_incident_matters: Option<String>,
    #[serde(rename = "topic-role-technical")]
    topic_role_technical: Option<String>,
}

/// The form field of a topic's checkbox.
fn topic_field(topic: TrainingTopic) -> &'static str {
    match topic {
        TrainingTopic::Importance => "topic-importance",
        TrainingTopic::NeedToKnow => "topic-need-to-know",
        TrainingTopic::Policies => "topic-policies",
        TrainingTopic::Conduct => "topic-conduct",
        TrainingTopic::IncidentProcedures => "topic-incident-procedures",
        TrainingTopic::IncidentMatters => "topic-incident-matters",
        TrainingTopic::RoleTechnical => "topic-role-technical",
    }
}

impl TrainingForm {
    fn covered_topics(&self) -> Vec<String> {
        [
            (&self.topic_importance, "importance"),
            (&self.topic_need_to_know, "need-to-know"),
            (&self.topic_policies, "policies"),
            (&self.topic_conduct, "conduct"),
            (&self.topic_incident_procedures, "incident-procedures"),
            (&self.topic_incident_matters, "incident-matters"),
            (&self.topic_role_technical, "role-technical"),
        ]
        .into_iter()
        .filter(|(ticked, _)| ticked.is_some())
        .map(|(_, topic)| topic.to_owned())
        .collect()
    }
}

/// `POST /records/{company}/training`
pub(super) async fn record_training(
    ctx: Ctx,
    Path(company): Path<String>,
    Form(form): Form<TrainingForm>,
) -> Response {
    let back = format!("/records/{}", super::segment(&company));
    let training = NewTraining {
        course: form.course.clone(),
        completed_on: form.completed_on.clone(),
        topics: form.topics.clone(),
        instructor: form.instructor.clone(),
        covered_topics: form.covered_topics(),
    };
    match ctx
        .app
        .record_training(&ctx.meta, &ctx.caller, &form.user, &training)
        .await
    {
        Ok(_) => done(&back, Notice::RosterChanged),
        Err(e) => {
            let ticked: Vec<(&'static str, String)> = TrainingTopic::ALL
                .iter()
                .filter(|t| form.covered_topics().contains(&t.as_str().to_owned()))
                .map(|t| (topic_field(*t), "on".to_owned()))
                .collect();
            let mut values = vec![
                ("user", form.user),
                ("course", form.course),
                ("completed_on", form.completed_on),
                ("instructor", form.instructor),
                ("topics", form.topics),
            ];
            values.extend(ticked);
            let fields: &[(&str, &[&str])] = &[
                ("completed_on", &["completed_on"]),
                ("instructor", &["instructor"]),
                ("topics", &["topics"]),
                ("course", &["course"]),
                ("user", &["user"]),
            ];
            match Failed::of(&ctx, F_TRAINING, e, values, fields) {
                Ok(failed) => company_view(&ctx, &company, Some(&failed)).await,
                Err(e) => step_up_or_error(&ctx, e, &back),
            }
        }
    }
}
