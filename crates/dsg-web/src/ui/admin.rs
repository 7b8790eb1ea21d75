//! The operator's pages: registers of companies, users, contracts,
//! compartments and handlers.

use axum::extract::Path;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;

use super::form_error::{about_input, answer, field, kept, Control, Failed, Field};
use super::hub::{groups, recent};
use super::labels::Label;
use super::layout::{confirmed, csrf_field, error_page, ok, page, page_in, Confirm, Marked};
use super::notice::{done, Notice};
use super::Text;
use crate::http::context::Ctx;
use dsg_app::{AppError, NewCompany, NewContract, NewUserInput};

/// `GET /admin`
pub(super) async fn overview(ctx: Ctx) -> Response {
    overview_page(&ctx, None).await
}

/// The admin page; after a refused form, that form as typed with its
/// message beside the field, answered with the refusal's status.
async fn overview_page(ctx: &Ctx, failed: Option<&Failed>) -> Response {
    let ctx = ctx.clone();
    let lang = ctx.lang;
    let o = match ctx.app.admin_overview(&ctx.meta, &ctx.caller).await {
        Ok(o) => o,
        Err(e) => return error_page(&ctx, e),
    };
    let company_name = |id: dsg_core::CompanyId| {
        o.companies
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    let offers = ctx.app.admin_offers(&ctx.caller);
    let contractors: Vec<_> = o
        .companies
        .iter()
        .filter(|c| c.kind == dsg_core::CompanyKind::Contractor)
        .collect();
    let options = |companies: &[&dsg_core::Company]| -> Vec<(String, String)> {
        companies
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone()))
            .collect()
    };
    let company_options = options(&o.companies.iter().collect::<Vec<_>>());
    let contractor_options = options(&contractors);
    let role_options: Vec<(String, String)> = [dsg_core::Role::Member, dsg_core::Role::Operator]
        .iter()
        .map(|r| (r.as_str().to_owned(), r.label(lang).to_owned()))
        .collect();
    let body = html! {
        (groups(&ctx))
        h2 { (lang.t(Text::RecentRegistrations)) }
        h3 { (lang.t(Text::Companies)) }
        div class="table-scroll" tabindex="0" {
            table id="companies" {
                thead { tr { th { (lang.t(Text::Name)) } th { (lang.t(Text::Kind)) } th { (lang.t(Text::Registered)) } } }
                tbody { @for c in recent(&o.companies, |c| c.created_at) { tr {
                    td { a href={ "/admin/companies/" (c.id) } { (c.name) } }
                    td data-kind=(c.kind.as_str()) { (c.kind.label(lang)) }
                    td { (ctx.zone().day(c.created_at)) }
                } } }
            }
        }
        p { a href="/admin/companies" id="all-companies" { (lang.t(Text::ShowAll)) } }
        @if offers.create_company {
        form method="post" action="/admin/companies" class="card" id="company-form" {
            (csrf_field(&ctx))
            (field(failed, &Field { form: F_COMPANY, name: "name", id: "company-name", label: lang.t(Text::Name),
                control: Control::Input("text"), required: true, max: None }))
            p { button type="submit" { (lang.t(Text::Add)) } }
        }
        }
        h3 { (lang.t(Text::Users)) }
        div class="table-scroll" tabindex="0" {
            table id="users" {
                thead { tr { th { (lang.t(Text::Username)) } th { (lang.t(Text::DisplayName)) } th { (lang.t(Text::Company)) } th { (lang.t(Text::Role)) } th { (lang.t(Text::Status)) } } }
                tbody { @for u in recent(&o.users, |u| u.created_at) { tr {
                    td { a href={ "/admin/users/" (u.id) } { (u.username) } } td { (u.display_name) } td { (company_name(u.company_id)) }
                    td data-role=(u.role.as_str()) { (u.role.label(lang)) } td data-status=(u.status.as_str()) { (u.status.label(lang)) }
                } } }
            }
        }
        @if offers.create_user {
        form method="post" action="/admin/users" class="card" id="user-form" {
            (csrf_field(&ctx))
            (field(failed, &Field { form: F_USER, name: "company_id", id: "user-company", label: lang.t(Text::Company),
                control: Control::Select { options: &company_options, choose: false }, required: true, max: None }))
            (field(failed, &Field { form: F_USER, name: "username", id: "user-username", label: lang.t(Text::Username),
                control: Control::Input("text"), required: true, max: None }))
            (field(failed, &Field { form: F_USER, name: "display_name", id: "user-display", label: lang.t(Text::DisplayName),
                control: Control::Input("text"), required: true, max: None }))
            (field(failed, &Field { form: F_USER, name: "role", id: "user-role", label: lang.t(Text::Role),
                control: Control::Select { options: &role_options, choose: false }, required: true, max: None }))
            (field(failed, &Field { form: F_USER, name: "valid_until", id: "user-valid-until", label: lang.t(Text::ValidUntil),
                control: Control::Input("date"), required: false, max: None }))
            p { button type="submit" id="user-submit" { (lang.t(Text::Add)) } }
        }
        }
        p { a href="/admin/users" id="all-users" { (lang.t(Text::ShowAll)) } }
        h3 { (lang.t(Text::Contracts)) }
        div class="table-scroll" tabindex="0" {
            table id="contracts" {
                thead { tr { th { (lang.t(Text::ContractNumber)) } th { (lang.t(Text::Title)) } th { (lang.t(Text::Company)) } th { (lang.t(Text::Period)) } th { (lang.t(Text::SpecialClause)) } th { (lang.t(Text::Compartments)) } } }
                tbody { @for c in recent(&o.contracts, |c| c.created_at) { tr {
                    td { a class="contract-link" href={ "/admin/contracts/" (c.id) } { (c.number.as_str()) } }
                    td { (c.title) } td { (company_name(c.company_id)) }
                    td { (c.starts_on.to_string()) " – " (c.ends_on.to_string()) }
                    td { (if c.special_clause { lang.t(Text::Yes) } else { lang.t(Text::No) }) }
                    td { (if o.compartments.iter().any(|m| m.contract_id == c.id) { "✓" } else { "" }) }
                } } }
            }
        }
        p { a href="/admin/contracts" id="all-contracts" { (lang.t(Text::ShowAll)) } }
        @if offers.create_contract {
        form method="post" action="/admin/contracts" class="card" id="contract-form" {
            (csrf_field(&ctx))
            (field(failed, &Field { form: F_CONTRACT, name: "company_id", id: "contract-company", label: lang.t(Text::Company),
                control: Control::Select { options: &contractor_options, choose: false }, required: true, max: None }))
            @for (id, name, kind, label) in [
                ("contract-number", "number", "text", Text::ContractNumber),
                ("contract-title", "title", "text", Text::Title),
                ("contract-start", "starts_on", "date", Text::StartsOn),
                ("contract-end", "ends_on", "date", Text::EndsOn),
            ] {
                (field(failed, &Field { form: F_CONTRACT, name, id, label: lang.t(label),
                    control: Control::Input(kind), required: true, max: None }))
            }
            label { input type="checkbox" name="special_clause" value="true" checked; " " (lang.t(Text::SpecialClause)) }
            p { button type="submit" { (lang.t(Text::Add)) } }
        }
        }
    };
    let markup = page(&ctx, lang.t(Text::Admin), Marked::Plain, body);
    match failed {
        Some(f) => (f.status(), Html(markup.into_string())).into_response(),
        None => ok(markup),
    }
}

