//! `/audit`: the audit log as its reader may see it. The agency (operators,
//! auditors) searches everything; a company's security administrator sees
//! their company's entries and downloads the verifiable extract. Names are
//! resolved here, for the ids the reader is entitled to.

use axum::extract::Query;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::labels::{action_label, outcome_badge, outcome_label, Label, ACTION_FAMILIES};
use super::layout::{error_page, ok, page, Marked};
use super::{Lang, Text};
use crate::http::context::Ctx;
use dsg_app::{AuditScope, AuditSearch};
use dsg_core::AuditAction;

/// The search form's fields.
#[derive(Debug, Deserialize, Default)]
pub(super) struct AuditPageQuery {
    #[serde(default)]
    days: Option<i64>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    /// The next page: entries before this time (Unix ms, exclusive of
    /// later ones)…
    #[serde(default)]
    before: Option<i64>,
    /// …less the first `skip` at exactly `before - 1`, shown already.
    #[serde(default)]
    skip: Option<i64>,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Entries a page shows.
const PAGE: usize = 50;

/// The query of the page after one that ended with `entries` (newest
/// first): the time of its last entry, and how many entries at that
/// millisecond it showed, so none is skipped or shown twice.
fn next_page(q: &AuditPageQuery, days: i64, times: &[i64]) -> Option<String> {
    let last = *times.last()?;
    let at_last = times.iter().filter(|t| **t == last).count();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("days", &days.to_string());
    for (key, value) in [
        ("company", &q.company),
        ("actor", &q.actor),
        ("action", &q.action),
        ("outcome", &q.outcome),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            query.append_pair(key, v);
        }
    }
    query.append_pair("before", &last.saturating_add(1).to_string());
    query.append_pair("skip", &at_last.to_string());
    Some(format!("/audit?{}", query.finish()))
}

