//! `GET /`: a home for each person, from what the policy point lets them
//! reach: the agency's operator sees what awaits their approval, the open
//! alerts and the newest registrations; a company's administrator its
//! contracts, its people and what needs doing; a handler their
//! compartments. Someone who is several of these sees each part.

use axum::response::{IntoResponse, Redirect, Response};
use dsg_app::{Caller, CompartmentView, RecordsRead};
use dsg_core::CompanyKind;
use maud::{html, Markup};

use super::alerts::rule_label;
use super::hub::groups;
use super::layout::{error_page, ok, page, Marked};
use super::{Lang, Text};
use crate::http::context::Ctx;

/// How many open alerts and registrations the home lists.
const SHOWN: usize = 5;

/// `GET /`
pub(super) async fn home(ctx: Ctx) -> Response {
    let Caller::User(user) = &ctx.caller else {
        return Redirect::to("/login").into_response();
    };
    match (user.mfa, user.state) {
        (dsg_core::MfaMethod::None, dsg_core::AccountState::Pending)
        | (dsg_core::MfaMethod::Recovery, _) => {
            return Redirect::to("/enrol/authenticator").into_response()
        }
        (dsg_core::MfaMethod::None, _) => return Redirect::to("/login/verify").into_response(),
        _ => {}
    }
    let (own_company, own_kind) = (user.facts.company, user.facts.company_kind);
    let lang = ctx.lang;
    let nav = ctx.app.navigation(&ctx.caller);
    let views = match ctx.app.my_compartments(&ctx.caller).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let operator = if nav.admin {
        match operator_part(&ctx).await {
            Ok(m) => Some(m),
            Err(r) => return r,
        }
    } else {
        None
    };
    // A contractor's administrator: the policy point lets them keep their
    // own company's records.
    let keeps_own = !nav.admin
        && own_kind == CompanyKind::Contractor
        && nav.records
        && ctx
            .app
            .records_directory(&ctx.caller)
            .await
            .is_ok_and(|c| c.iter().any(|(company, _)| company.id == own_company));
    let company = if keeps_own {
        match company_part(&ctx, &own_company.to_string()).await {
            Ok(m) => Some(m),
            Err(r) => return r,
        }
    } else {
        None
    };
    let handler = !views.is_empty() || (operator.is_none() && company.is_none());
    let body = html! {
        @if let Some(part) = &operator { (part) }
        @if let Some(part) = &company { (part) }
        @if handler { (compartments(lang, &views, operator.is_some() || company.is_some())) }
    };
    let marked = if views.is_empty() {
        Marked::Plain
    } else {
        Marked::Protected
    };
    let title = if operator.is_some() || company.is_some() {
        lang.t(Text::Home)
    } else {
        lang.t(Text::MyCompartments)
    };
    ok(page(&ctx, title, marked, body))
}