const F_COMPANY: &str = "company-form";
const F_USER: &str = "user-form";
const F_CONTRACT: &str = "contract-form";

/// The admin page with `form` refused for `error`, or the error page for
/// an error that is not about the input.
async fn refused(
    ctx: &Ctx,
    form: &'static str,
    error: AppError,
    values: Vec<(&'static str, String)>,
    fields: &[(&'static str, &[&str])],
) -> Response {
    if !about_input(&error) {
        return error_page(ctx, error);
    }
    let failed = Failed::new(ctx, form, &error, values, fields);
    overview_page(ctx, Some(&failed)).await
}

/// `GET /admin/contracts/{id}`
pub(super) async fn contract(ctx: Ctx, Path(id): Path<String>) -> Response {
    contract_view(&ctx, &id, None).await
}

const F_DESIGNATE: &str = "designate-form";

/// The contract page; after a refused designation, its form with the
/// person chosen and the message beside the field.
pub(super) async fn contract_view(ctx: &Ctx, id: &str, failed: Option<&Failed>) -> Response {
    let ctx = ctx.clone();
    let lang = ctx.lang;
    let (contract, handlers) = match ctx.app.contract_handlers(&ctx.meta, &ctx.caller, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let o = match ctx.app.admin_overview(&ctx.meta, &ctx.caller).await {
        Ok(o) => o,
        Err(e) => return error_page(&ctx, e),
    };
    let participants = match ctx
        .app
        .contract_participants(&ctx.meta, &ctx.caller, id)
        .await
    {
        Ok((_, rows)) => rows
            .iter()
            .map(|p| {
                (
                    p.user_id,
                    p.username.to_string(),
                    p.display_name.to_string(),
                )
            })
            .collect::<Vec<super::participants::Participant>>(),
        Err(e) => return error_page(&ctx, e),
    };
    let offers = ctx.app.admin_offers(&ctx.caller);
    let compartment = o.compartments.iter().find(|m| m.contract_id == contract.id);
    let candidates: Vec<_> = o
        .users
        .iter()
        .filter(|u| {
            u.company_id == contract.company_id && !handlers.iter().any(|h| h.user_id == u.id)
        })
        .collect();
    let candidate_options: Vec<(String, String)> = candidates
        .iter()
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.display_name, u.username),
            )
        })
        .collect();
    let body = html! {
        p { (contract.title) " (" (contract.starts_on.to_string()) " – " (contract.ends_on.to_string()) ")" }
        p { (lang.t(Text::SpecialClause)) ": " (if contract.special_clause { lang.t(Text::Yes) } else { lang.t(Text::No) }) }
        @match compartment {
            Some(m) => { p id="compartment-id" { (lang.t(Text::Compartments)) ": " code { (m.id) } } }
            None => @if contract.special_clause && offers.open_compartment {
                form method="post" action={ "/admin/contracts/" (contract.id) "/compartment" } class="card" id="open-compartment" {
                    (csrf_field(&ctx))
                    button type="submit" { (lang.t(Text::OpenCompartment)) }
                }
            }
        }
        h2 { (lang.t(Text::Handlers)) }
        div class="table-scroll" tabindex="0" {
            table id="handlers" {
                thead { tr { th { (lang.t(Text::Username)) } th { (lang.t(Text::DisplayName)) } th {} } }
                tbody { @for h in &handlers { tr {
                    td { (h.username) } td { (h.display_name) }
                    td { @if offers.remove_handler { (confirmed(&ctx, &Confirm {
                        action: &format!("/admin/contracts/{}/handlers/{}/remove", contract.id, h.user_id),
                        label: lang.t(Text::Remove),
                        class: "handler-remove",
                        warning: lang.t(Text::WarnRemoveHandler),
                    }, &html! {})) } }
                } } }
            }
        }
        // A refused designation keeps its form, even when nobody is left
        // to choose (the person was designated meanwhile).
        @if (!candidates.is_empty() || kept(failed, F_DESIGNATE, "user_id").is_some()) && offers.designate_handler {
            form method="post" action={ "/admin/contracts/" (contract.id) "/handlers" } class="card" id=(F_DESIGNATE) {
                (csrf_field(&ctx))
                (field(failed, &Field { form: F_DESIGNATE, name: "user_id", id: "designate-user", label: lang.t(Text::Person),
                    control: Control::Select { options: &candidate_options, choose: true }, required: true, max: None }))
                p { button type="submit" { (lang.t(Text::Designate)) } }
            }
        }
        (super::participants::section(&ctx, &contract, &participants, &o, failed))
        p { a href="/admin" { (lang.t(Text::Back)) } }
    };
    answer(
        failed,
        page_in(
            &ctx,
            &[("/", lang.t(Text::Home)), ("/admin", lang.t(Text::Admin))],
            contract.number.as_str(),
            Marked::Plain,
            body,
        ),
    )
}

