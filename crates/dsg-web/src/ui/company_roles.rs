//! `/records/{company}/roles`: the company's roles (第5-2(3)), designated by
//! its executive (or the agency on its behalf). Which roles one person may
//! hold together is the policy point's rule: a refused designation is shown
//! beside the form, with what was typed kept.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use dsg_app::{AppError, CompanyRecords, NewRoleDesignation, RecordsRead};
use dsg_core::CompanyRole;
use maud::{html, Markup};
use serde::Deserialize;

use super::form_error::{about_input, beside, described, invalid, kept, Failed};
use super::identity::step_up_or_error;
use super::layout::{confirmed, csrf_field, error_page, ok, page_in, Confirm, Marked};
use super::notice::{done, Notice};
use super::{Lang, Text};
use crate::http::context::Ctx;

const F_ROLE: &str = "role-form";

/// What a refusal by the policy point says beside the form.
const ROLE_REFUSED: &str = "the policy point refused this designation: the standard does not let \
     this person hold this role with the roles they hold, or the audit department would have no \
     member from outside the unit it audits";

/// The label of a company role.
pub(super) fn role_label(role: &str, lang: Lang) -> &'static str {
    let Ok(role) = CompanyRole::parse(role) else {
        return "—";
    };
    lang.t(match role {
        CompanyRole::Executive => Text::RoleExecutive,
        CompanyRole::GeneralManager => Text::RoleGeneralManager,
        CompanyRole::Manager => Text::RoleManager,
        CompanyRole::ResponsibleManager => Text::RoleResponsibleManager,
        CompanyRole::SystemAdmin => Text::RoleSystemAdmin,
        CompanyRole::SystemStaff => Text::RoleSystemStaff,
        CompanyRole::Audit => Text::RoleAudit,
    })
}

fn name_of(records: &CompanyRecords, id: &str) -> String {
    records
        .people
        .iter()
        .find(|p| p.user_id == id)
        .map_or_else(|| id.to_owned(), |p| p.display_name.clone())
}

fn register(ctx: &Ctx, records: &CompanyRecords) -> Markup {
    let lang = ctx.lang;
    html! {
        @if records.roles.is_empty() {
            p id="no-roles" { (lang.t(Text::NoRoles)) }
        } @else {
            div class="table-scroll" tabindex="0" {
                table id="roles" {
                    thead { tr {
                        th { (lang.t(Text::Person)) } th { (lang.t(Text::Role)) }
                        th { (lang.t(Text::Unit)) } th { (lang.t(Text::Asset)) }
                        th { (lang.t(Text::AuditedUnit)) } th { (lang.t(Text::Status)) } th {}
                    } }
                    tbody { @for r in &records.roles {
                        tr class="role-row" data-id=(r.id) data-user=(r.user_id) data-role=(r.role)
                            data-state=(if r.revoked_at.is_some() { "withdrawn" } else { "in-force" }) {
                            td { (name_of(records, &r.user_id)) }
                            td { (role_label(r.role, lang)) }
                            td { (r.details.unit) }
                            td { (r.details.asset.as_deref().unwrap_or("—")) }
                            td { (r.details.audited_unit.as_deref().unwrap_or("—")) }
                            td {
                                @match r.revoked_at {
                                    Some(at) => { (lang.t(Text::RoleWithdrawnOn)) " " (ctx.zone().when(at)) }
                                    None => { (lang.t(Text::RoleInForce)) }
                                }
                                br; small { (lang.t(Text::DesignatedOn)) " " (ctx.zone().when(r.designated_at)) }
                            }
                            td { @if records.role_offers.revoke.contains(&r.id) {
                                (confirmed(ctx, &Confirm {
                                    action: &format!("/records/{}/roles/{}/revoke", records.company_id, r.id),
                                    label: lang.t(Text::RoleRevoke),
                                    class: "role-revoke",
                                    warning: lang.t(Text::WarnRoleRevoke),
                                }, &html! {}))
                            } }
                        }
                    } }
                }
            }
        }
    }
}

fn form(ctx: &Ctx, records: &CompanyRecords, failed: Option<&Failed>) -> Markup {
    let lang = ctx.lang;
    let text = |name: &'static str, label: Text, required: bool| {
        let id = format!("role-{}", name.replace('_', "-"));
        html! {
            label for=(id) { (lang.t(label)) }
            input type="text" name=(name) id=(id) required[required] maxlength="100"
                value=[kept(failed, F_ROLE, name)]
                aria-invalid=[invalid(failed, F_ROLE, name)]
                aria-describedby=[described(failed, F_ROLE, name)];
            (beside(failed, F_ROLE, name))
        }
    };
    let chosen_user = kept(failed, F_ROLE, "user_id");
    let chosen_role = kept(failed, F_ROLE, "role");
    html! {
        h2 { (lang.t(Text::RoleDesignateTitle)) }
        form method="post" action={ "/records/" (records.company_id) "/roles" } class="card" id=(F_ROLE) {
            (csrf_field(ctx))
            label for="role-user" { (lang.t(Text::Person)) }
            select name="user_id" id="role-user" required
                aria-invalid=[invalid(failed, F_ROLE, "user_id")]
                aria-describedby=[described(failed, F_ROLE, "user_id")] {
                option value="" disabled selected[chosen_user.is_none()] { "—" }
                @for p in &records.people {
                    option value=(p.user_id) selected[chosen_user == Some(p.user_id.as_str())] {
                        (p.display_name) " (" (p.username) ")"
                    }
                }
            }
            (beside(failed, F_ROLE, "user_id"))
            label for="role-role" { (lang.t(Text::Role)) }
            select name="role" id="role-role" required
                aria-invalid=[invalid(failed, F_ROLE, "role")]
                aria-describedby=[described(failed, F_ROLE, "role")] {
                option value="" disabled selected[chosen_role.is_none()] { "—" }
                @for &role in &records.role_offers.designate {
                    option value=(role) selected[chosen_role == Some(role)] {
                        (role_label(role, lang))
                    }
                }
            }
            (beside(failed, F_ROLE, "role"))
            (text("unit", Text::Unit, true))
            (text("asset", Text::Asset, false))
            (text("audited_unit", Text::AuditedUnit, false))
            p { button type="submit" id="role-submit" { (lang.t(Text::RoleDesignateButton)) } }
        }
    }
}

