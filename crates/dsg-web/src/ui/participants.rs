//! The agency participants of a contract, on the operator's contract page:
//! the agency's own staff designated on it.

use axum::extract::Path;
use axum::response::Response;
use axum::Form;
use dsg_app::AdminOverview;
use dsg_core::{CompanyKind, Contract, UserId};
use maud::{html, Markup};

use super::layout::{confirmed, csrf_field, Confirm};
use super::notice::{done, Notice};
use super::Text;
use crate::http::context::Ctx;

/// A designated participant: their id, login name and shown name.
pub(super) type Participant = (UserId, String, String);

/// The section: who is designated, and the form to designate another of
/// the agency's staff.
pub(super) fn section(
    ctx: &Ctx,
    contract: &Contract,
    participants: &[Participant],
    registers: &AdminOverview,
) -> Markup {
    let lang = ctx.lang;
    let agency = |company| {
        registers
            .companies
            .iter()
            .any(|c| c.id == company && c.kind == CompanyKind::Agency)
    };
    let candidates: Vec<_> = registers
        .users
        .iter()
        .filter(|u| agency(u.company_id) && !participants.iter().any(|(id, _, _)| *id == u.id))
        .collect();
    html! {
        h2 { (lang.t(Text::AgencyParticipants)) }
        p class="help" { (lang.t(Text::AgencyParticipantsHelp)) }
        div class="table-scroll" tabindex="0" {
            table id="participants" {
                thead { tr { th { (lang.t(Text::Username)) } th { (lang.t(Text::DisplayName)) } th {} } }
                tbody { @for (user_id, username, display_name) in participants { tr {
                    td { (username) } td { (display_name) }
                    td { (confirmed(ctx, &Confirm {
                        action: &format!("/admin/contracts/{}/participants/{}/remove", contract.id, user_id),
                        label: lang.t(Text::Remove),
                        class: "participant-remove",
                        warning: lang.t(Text::WarnRemoveParticipant),
                    }, &html! {})) }
                } } }
            }
        }
        @if !candidates.is_empty() {
            form method="post" action={ "/admin/contracts/" (contract.id) "/participants" } class="card" id="participant-form" {
                (csrf_field(ctx))
                label for="participant-user" { (lang.t(Text::Person)) }
                select name="user_id" id="participant-user" required { @for u in &candidates { option value=(u.id) { (u.display_name) " (" (u.username) ")" } } }
                p { button type="submit" { (lang.t(Text::Designate)) } }
            }
        }
    }
}

/// `POST /admin/contracts/{id}/participants`
pub(super) async fn designate(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<DesignateForm>,
) -> Response {
    let back = format!("/admin/contracts/{}", super::segment(&id));
    match ctx
        .app
        .designate_participant(&ctx.meta, &ctx.caller, &id, &f.user_id)
        .await
    {
        Ok(()) => done(&back, Notice::ParticipantDesignated),
        Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
    }
}

/// `POST /admin/contracts/{id}/participants/{uid}/remove`
pub(super) async fn remove(ctx: Ctx, Path((id, uid)): Path<(String, String)>) -> Response {
    let back = format!("/admin/contracts/{}", super::segment(&id));
    match ctx
        .app
        .remove_participant(&ctx.meta, &ctx.caller, &id, &uid)
        .await
    {
        Ok(()) => done(&back, Notice::ParticipantRemoved),
        Err(e) => super::identity::step_up_or_error(&ctx, e, &back),
    }
}

/// The form that designates a person, as a handler or as an agency
/// participant: the person's id.
#[derive(serde::Deserialize)]
pub(super) struct DesignateForm {
    pub(super) user_id: String,
}
