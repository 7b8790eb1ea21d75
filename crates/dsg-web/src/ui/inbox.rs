//! `/inbox`: everything that waits for the signed-in person, of every
//! application kind, due first, each with its due date (the deployment's
//! time zone, JST), an overdue mark and the steps they may take. The list
//! is the use case's (the workflow engine's owner of each state and the
//! policy point's offers); the page decides nothing.

use axum::response::Response;
use dsg_core::membership::MembershipState;
use dsg_core::membership_change::{ChangeKind, ChangeState};
use dsg_core::requests::ApprovalState;
use dsg_core::software::SoftwareState;
use maud::html;

use super::layout::{error_page, ok, page, Marked};
use super::{segment, Lang, Text};
use crate::http::context::Ctx;

/// An application kind in words.
pub(super) fn kind_label(kind: &str, lang: Lang) -> String {
    let text = match kind {
        "software" => Text::KindSoftware,
        "membership" => Text::KindMembership,
        "terminal" => Text::KindTerminal,
        "media" => Text::KindMedia,
        "change" => Text::KindChange,
        other => return other.to_owned(),
    };
    lang.t(text).to_owned()
}

/// A request the agency approves: its state in words.
pub(super) fn approval_state_label(state: ApprovalState, lang: Lang) -> &'static str {
    lang.t(match state {
        ApprovalState::Submitted => Text::StateSubmitted,
        ApprovalState::Returned => Text::StateReturned,
        ApprovalState::Approved => Text::StateApproved,
        ApprovalState::Rejected => Text::StateRejected,
        ApprovalState::Withdrawn => Text::StateWithdrawn,
    })
}

/// A change request's state in words.
pub(super) fn change_state_label(state: ChangeState, lang: Lang) -> &'static str {
    lang.t(match state {
        ChangeState::Submitted => Text::StateSubmitted,
        ChangeState::Returned => Text::StateReturned,
        ChangeState::SiteCheck => Text::StateSiteCheck,
        ChangeState::Completed => Text::StateChangeCompleted,
        ChangeState::Rejected => Text::StateRejected,
        ChangeState::Withdrawn => Text::StateWithdrawn,
    })
}

/// What a change request changes, in words.
pub(super) fn change_kind_label(kind: ChangeKind, lang: Lang) -> &'static str {
    lang.t(match kind {
        ChangeKind::Layout => Text::ChangeLayout,
        ChangeKind::Move => Text::ChangeMove,
        ChangeKind::Closure => Text::ChangeClosure,
        ChangeKind::CompanyName => Text::ChangeCompanyName,
        ChangeKind::Contacts => Text::ChangeContacts,
    })
}

/// The state of an application of `kind` in words.
fn state_label(kind: &str, state: &str, lang: Lang) -> String {
    let label = match kind {
        "software" => SoftwareState::parse(state)
            .ok()
            .map(|s| super::applications::state_label(s, lang)),
        "membership" => MembershipState::parse(state)
            .ok()
            .map(|s| super::memberships::state_label(s, lang)),
        "terminal" | "media" => ApprovalState::parse(state)
            .ok()
            .map(|s| approval_state_label(s, lang)),
        "change" => ChangeState::parse(state)
            .ok()
            .map(|s| change_state_label(s, lang)),
        _ => None,
    };
    label.map_or_else(|| state.to_owned(), str::to_owned)
}

/// Where an application of `kind` is shown, where it has a page.
fn page_of(kind: &str, id: &str) -> Option<String> {
    match kind {
        "software" => Some(format!("/applications/{}", segment(id))),
        "membership" => Some(format!("/memberships/{}", segment(id))),
        "change" => Some(format!("/changes/{}", segment(id))),
        "terminal" | "media" => Some(format!("/requests/{kind}/{}", segment(id))),
        _ => None,
    }
}

/// `GET /inbox`
pub(super) async fn inbox_page(ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let items = match ctx.app.inbox_items(&ctx.meta, &ctx.caller).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, e),
    };
    let body = html! {
        p class="note" { (lang.t(Text::InboxIntro)) }
        @if items.is_empty() {
            p id="inbox-empty" { (lang.t(Text::InboxEmpty)) }
        } @else {
            table id="inbox-all" {
                thead { tr {
                    th { (lang.t(Text::DueOn)) } th { (lang.t(Text::Kind)) }
                    th { (lang.t(Text::Company)) } th { (lang.t(Text::Status)) }
                    th { (lang.t(Text::InboxSteps)) }
                } }
                tbody { @for item in &items {
                    @let a = &item.row.application;
                    tr class="inbox-item" data-id=(a.id) data-kind=(a.kind) data-overdue=(item.overdue) {
                        td {
                            @if let Some(due) = &a.due_on { (due) }
                            @if item.overdue { " " strong class="overdue" { (lang.t(Text::Overdue)) } }
                        }
                        td {
                            @if let Some(href) = page_of(&a.kind, &a.id) {
                                a href=(href) { (kind_label(&a.kind, lang)) }
                            } @else {
                                (kind_label(&a.kind, lang)) " " small { (a.id) }
                            }
                        }
                        td { (item.row.company_name) }
                        td { (state_label(&a.kind, &a.state, lang)) }
                        td { (item.actions.join(", ")) }
                    }
                } }
            }
        }
    };
    ok(page(&ctx, lang.t(Text::InboxTitle), Marked::Plain, body))
}