/// Company form.
#[derive(Deserialize)]
pub(super) struct CompanyForm {
    name: String,
}

/// `POST /admin/companies`
pub(super) async fn create_company(ctx: Ctx, Form(f): Form<CompanyForm>) -> Response {
    match ctx
        .app
        .create_company(
            &ctx.meta,
            &ctx.caller,
            NewCompany {
                name: f.name.clone(),
            },
        )
        .await
    {
        Ok(_) => Redirect::to("/admin").into_response(),
        Err(e) => {
            let fields: &[(&str, &[&str])] = &[("name", &["company name", "name"])];
            refused(&ctx, F_COMPANY, e, vec![("name", f.name)], fields).await
        }
    }
}

/// User form.
#[derive(Deserialize)]
pub(super) struct UserForm {
    company_id: String,
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    valid_until: Option<String>,
}

/// `POST /admin/users`
pub(super) async fn create_user(ctx: Ctx, Form(f): Form<UserForm>) -> Response {
    let input = NewUserInput {
        company_id: f.company_id.clone(),
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        valid_until: f.valid_until.clone(),
    };
    match ctx.app.create_user(&ctx.meta, &ctx.caller, input).await {
        Ok(issued) => super::accounts::enrolment_link_page(
            &ctx,
            &issued.user.username,
            &crate::enrolment_path(&issued.enrolment_token),
        ),
        Err(e) => {
            let values = vec![
                ("company_id", f.company_id),
                ("username", f.username),
                ("display_name", f.display_name),
                ("role", f.role),
                ("valid_until", f.valid_until.unwrap_or_default()),
            ];
            let fields: &[(&str, &[&str])] = &[
                ("username", &["username"]),
                ("display_name", &["display_name", "display name"]),
                ("valid_until", &["valid until", "valid_until"]),
                ("role", &["Role", "role"]),
                ("company_id", &["company"]),
            ];
            refused(&ctx, F_USER, e, values, fields).await
        }
    }
}