/// The handler's compartments (under a heading when the home has more).
fn compartments(lang: Lang, views: &[CompartmentView], heading: bool) -> Markup {
    html! {
        @if heading { h2 id="home-compartments" { (lang.t(Text::MyCompartments)) } }
        @if views.is_empty() {
            p id="no-compartments" { (lang.t(Text::NoCompartments)) }
        } @else {
            div class="table-scroll" tabindex="0" {
                table id="compartments" {
                    thead { tr { th { (lang.t(Text::ContractNumber)) } th { (lang.t(Text::Title)) } th { (lang.t(Text::Period)) } } }
                    tbody {
                        @for v in views {
                            tr {
                                @match v.blocked {
                                    None => td { a class="compartment-link" href={ "/compartments/" (v.compartment.id) } { (v.contract.number.as_str()) } },
                                    Some(reason) => td { (v.contract.number.as_str()) br; span class="error blocked" data-code=(reason.code()) { (reason.text(lang == Lang::Ja)) } },
                                }
                                td { (v.contract.title) }
                                td { (v.contract.starts_on.to_string()) " – " (v.contract.ends_on.to_string()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One line of "awaiting approval": what, how many, where to act.
struct Pending {
    id: &'static str,
    what: String,
    count: usize,
    href: String,
}

/// The operator's part: what awaits their approval (only what the policy
/// point would let them decide), the open alerts, the newest
/// registrations, and the administration's pages in groups.
async fn operator_part(ctx: &Ctx) -> Result<Markup, Response> {
    let lang = ctx.lang;
    let nav = ctx.app.navigation(&ctx.caller);
    let (meta, caller) = (&ctx.meta, &ctx.caller);
    let mut pending = Vec::new();
    if nav.policies {
        let versions = ctx
            .app
            .policy_versions(meta, caller)
            .await
            .map_err(|e| error_page(ctx, e))?;
        let mine: Vec<_> = versions
            .iter()
            .filter(|v| v.status == "proposed")
            .filter(|v| {
                v.proposed_by
                    .as_deref()
                    .and_then(|p| p.parse().ok())
                    .is_some_and(|by| ctx.app.may_decide_policy(caller, v.version, by))
            })
            .collect();
        pending.push(Pending {
            id: "pending-policies",
            what: lang.t(Text::PendingPolicies).to_owned(),
            count: mine.len(),
            href: mine.first().map_or_else(
                || "/admin/policies".to_owned(),
                |v| format!("/admin/policies/{}", v.version),
            ),
        });
    }
    let resets = ctx
        .app
        .pending_resets(meta, caller)
        .await
        .map_err(|e| error_page(ctx, e))?;
    pending.push(Pending {
        id: "pending-resets",
        what: lang.t(Text::PendingResets).to_owned(),
        count: resets
            .iter()
            .filter(|r| ctx.app.may_approve_reset(caller, &r.id, &r.requested_by))
            .count(),
        href: "/admin/accounts".to_owned(),
    });
    if nav.records {
        if let Ok(companies) = ctx.app.records_directory(caller).await {
            for (company, waiting) in companies.iter().filter(|(_, w)| *w > 0) {
                pending.push(Pending {
                    id: "pending-roster",
                    what: format!("{} — {}", lang.t(Text::RosterToConfirm), company.name),
                    count: *waiting,
                    href: format!("/records/{}", company.id),
                });
            }
        }
    }
    if nav.applications {
        if let Ok(inbox) = ctx.app.inbox(meta, caller).await {
            pending.push(Pending {
                id: "pending-applications",
                what: lang.t(Text::PendingApplications).to_owned(),
                count: inbox.len(),
                href: "/applications".to_owned(),
            });
        }
    }
    if nav.memberships {
        if let Ok(inbox) = ctx.app.memberships(meta, caller, true).await {
            pending.push(Pending {
                id: "pending-memberships",
                what: lang.t(Text::Memberships).to_owned(),
                count: inbox.len(),
                href: "/memberships".to_owned(),
            });
        }
    }
    pending.retain(|p| p.count > 0);
    let alerts = if nav.alerts {
        ctx.app
            .alerts(meta, caller, Some("open"))
            .await
            .map_err(|e| error_page(ctx, e))?
    } else {
        Vec::new()
    };
    let registers = ctx
        .app
        .admin_overview(meta, caller)
        .await
        .map_err(|e| error_page(ctx, e))?;
    let zone = ctx.zone();
    let mut recent: Vec<(i64, String, &'static str, String, String)> = Vec::new();
    for c in &registers.companies {
        recent.push((
            c.created_at,
            format!("/admin/companies/{}", c.id),
            "company",
            lang.t(Text::Companies).to_owned(),
            c.name.clone(),
        ));
    }
    for u in &registers.users {
        recent.push((
            u.created_at,
            format!("/admin/users/{}", u.id),
            "user",
            lang.t(Text::Users).to_owned(),
            format!("{} ({})", u.display_name, u.username),
        ));
    }
    for c in &registers.contracts {
        recent.push((
            c.created_at,
            format!("/admin/contracts/{}", c.id),
            "contract",
            lang.t(Text::Contracts).to_owned(),
            format!("{} {}", c.number.as_str(), c.title),
        ));
    }
    recent.sort_by_key(|r| std::cmp::Reverse(r.0));
    recent.truncate(SHOWN);
    Ok(html! {
        p { a href="/admin" id="admin-link" { (lang.t(Text::Admin)) } }
        section id="home-pending" aria-labelledby="home-pending-title" {
            h2 id="home-pending-title" { (lang.t(Text::PendingApprovals)) }
            @if pending.is_empty() {
                p id="nothing-pending" { (lang.t(Text::NothingPending)) }
            } @else {
                ul class="pending" {
                    @for p in &pending {
                        li class="pending-item" id=(p.id) data-count=(p.count) {
                            a href=(p.href) { (p.what) } " " span class="badge" data-tone="warning" { (p.count) }
                        }
                    }
                }
            }
        }
        @if nav.alerts {
            section id="home-alerts" aria-labelledby="home-alerts-title" {
                h2 id="home-alerts-title" { (lang.t(Text::OpenAlerts)) " (" (alerts.len()) ")" }
                @if alerts.is_empty() {
                    p id="no-open-alerts" { (lang.t(Text::NoOpenAlerts)) }
                } @else {
                    ul {
                        @for a in alerts.iter().take(SHOWN) {
                            li class="home-alert" {
                                a href={ "/alerts/" (super::segment(&a.id)) } { (rule_label(&a.rule, lang)) }
                                " — " (a.key_name.clone().unwrap_or_else(|| a.key.clone())) " · " (zone.when(a.last_at))
                            }
                        }
                    }
                    p { a href="/alerts?status=open" { (lang.t(Text::ShowAll)) } }
                }
            }
        }
        section id="home-recent" aria-labelledby="home-recent-title" {
            h2 id="home-recent-title" { (lang.t(Text::RecentRegistrations)) }
            div class="table-scroll" tabindex="0" {
                table id="recent-registrations" {
                    thead { tr { th { (lang.t(Text::Registered)) } th { (lang.t(Text::Kind)) } th { (lang.t(Text::Name)) } } }
                    tbody { @for (at, href, kind, kind_label, name) in &recent {
                        tr data-kind=(kind) { td { (zone.day(*at)) } td { (kind_label) } td { a href=(href) { (name) } } }
                    } }
                }
            }
        }
        (groups(ctx))
    })
}

/// A company administrator's part: the company's contracts, its people
/// and what needs doing on the records.
async fn company_part(ctx: &Ctx, company: &str) -> Result<Markup, Response> {
    let lang = ctx.lang;
    let records = ctx
        .app
        .company_records(&ctx.meta, &ctx.caller, company, RecordsRead::View)
        .await
        .map_err(|e| error_page(ctx, e))?;
    let handles = |id: &str| {
        records
            .contracts
            .iter()
            .any(|c| c.handlers.iter().any(|h| h == id))
    };
    let handlers: Vec<_> = records
        .people
        .iter()
        .filter(|p| handles(&p.user_id))
        .collect();
    let missing = handlers
        .iter()
        .filter(|p| p.roster.as_ref().is_none_or(|l| l.status == "removed"))
        .count();
    let awaiting = records
        .people
        .iter()
        .filter(|p| p.roster.as_ref().is_some_and(|l| l.status == "submitted"))
        .count();
    let lapsed = handlers.iter().filter(|p| !p.training_current).count();
    let inbox = ctx
        .app
        .inbox(&ctx.meta, &ctx.caller)
        .await
        .map(|v| v.len())
        .unwrap_or(0);
    let records_href = format!("/records/{}", records.company_id);
    let duties: Vec<(&str, Text, usize, &str)> = [
        (
            "duty-roster-missing",
            Text::RosterMissing,
            missing,
            records_href.as_str(),
        ),
        (
            "duty-roster-awaiting",
            Text::RosterToConfirm,
            awaiting,
            records_href.as_str(),
        ),
        (
            "duty-training",
            Text::TrainingDue,
            lapsed,
            records_href.as_str(),
        ),
        (
            "duty-applications",
            Text::PendingApplications,
            inbox,
            "/applications",
        ),
    ]
    .into_iter()
    .filter(|(_, _, n, _)| *n > 0)
    .collect();
    let roster_status = |p: &dsg_app::PersonRecords| p.roster.as_ref().map_or("none", |l| l.status);
    Ok(html! {
        p class="note" id="company-home" data-company=(records.company_id) { (lang.t(Text::CompanyHome)) ": " strong { (records.company_name) } }
        section id="home-duties" aria-labelledby="home-duties-title" {
            h2 id="home-duties-title" { (lang.t(Text::OpenDuties)) }
            @if duties.is_empty() {
                p id="no-open-duties" { (lang.t(Text::NoOpenDuties)) }
            } @else {
                ul class="pending" {
                    @for (id, text, n, href) in &duties {
                        li class="pending-item" id=(id) data-count=(n) {
                            a href=(href) { (lang.t(*text)) } " " span class="badge" data-tone="warning" { (n) }
                        }
                    }
                }
            }
        }
        section id="home-contracts" aria-labelledby="home-contracts-title" {
            h2 id="home-contracts-title" { (lang.t(Text::Contracts)) }
            @if records.contracts.is_empty() {
                p class="note" { (lang.t(Text::NoneYet)) }
            } @else {
                div class="table-scroll" tabindex="0" {
                    table id="home-contract-list" {
                        thead { tr { th { (lang.t(Text::ContractNumber)) } th { (lang.t(Text::Title)) } th { (lang.t(Text::Handlers)) } } }
                        tbody { @for c in &records.contracts { tr data-id=(c.contract_id) {
                            td { (c.number) } td { (c.title) } td { (c.handlers.len()) }
                        } } }
                    }
                }
            }
        }
        section id="home-people" aria-labelledby="home-people-title" {
            h2 id="home-people-title" { (lang.t(Text::CompanyPeople)) }
            div class="table-scroll" tabindex="0" {
                table id="home-people-list" {
                    thead { tr { th { (lang.t(Text::Person)) } th { (lang.t(Text::Roster)) } th { (lang.t(Text::LastTraining)) } } }
                    tbody { @for p in &records.people { tr data-username=(p.username) data-roster=(roster_status(p)) {
                        td { (p.display_name) br; small { (p.username) } }
                        td { (roster_label(roster_status(p), lang)) }
                        td { (p.last_trained_on.as_deref().unwrap_or("—"))
                            @if !p.training_current && handles(&p.user_id) { br; small { (lang.t(Text::TrainingLapsed)) } } }
                    } } }
                }
            }
            p { a href=(records_href) id="home-records-link" { (lang.t(Text::Records)) } }
        }
    })
}

fn roster_label(status: &str, lang: Lang) -> &'static str {
    lang.t(match status {
        "submitted" => Text::RosterSubmitted,
        "confirmed" => Text::RosterConfirmed,
        "removed" => Text::RosterRemoved,
        _ => Text::RosterNone,
    })
}
