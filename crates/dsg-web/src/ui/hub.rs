//! The grouped navigation of the administration (`/admin` and the
//! operator's home): each link only where the policy point lets this
//! person open the page (`dsg_app::Navigation`, `AdminOffers`); the page
//! asks again when opened.

use maud::{html, Markup};

use super::Text;
use crate::http::context::Ctx;

/// How many of the newest registrations a summary shows.
pub(super) const RECENT: usize = 10;

/// The newest `RECENT` of `rows` by `created`, newest first.
pub(super) fn recent<T>(rows: &[T], created: impl Fn(&T) -> i64) -> Vec<&T> {
    let mut rows: Vec<&T> = rows.iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(created(r)));
    rows.truncate(RECENT);
    rows
}

/// The groups of pages this person may reach: the registers, and
/// oversight and audit. Empty groups are left out.
pub(super) fn groups(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let nav = ctx.app.navigation(&ctx.caller);
    let registers: Vec<(&str, &str, Text)> = [
        (
            nav.admin,
            "/admin/companies",
            "companies-link",
            Text::Companies,
        ),
        (nav.admin, "/admin/users", "users-link", Text::Users),
        (
            nav.admin,
            "/admin/contracts",
            "contracts-link",
            Text::Contracts,
        ),
        (
            nav.admin,
            "/admin/accounts",
            "accounts-link",
            Text::Accounts,
        ),
        (
            nav.terminals,
            "/admin/terminals",
            "terminals-link",
            Text::Terminals,
        ),
    ]
    .into_iter()
    .filter(|(may, ..)| *may)
    .map(|(_, href, id, text)| (href, id, text))
    .collect();
    let oversight: Vec<(&str, &str, Text)> = [
        (
            nav.policies,
            "/admin/policies",
            "policies-link",
            Text::Policies,
        ),
        (
            nav.access_review,
            "/admin/access",
            "access-link",
            Text::AccessReview,
        ),
        (nav.audit_log, "/audit", "hub-audit-link", Text::AuditLog),
        (nav.alerts, "/alerts", "hub-alerts-link", Text::Alerts),
        (nav.records, "/records", "hub-records-link", Text::Records),
    ]
    .into_iter()
    .filter(|(may, ..)| *may)
    .map(|(_, href, id, text)| (href, id, text))
    .collect();
    html! {
        nav id="admin-nav" class="hub" aria-label=(lang.t(Text::Admin)) {
            @for (heading, links) in [(Text::NavRegisters, &registers), (Text::NavOversight, &oversight)] {
                @if !links.is_empty() {
                    section class="hub-group" {
                        h2 { (lang.t(heading)) }
                        ul {
                            @for (href, id, text) in links.iter() {
                                li { a href=(href) id=(id) { (lang.t(*text)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