/// `GET /records/{company}/roles`
pub(super) async fn roles_page(ctx: Ctx, Path(company): Path<String>) -> Response {
    roles_with(&ctx, &company, None).await
}

async fn roles_with(ctx: &Ctx, company: &str, failed: Option<&Failed>) -> Response {
    let lang = ctx.lang;
    let records = match ctx
        .app
        .company_records(&ctx.meta, &ctx.caller, company, RecordsRead::View)
        .await
    {
        Ok(r) => r,
        Err(e) => return error_page(ctx, e),
    };
    let company_path = format!("/records/{}", records.company_id);
    let title = format!("{} — {}", lang.t(Text::CompanyRoles), records.company_name);
    let body = html! {
        p class="note" { (lang.t(Text::CompanyRolesIntro)) }
        (register(ctx, &records))
        @if !records.role_offers.designate.is_empty() { (form(ctx, &records, failed)) }
        p { a href=(company_path) { (lang.t(Text::Back)) } }
    };
    let markup = page_in(
        ctx,
        &[
            ("/", lang.t(Text::Home)),
            ("/records", lang.t(Text::Records)),
            (&company_path, &records.company_name),
        ],
        &title,
        Marked::Plain,
        body,
    );
    match failed {
        Some(f) => (f.status(), Html(markup.into_string())).into_response(),
        None => ok(markup),
    }
}

/// The designation form.
#[derive(Debug, Deserialize)]
pub(super) struct RoleForm {
    user_id: String,
    role: String,
    unit: String,
    #[serde(default)]
    asset: String,
    #[serde(default)]
    audited_unit: String,
}

fn given(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `POST /records/{company}/roles`
pub(super) async fn designate(
    ctx: Ctx,
    Path(company): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    let back = format!("/records/{}/roles", super::segment(&company));
    let new = NewRoleDesignation {
        user_id: form.user_id.clone(),
        role: form.role.clone(),
        unit: form.unit.clone(),
        asset: given(&form.asset),
        audited_unit: given(&form.audited_unit),
    };
    let error = match ctx
        .app
        .designate_role(&ctx.meta, &ctx.caller, &company, &new)
        .await
    {
        Ok(_) => return done(&back, Notice::RoleDesignated),
        Err(e) => e,
    };
    // A denial of someone offered the form is the policy point's rule on
    // the roles themselves (who may designate was asked for the offer):
    // shown beside the form, with the status of the denial.
    let (error, status) = match error {
        AppError::Forbidden | AppError::NotFound if offered(&ctx, &company).await => (
            AppError::Refused(ROLE_REFUSED.to_owned()),
            Some(StatusCode::FORBIDDEN),
        ),
        other => (other, None),
    };
    if !about_input(&error) {
        return step_up_or_error(&ctx, error, &back);
    }
    let values = vec![
        ("user_id", form.user_id),
        ("role", form.role),
        ("unit", form.unit),
        ("asset", form.asset),
        ("audited_unit", form.audited_unit),
    ];
    let fields: &[(&str, &[&str])] = &[
        ("role", &["role"]),
        ("user_id", &["user_id", "user"]),
        ("unit", &["unit"]),
        ("asset", &["asset"]),
        ("audited_unit", &["audited_unit"]),
    ];
    let failed = Failed::new(&ctx, F_ROLE, &error, values, fields);
    let failed = match status {
        Some(s) => failed.with_status(s),
        None => failed,
    };
    roles_with(&ctx, &company, Some(&failed)).await
}

/// Whether the caller is offered the designation form on `company`.
async fn offered(ctx: &Ctx, company: &str) -> bool {
    ctx.app
        .role_designation_offered(&ctx.caller, company)
        .await
        .unwrap_or(false)
}

/// `POST /records/{company}/roles/{designation}/revoke`
pub(super) async fn revoke(
    ctx: Ctx,
    Path((company, designation)): Path<(String, String)>,
) -> Response {
    let back = format!("/records/{}/roles", super::segment(&company));
    match ctx
        .app
        .revoke_role(&ctx.meta, &ctx.caller, &company, &designation)
        .await
    {
        Ok(()) => done(&back, Notice::RoleRevoked),
        Err(e) => step_up_or_error(&ctx, e, &back),
    }
}