/// `GET /audit`
pub(super) async fn audit_page(ctx: Ctx, Query(q): Query<AuditPageQuery>) -> Response {
    let lang = ctx.lang;
    let days = q.days.unwrap_or(7).clamp(1, 3660);
    let now = ctx.app.now();
    let skip = usize::try_from(q.skip.unwrap_or(0).clamp(0, 900)).unwrap_or(0);
    let search = AuditSearch {
        from: Some(now.saturating_sub(days.saturating_mul(DAY_MS))),
        until: q.before,
        company: q.company.clone().filter(|c| !c.is_empty()),
        actor: q.actor.clone(),
        action: q.action.clone(),
        outcome: q.outcome.clone(),
        object: None,
        contract: None,
        limit: Some(i64::try_from(PAGE + skip + 1).unwrap_or(i64::MAX)),
    };
    let mut result = match ctx.app.audit_search(&ctx.meta, &ctx.caller, search).await {
        Ok(r) => r,
        Err(e) => return error_page(&ctx, e),
    };
    // The entries at the boundary millisecond the previous page showed
    // come first (newest first, then as the log orders them).
    let boundary = q.before.map(|b| b.saturating_sub(1));
    let shown_already = result
        .entries
        .iter()
        .take(skip)
        .take_while(|e| Some(e.entry.occurred_at) == boundary)
        .count();
    result.entries.drain(..shown_already);
    let more = result.entries.len() > PAGE || result.truncated;
    result.entries.truncate(PAGE);
    let times: Vec<i64> = result.entries.iter().map(|e| e.entry.occurred_at).collect();
    let next = more.then(|| next_page(&q, days, &times)).flatten();
    let directory = match ctx.app.audit_directory(&result.scope).await {
        Ok(d) => d,
        Err(e) => return error_page(&ctx, e),
    };
    let name = |map: &std::collections::HashMap<String, String>, id: &str| {
        map.get(id).cloned().unwrap_or_else(|| id.to_owned())
    };
    let extract_for = match &result.scope {
        AuditScope::Company { company } => Some(company.clone()),
        AuditScope::All => q.company.clone().filter(|c| !c.is_empty()),
    };
    let extract_for = match extract_for {
        Some(company) => match ctx.app.may_take_extract(&ctx.caller, &company).await {
            Ok(true) => Some(company),
            Ok(false) => None,
            Err(e) => return error_page(&ctx, e),
        },
        None => None,
    };
    let mut companies: Vec<(&String, &String)> = directory.companies.iter().collect();
    companies.sort_by(|a, b| a.1.cmp(b.1));
    let body = html! {
        p class="note" { (lang.t(Text::AuditLogIntro)) }
        p id="audit-scope" data-scope=(match result.scope { AuditScope::All => "all", AuditScope::Company { .. } => "company" }) {
            @match &result.scope {
                AuditScope::All => { (lang.t(Text::AuditScopeAll)) }
                AuditScope::Company { company } => {
                    (lang.t(Text::AuditScopeCompany)) ": " (name(&directory.companies, company))
                }
            }
        }
        form method="get" action="/audit" class="card" id="audit-search" {
            label for="audit-days" { (lang.t(Text::LastDays)) }
            input type="number" name="days" id="audit-days" min="1" max="3660" value=(days);
            @if result.scope == AuditScope::All {
                label for="audit-company" { (lang.t(Text::Company)) }
                select name="company" id="audit-company" {
                    option value="" { (lang.t(Text::Any)) }
                    @for (id, company) in &companies {
                        option value=(id) selected[q.company.as_deref() == Some(id.as_str())] { (company) }
                    }
                }
            }
            label for="audit-action" { (lang.t(Text::Action)) }
            select name="action" id="audit-action" {
                option value="" { (lang.t(Text::Any)) }
                @for (family, ja, en) in ACTION_FAMILIES {
                    optgroup label=(if lang == Lang::Ja { ja } else { en }) {
                        option value=(family) selected[q.action.as_deref() == Some(family)] {
                            (if lang == Lang::Ja { ja } else { en }) " — " (lang.t(Text::AllOfThem))
                        }
                        @for a in AuditAction::ALL.iter().filter(|a| a.as_str().starts_with(family)) {
                            option value=(a.as_str()) selected[q.action.as_deref() == Some(a.as_str())] { (a.label(lang)) }
                        }
                    }
                }
            }
            label for="audit-outcome" { (lang.t(Text::Outcome)) }
            select name="outcome" id="audit-outcome" {
                option value="" { (lang.t(Text::Any)) }
                @for o in ["success", "denied", "failure"] {
                    option value=(o) selected[q.outcome.as_deref() == Some(o)] { (outcome_label(o, lang)) }
                }
            }
            p { button type="submit" { (lang.t(Text::Search)) } }
        }
        @if let Some(company) = &extract_for {
            p { a id="audit-extract" href={ "/api/v1/audit/companies/" (company) "/extract" } { (lang.t(Text::DownloadExtract)) } }
        }
        div class="table-scroll" tabindex="0" {
            table id="audit-entries" {
                thead { tr {
                    th { (lang.t(Text::Time)) } th { (lang.t(Text::Actor)) } th { (lang.t(Text::Action)) }
                    th { (lang.t(Text::Object)) } th { (lang.t(Text::Outcome)) } th { (lang.t(Text::WhyColumn)) }
                    th { (lang.t(Text::Company)) } th { (lang.t(Text::Proof)) }
                } }
                tbody { @for e in &result.entries {
                    tr class="audit-row" data-id=(e.entry.id) data-action=(e.entry.action) data-outcome=(e.entry.outcome) {
                        td class="when" { (ctx.zone().when(e.entry.occurred_at)) }
                        td {
                            @let actor = e.entry.actor.as_deref().unwrap_or_default();
                            @if actor.is_empty() || directory.users.contains_key(actor) {
                                (name(&directory.users, actor))
                            } @else {
                                // Someone the reader may not name (another
                                // organisation, e.g. an agency operator).
                                (lang.t(Text::OtherOrganisation)) br; small { (actor) }
                            }
                            br; small { (e.entry.source.as_deref().unwrap_or_default()) }
                        }
                        td title=(e.entry.action) { (action_label(&e.entry.action, lang)) }
                        td { (e.entry.object_type) " " small { (e.entry.object_id.as_deref().unwrap_or_default()) } }
                        td class={ "outcome-" (e.entry.outcome) } { (outcome_badge(&e.entry.outcome, lang)) }
                        td { small { (e.entry.reason) } }
                        td { (name(&directory.companies, e.entry.company.as_deref().unwrap_or_default())) }
                        td { @if let Some(seq) = e.seq.filter(|s| *s >= 0) {
                            a class="proof-link" href={ "/audit/proofs/" (seq) } { "#" (seq) }
                        } }
                    }
                } }
            }
        }
        nav class="pager" aria-label=(lang.t(Text::Pages)) {
            @if q.before.is_some() {
                a id="audit-first" href={ "/audit?days=" (days) } { (lang.t(Text::NewestEntries)) }
                " "
            }
            @if let Some(next) = &next {
                a id="audit-older" href=(next) { (lang.t(Text::OlderEntries)) }
            }
        }
    };
    ok(page(&ctx, lang.t(Text::AuditLog), Marked::Plain, body))
}