/// Contract form.
#[derive(Deserialize)]
pub(super) struct ContractForm {
    company_id: String,
    number: String,
    title: String,
    starts_on: String,
    ends_on: String,
    #[serde(default)]
    special_clause: Option<String>,
}

/// `POST /admin/contracts`
pub(super) async fn create_contract(ctx: Ctx, Form(f): Form<ContractForm>) -> Response {
    let input = NewContract {
        company_id: f.company_id.clone(),
        number: f.number.clone(),
        title: f.title.clone(),
        starts_on: f.starts_on.clone(),
        ends_on: f.ends_on.clone(),
        special_clause: f.special_clause.as_deref() == Some("true"),
    };
    match ctx.app.create_contract(&ctx.meta, &ctx.caller, input).await {
        Ok(c) => Redirect::to(&format!("/admin/contracts/{}", c.id)).into_response(),
        Err(e) => {
            let values = vec![
                ("company_id", f.company_id),
                ("number", f.number),
                ("title", f.title),
                ("starts_on", f.starts_on),
                ("ends_on", f.ends_on),
            ];
            let fields: &[(&str, &[&str])] = &[
                ("number", &["contract number"]),
                ("title", &["title"]),
                ("starts_on", &["start date"]),
                ("ends_on", &["end date", "period"]),
                ("company_id", &["company"]),
            ];
            refused(&ctx, F_CONTRACT, e, values, fields).await
        }
    }
}

/// `POST /admin/contracts/{id}/compartment`
pub(super) async fn open_compartment(ctx: Ctx, Path(id): Path<String>) -> Response {
    match ctx.app.open_compartment(&ctx.meta, &ctx.caller, &id).await {
        Ok(_) => Redirect::to(&format!("/admin/contracts/{}", super::segment(&id))).into_response(),
        Err(e) => error_page(&ctx, e),
    }
}

/// `POST /admin/contracts/{id}/handlers`
pub(super) async fn designate(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<super::participants::DesignateForm>,
) -> Response {
    match ctx
        .app
        .designate_handler(&ctx.meta, &ctx.caller, &id, &f.user_id)
        .await
    {
        Ok(()) => done(
            &format!("/admin/contracts/{}", super::segment(&id)),
            Notice::HandlerDesignated,
        ),
        Err(e) => {
            let fields: &[(&str, &[&str])] = &[("user_id", &["user"])];
            match Failed::of(&ctx, F_DESIGNATE, e, vec![("user_id", f.user_id)], fields) {
                Ok(failed) => contract_view(&ctx, &id, Some(&failed)).await,
                Err(e) => super::identity::step_up_or_error(
                    &ctx,
                    e,
                    &format!("/admin/contracts/{}", super::segment(&id)),
                ),
            }
        }
    }
}

/// `POST /admin/contracts/{id}/handlers/{uid}/remove`
pub(super) async fn remove(ctx: Ctx, Path((id, uid)): Path<(String, String)>) -> Response {
    match ctx
        .app
        .remove_handler(&ctx.meta, &ctx.caller, &id, &uid)
        .await
    {
        Ok(()) => done(
            &format!("/admin/contracts/{}", super::segment(&id)),
            Notice::HandlerRemoved,
        ),
        Err(e) => super::identity::step_up_or_error(
            &ctx,
            e,
            &format!("/admin/contracts/{}", super::segment(&id)),
        ),
    }
}

/// `POST /admin/contracts/{id}/participants`
pub(super) async fn designate_participant(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<super::participants::DesignateForm>,
) -> Response {
    let back = format!("/admin/contracts/{}", super::segment(&id));
    match ctx
        .app
        .designate_participant(&ctx.meta, &ctx.caller, &id, &f.user_id)
        .await
    {
        Ok(()) => done(&back, Notice::ParticipantDesignated),
        Err(e) => {
            let fields: &[(&str, &[&str])] = &[("user_id", &["user"])];
            match Failed::of(
                &ctx,
                super::participants::F_PARTICIPANT,
                e,
                vec![("user_id", f.user_id)],
                fields,
            ) {
                Ok(failed) => contract_view(&ctx, &id, Some(&failed)).await,
                Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
            }
        }
    }
}
