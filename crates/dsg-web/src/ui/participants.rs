//! The agency participants of a contract, on the operator's contract page:
//! the agency's own staff designated on it.

use axum::extract::Path;
use axum::response::Response;
use dsg_app::AdminOverview;
use dsg_core::{CompanyKind, Contract, UserId};
use maud::{html, Markup};

use super::form_error::{field, kept, Control, Failed, Field};
use super::layout::{confirmed, csrf_field, Confirm};
use super::notice::{done, Notice};
use super::Text;
use crate::http::context::Ctx;

pub(super) const F_PARTICIPANT: &str = "participant-form";

/// A designated participant: their id, login name and shown name.
pub(super) type Participant = (UserId, String, String);

/// The section: who is designated, and the form to designate another of
/// the agency's staff.
pub(super) fn section(
    ctx: &Ctx,
    contract: &Contract,
    participants: &[Participant],
    registers: &AdminOverview,
    failed: Option<&Failed>,
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
    let options: Vec<(String, String)> = candidates
        .iter()
        .map(|u| {
            (
                u.id.to_string(),
                format!("{} ({})", u.display_name, u.username),
            )
        })
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
        @if !candidates.is_empty() || kept(failed, F_PARTICIPANT, "user_id").is_some() {
            form method="post" action={ "/admin/contracts/" (contract.id) "/participants" } class="card" id=(F_PARTICIPANT) {
                (csrf_field(ctx))
                (field(failed, &Field { form: F_PARTICIPANT, name: "user_id", id: "participant-user", label: lang.t(Text::Person),
                    control: Control::Select { options: &options, choose: true }, required: true, max: None }))
                p { button type="submit" { (lang.t(Text::Designate)) } }
            }
        }
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
