//! The registers as lists (companies, users, contracts) with search, sort
//! and pages (the one component of `listing.rs`), and the detail pages of a
//! company and of a user. What they show is read through the use case that
//! decides and records it (`admin_overview`); the links to other pages only
//! where the policy point lets this person open them.

use axum::extract::{Path, Query};
use axum::response::Response;
use axum::Form;
use dsg_app::AdminOverview;
use dsg_core::{Company, Contract, User};
use maud::{html, Markup};

use super::form_error::{answer, field, Control, Failed, Field};
use super::identity::step_up_or_error;
use super::labels::Label;
use super::layout::{badge, csrf_field, error_page, ok, page_in, Marked, Tone};
use super::listing::{list, ListQuery, Sort, SortKey};
use super::notice::{done, Notice};
use super::{Lang, Text};
use crate::http::context::Ctx;
use dsg_app::AppError;

fn trail(lang: Lang) -> [(&'static str, &'static str); 2] {
    [("/", lang.t(Text::Home)), ("/admin", lang.t(Text::Admin))]
}

pub(super) fn company_name(o: &AdminOverview, id: dsg_core::CompanyId) -> String {
    o.companies
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

fn status_tone(status: dsg_core::AccountStatus) -> Tone {
    match status {
        dsg_core::AccountStatus::Active => Tone::Success,
        dsg_core::AccountStatus::Disabled => Tone::Danger,
        dsg_core::AccountStatus::Locked => Tone::Warning,
    }
}

async fn overview(ctx: &Ctx) -> Result<AdminOverview, Response> {
    ctx.app
        .admin_overview(&ctx.meta, &ctx.caller)
        .await
        .map_err(|e| error_page(ctx, e))
}

/// `GET /admin/companies`
pub(super) async fn companies_page(ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let lang = ctx.lang;
    let o = match overview(&ctx).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let users = |c: &Company| o.users.iter().filter(|u| u.company_id == c.id).count();
    let contracts = |c: &Company| o.contracts.iter().filter(|k| k.company_id == c.id).count();
    let by_name = |c: &Company| SortKey::Text(c.name.clone());
    let by_kind = |c: &Company| SortKey::Text(c.kind.label(lang).to_owned());
    let by_users = |c: &Company| SortKey::Number(users(c) as i64);
    let by_contracts = |c: &Company| SortKey::Number(contracts(c) as i64);
    let by_created = |c: &Company| SortKey::Number(c.created_at);
    let text = |c: &Company| format!("{} {}", c.name, c.kind.label(lang));
    let listed = list(
        &q,
        &o.companies,
        &text,
        &[
            Sort {
                key: "name",
                by: &by_name,
            },
            Sort {
                key: "kind",
                by: &by_kind,
            },
            Sort {
                key: "users",
                by: &by_users,
            },
            Sort {
                key: "contracts",
                by: &by_contracts,
            },
            Sort {
                key: "registered",
                by: &by_created,
            },
        ],
        ("name", false),
    );
    const PATH: &str = "/admin/companies";
    let body = html! {
        (listed.search(lang, PATH, "company-list"))
        div class="table-scroll" tabindex="0" {
            table id="company-list" {
                thead { tr {
                    (listed.header(PATH, "name", lang.t(Text::Name)))
                    (listed.header(PATH, "kind", lang.t(Text::Kind)))
                    (listed.header(PATH, "users", lang.t(Text::Users)))
                    (listed.header(PATH, "contracts", lang.t(Text::Contracts)))
                    (listed.header(PATH, "registered", lang.t(Text::Registered)))
                } }
                tbody { @for c in &listed.rows { tr class="list-row" data-id=(c.id) {
                    td { a href={ "/admin/companies/" (c.id) } { (c.name) } }
                    td data-kind=(c.kind.as_str()) { (c.kind.label(lang)) }
                    td { (users(c)) } td { (contracts(c)) }
                    td { (ctx.zone().day(c.created_at)) }
                } } }
            }
        }
        (listed.pager(lang, PATH, "company-list"))
    };
    ok(page_in(
        &ctx,
        &trail(lang),
        lang.t(Text::Companies),
        Marked::Plain,
        body,
    ))
}

/// `GET /admin/users`
pub(super) async fn users_page(ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let lang = ctx.lang;
    let o = match overview(&ctx).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let by_username = |u: &User| SortKey::Text(u.username.clone());
    let by_display = |u: &User| SortKey::Text(u.display_name.clone());
    let by_company = |u: &User| SortKey::Text(company_name(&o, u.company_id));
    let by_role = |u: &User| SortKey::Text(u.role.label(lang).to_owned());
    let by_status = |u: &User| SortKey::Text(u.status.label(lang).to_owned());
    let by_created = |u: &User| SortKey::Number(u.created_at);
    let text = |u: &User| {
        format!(
            "{} {} {} {}",
            u.username,
            u.display_name,
            company_name(&o, u.company_id),
            u.role.label(lang)
        )
    };
    let listed = list(
        &q,
        &o.users,
        &text,
        &[
            Sort {
                key: "username",
                by: &by_username,
            },
            Sort {
                key: "name",
                by: &by_display,
            },
            Sort {
                key: "company",
                by: &by_company,
            },
            Sort {
                key: "role",
                by: &by_role,
            },
            Sort {
                key: "status",
                by: &by_status,
            },
            Sort {
                key: "registered",
                by: &by_created,
            },
        ],
        ("username", false),
    );
    const PATH: &str = "/admin/users";
    let body = html! {
        (listed.search(lang, PATH, "user-list"))
        div class="table-scroll" tabindex="0" {
            table id="user-list" {
                thead { tr {
                    (listed.header(PATH, "username", lang.t(Text::Username)))
                    (listed.header(PATH, "name", lang.t(Text::DisplayName)))
                    (listed.header(PATH, "company", lang.t(Text::Company)))
                    (listed.header(PATH, "role", lang.t(Text::Role)))
                    (listed.header(PATH, "status", lang.t(Text::Status)))
                    (listed.header(PATH, "registered", lang.t(Text::Registered)))
                } }
                tbody { @for u in &listed.rows { tr class="list-row" data-id=(u.id) data-username=(u.username) {
                    td { a href={ "/admin/users/" (u.id) } { (u.username) } }
                    td { (u.display_name) }
                    td { a href={ "/admin/companies/" (u.company_id) } { (company_name(&o, u.company_id)) } }
                    td data-role=(u.role.as_str()) { (u.role.label(lang)) }
                    td data-status=(u.status.as_str()) { (badge(status_tone(u.status), u.status.label(lang))) }
                    td { (ctx.zone().day(u.created_at)) }
                } } }
            }
        }
        (listed.pager(lang, PATH, "user-list"))
    };
    ok(page_in(
        &ctx,
        &trail(lang),
        lang.t(Text::Users),
        Marked::Plain,
        body,
    ))
}

/// `GET /admin/contracts`
pub(super) async fn contracts_page(ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let lang = ctx.lang;
    let o = match overview(&ctx).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let opened = |c: &Contract| o.compartments.iter().any(|m| m.contract_id == c.id);
    let by_number = |c: &Contract| SortKey::Text(c.number.as_str().to_owned());
    let by_title = |c: &Contract| SortKey::Text(c.title.clone());
    let by_company = |c: &Contract| SortKey::Text(company_name(&o, c.company_id));
    let by_end = |c: &Contract| SortKey::Text(c.ends_on.to_string());
    let by_created = |c: &Contract| SortKey::Number(c.created_at);
    let text = |c: &Contract| {
        format!(
            "{} {} {}",
            c.number.as_str(),
            c.title,
            company_name(&o, c.company_id)
        )
    };
    let listed = list(
        &q,
        &o.contracts,
        &text,
        &[
            Sort {
                key: "number",
                by: &by_number,
            },
            Sort {
                key: "title",
                by: &by_title,
            },
            Sort {
                key: "company",
                by: &by_company,
            },
            Sort {
                key: "ends",
                by: &by_end,
            },
            Sort {
                key: "registered",
                by: &by_created,
            },
        ],
        ("number", false),
    );
    const PATH: &str = "/admin/contracts";
    let body = html! {
        (listed.search(lang, PATH, "contract-list"))
        div class="table-scroll" tabindex="0" {
            table id="contract-list" {
                thead { tr {
                    (listed.header(PATH, "number", lang.t(Text::ContractNumber)))
                    (listed.header(PATH, "title", lang.t(Text::Title)))
                    (listed.header(PATH, "company", lang.t(Text::Company)))
                    (listed.header(PATH, "ends", lang.t(Text::Period)))
                    th { (lang.t(Text::SpecialClause)) }
                    th { (lang.t(Text::Compartments)) }
                    (listed.header(PATH, "registered", lang.t(Text::Registered)))
                } }
                tbody { @for c in &listed.rows { tr class="list-row" data-id=(c.id) {
                    td { a class="contract-link" href={ "/admin/contracts/" (c.id) } { (c.number.as_str()) } }
                    td { (c.title) }
                    td { a href={ "/admin/companies/" (c.company_id) } { (company_name(&o, c.company_id)) } }
                    td { (c.starts_on.to_string()) " – " (c.ends_on.to_string()) }
                    td { (if c.special_clause { lang.t(Text::Yes) } else { lang.t(Text::No) }) }
                    td { (if opened(c) { lang.t(Text::Yes) } else { lang.t(Text::No) }) }
                    td { (ctx.zone().day(c.created_at)) }
                } } }
            }
        }
        (listed.pager(lang, PATH, "contract-list"))
    };
    ok(page_in(
        &ctx,
        &trail(lang),
        lang.t(Text::Contracts),
        Marked::Plain,
        body,
    ))
}

fn users_table(ctx: &Ctx, o: &AdminOverview, users: &[&User]) -> Markup {
    let lang = ctx.lang;
    html! {
        @if users.is_empty() {
            p class="note" { (lang.t(Text::NoneYet)) }
        } @else {
            div class="table-scroll" tabindex="0" {
                table id="detail-users" {
                    thead { tr { th { (lang.t(Text::Username)) } th { (lang.t(Text::DisplayName)) } th { (lang.t(Text::Company)) } th { (lang.t(Text::Role)) } th { (lang.t(Text::Status)) } } }
                    tbody { @for u in users { tr data-username=(u.username) {
                        td { a href={ "/admin/users/" (u.id) } { (u.username) } }
                        td { (u.display_name) }
                        td { (company_name(o, u.company_id)) }
                        td { (u.role.label(lang)) }
                        td { (badge(status_tone(u.status), u.status.label(lang))) }
                    } } }
                }
            }
        }
    }
}

fn contracts_table(ctx: &Ctx, contracts: &[&Contract]) -> Markup {
    let lang = ctx.lang;
    html! {
        @if contracts.is_empty() {
            p class="note" { (lang.t(Text::NoneYet)) }
        } @else {
            div class="table-scroll" tabindex="0" {
                table id="detail-contracts" {
                    thead { tr { th { (lang.t(Text::ContractNumber)) } th { (lang.t(Text::Title)) } th { (lang.t(Text::Period)) } } }
                    tbody { @for c in contracts { tr {
                        td { a class="contract-link" href={ "/admin/contracts/" (c.id) } { (c.number.as_str()) } }
                        td { (c.title) }
                        td { (c.starts_on.to_string()) " – " (c.ends_on.to_string()) }
                    } } }
                }
            }
        }
    }
}

/// `GET /admin/companies/{id}`
pub(super) async fn company_page(ctx: Ctx, Path(id): Path<String>) -> Response {
    company_view(&ctx, &id, None).await
}

const F_RENAME: &str = "rename-form";

/// The company's page; after a refused rename, its form as typed with the
/// message beside the field.
async fn company_view(ctx: &Ctx, id: &str, failed: Option<&Failed>) -> Response {
    let ctx = ctx.clone();
    let lang = ctx.lang;
    let o = match overview(&ctx).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let Some(company) = o.companies.iter().find(|c| c.id.to_string() == id) else {
        return error_page(&ctx, AppError::NotFound);
    };
    // The name as it is, or as typed after a refusal.
    let current = Failed::filled(F_RENAME, vec![("name", company.name.clone())]);
    let users: Vec<&User> = o
        .users
        .iter()
        .filter(|u| u.company_id == company.id)
        .collect();
    let contracts: Vec<&Contract> = o
        .contracts
        .iter()
        .filter(|c| c.company_id == company.id)
        .collect();
    let nav = ctx.app.navigation(&ctx.caller);
    let offers = ctx.app.admin_offers(&ctx.caller);
    let body = html! {
        dl class="facts" id="company-facts" {
            dt { (lang.t(Text::Kind)) } dd data-kind=(company.kind.as_str()) { (company.kind.label(lang)) }
            dt { (lang.t(Text::Registered)) } dd { (ctx.zone().when(company.created_at)) }
            dt { "ID" } dd { code { (company.id) } }
        }
        @if offers.rename_company {
            details class="edit" open[failed.is_some()] {
                summary id="rename-open" { (lang.t(Text::Rename)) }
                form method="post" action={ "/admin/companies/" (company.id) "/name" } class="card" id=(F_RENAME) {
                    (csrf_field(&ctx))
                    (field(Some(failed.unwrap_or(&current)), &Field { form: F_RENAME, name: "name", id: "rename-name",
                        label: lang.t(Text::NewName), control: Control::Input("text"), required: true, max: Some(200) }))
                    p class="note" { (lang.t(Text::RenameNote)) }
                    p { button type="submit" id="rename-submit" { (lang.t(Text::Save)) } }
                }
            }
        }
        h2 { (lang.t(Text::Users)) " (" (users.len()) ")" }
        (users_table(&ctx, &o, &users))
        h2 { (lang.t(Text::Contracts)) " (" (contracts.len()) ")" }
        (contracts_table(&ctx, &contracts))
        @if nav.records && company.kind == dsg_core::CompanyKind::Contractor {
            p { a href={ "/records/" (company.id) } id="company-records" { (lang.t(Text::Records)) } }
        }
        @if nav.terminals {
            p { a href={ "/admin/terminals?q=" (super::segment(&company.name)) } id="company-terminals" { (lang.t(Text::Terminals)) } }
        }
    };
    answer(
        failed,
        page_in(
            &ctx,
            &[
                ("/", lang.t(Text::Home)),
                ("/admin", lang.t(Text::Admin)),
                ("/admin/companies", lang.t(Text::Companies)),
            ],
            &company.name,
            Marked::Plain,
            body,
        ),
    )
}

/// The rename form.
#[derive(serde::Deserialize)]
pub(super) struct RenameForm {
    name: String,
}

/// `POST /admin/companies/{id}/name`
pub(super) async fn rename_company(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<RenameForm>,
) -> Response {
    let back = format!("/admin/companies/{}", super::segment(&id));
    match ctx
        .app
        .rename_company(&ctx.meta, &ctx.caller, &id, &f.name)
        .await
    {
        Ok(_) => done(&back, Notice::Saved),
        Err(e) => {
            let fields: &[(&str, &[&str])] = &[("name", &["company name", "name"])];
            match Failed::of(&ctx, F_RENAME, e, vec![("name", f.name)], fields) {
                Ok(failed) => company_view(&ctx, &id, Some(&failed)).await,
                Err(e) => step_up_or_error(&ctx, e, &back),
            }
        }
    }
}

/// `GET /admin/users/{id}`
pub(super) async fn user_page(ctx: Ctx, Path(id): Path<String>) -> Response {
    let lang = ctx.lang;
    let o = match overview(&ctx).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let Some(user) = o.users.iter().find(|u| u.id.to_string() == id) else {
        return error_page(&ctx, AppError::NotFound);
    };
    let contracts: Vec<&Contract> = o
        .contracts
        .iter()
        .filter(|c| c.company_id == user.company_id)
        .collect();
    let zone = ctx.zone();
    let title = format!("{} ({})", user.display_name, user.username);
    let body = html! {
        dl class="facts" id="user-facts" data-username=(user.username) {
            dt { (lang.t(Text::Username)) } dd { (user.username) }
            dt { (lang.t(Text::DisplayName)) } dd { (user.display_name) }
            dt { (lang.t(Text::Company)) } dd { a href={ "/admin/companies/" (user.company_id) } { (company_name(&o, user.company_id)) } }
            dt { (lang.t(Text::Role)) } dd data-role=(user.role.as_str()) { (user.role.label(lang)) }
            dt { (lang.t(Text::Status)) } dd data-status=(user.status.as_str()) { (badge(status_tone(user.status), user.status.label(lang))) }
            dt { (lang.t(Text::Registered)) } dd { (zone.when(user.created_at)) }
            dt { (lang.t(Text::Enrolled)) } dd { (user.enrolled_at.map(|t| zone.when(t)).unwrap_or_else(|| "—".to_owned())) }
            dt { (lang.t(Text::ValidUntil)) } dd { (user.valid_until.map(|t| zone.last_day(t)).unwrap_or_else(|| "—".to_owned())) }
            dt { "ID" } dd { code { (user.id) } }
        }
        p { a href={ "/admin/accounts#account-" (user.id) } id="user-account-link" { (lang.t(Text::Accounts)) } }
        h2 { (lang.t(Text::CompanyContracts)) }
        (contracts_table(&ctx, &contracts))
    };
    ok(page_in(
        &ctx,
        &[
            ("/", lang.t(Text::Home)),
            ("/admin", lang.t(Text::Admin)),
            ("/admin/users", lang.t(Text::Users)),
        ],
        &title,
        Marked::Plain,
        body,
    ))
}
