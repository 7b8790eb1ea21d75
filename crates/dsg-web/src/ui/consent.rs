//! `/records/{company}/consent`: the protected-system users' written consent
//! (第5-2(2)ア) to the three items, with the day each was signed. The
//! company's security administrator (or the agency on its behalf) records
//! and withdraws it; where the deployment requires it, the policy point
//! lets nobody without it reach data.

use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use dsg_app::{CompanyRecords, PersonRecords, RecordsRead};
use dsg_core::SystemUseConsent;
use maud::{html, Markup};
use serde::Deserialize;

use super::form_error::{about_input, beside, described, invalid, kept, Failed};
use super::identity::step_up_or_error;
use super::layout::{confirmed, csrf_field, error_page, ok, page_in, Confirm, Marked};
use super::notice::{done, Notice};
use super::Text;
use crate::http::context::Ctx;

const F_CONSENT: &str = "consent-form";

/// The three items, as the form names them.
const ITEMS: [(&str, Text); 3] = [
    ("protected_system", Text::ConsentItemProtected),
    ("monitored", Text::ConsentItemMonitored),
    ("liability", Text::ConsentItemLiability),
];

fn state(p: &PersonRecords) -> (&'static str, Text) {
    match &p.consent {
        Some(c) if c.consented => ("consented", Text::ConsentInForce),
        Some(_) => ("withdrawn", Text::ConsentWithdrawnState),
        None => ("none", Text::ConsentNone),
    }
}

fn row(ctx: &Ctx, records: &CompanyRecords, p: &PersonRecords) -> Markup {
    let lang = ctx.lang;
    let (state, label) = state(p);
    html! {
        tr class="consent-row" data-user=(p.user_id) data-username=(p.username) data-state=(state) {
            td { (p.display_name) br; small { (p.username) } }
            td class="consent-state" { (lang.t(label)) }
            @if let Some(c) = &p.consent {
                td { (c.consent.signed_on) }
                td {
                    (ctx.zone().when(c.recorded_at))
                    @if let Some(at) = c.withdrawn_at {
                        br; small { (lang.t(Text::ConsentWithdrawnState)) " " (ctx.zone().when(at)) }
                    }
                }
            } @else {
                td { "—" } td { "—" }
            }
            td { @if p.offers.withdraw_consent {
                (confirmed(ctx, &Confirm {
                    action: &format!("/records/{}/consent/{}/withdraw", records.company_id, p.user_id),
                    label: lang.t(Text::ConsentWithdraw),
                    class: "consent-withdraw",
                    warning: lang.t(Text::WarnConsentWithdraw),
                }, &html! {}))
            } }
        }
    }
}

fn form(ctx: &Ctx, records: &CompanyRecords, failed: Option<&Failed>) -> Markup {
    let lang = ctx.lang;
    let chosen = kept(failed, F_CONSENT, "user");
    // A fresh form has every item unticked: each is ticked for what the
    // signed document says.
    let ticked = |name: &str| kept(failed, F_CONSENT, name) == Some("on");
    html! {
        h2 { (lang.t(Text::ConsentRecordTitle)) }
        form method="post" action={ "/records/" (records.company_id) "/consent" } class="card" id=(F_CONSENT) {
            (csrf_field(ctx))
            label for="consent-user" { (lang.t(Text::Person)) }
            select name="user" id="consent-user" required
                aria-invalid=[invalid(failed, F_CONSENT, "user")]
                aria-describedby=[described(failed, F_CONSENT, "user")] {
                option value="" disabled selected[chosen.is_none()] { "—" }
                @for p in records.people.iter().filter(|p| p.offers.record_consent) {
                    option value=(p.user_id) selected[chosen == Some(p.user_id.as_str())] {
                        (p.display_name) " (" (p.username) ")"
                    }
                }
            }
            (beside(failed, F_CONSENT, "user"))
            fieldset id="consent-items"
                aria-describedby=[described(failed, F_CONSENT, "items")] {
                legend { (lang.t(Text::ConsentItems)) }
                @for (name, label) in ITEMS {
                    // The box inside its label: the two stay on one line.
                    label class="check" for={ "consent-" (name) } {
                        input type="checkbox" name=(name) id={ "consent-" (name) } checked[ticked(name)];
                        " " (lang.t(label))
                    }
                }
            }
            (beside(failed, F_CONSENT, "items"))
            label for="consent-signed-on" { (lang.t(Text::SignedOn)) }
            input type="date" name="signed_on" id="consent-signed-on" required
                value=[kept(failed, F_CONSENT, "signed_on")]
                aria-invalid=[invalid(failed, F_CONSENT, "signed_on")]
                aria-describedby=[described(failed, F_CONSENT, "signed_on")];
            (beside(failed, F_CONSENT, "signed_on"))
            p { button type="submit" id="consent-submit" { (lang.t(Text::ConsentRecordButton)) } }
        }
    }
}

/// `GET /records/{company}/consent`
pub(super) async fn consent_page(ctx: Ctx, Path(company): Path<String>) -> Response {
    consent_with(&ctx, &company, None).await
}

async fn consent_with(ctx: &Ctx, company: &str, failed: Option<&Failed>) -> Response {
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
    let title = format!(
        "{} — {}",
        lang.t(Text::SystemUseConsents),
        records.company_name
    );
    let body = html! {
        p class="note" { (lang.t(Text::ConsentIntro)) }
        ul id="consent-items-list" { @for (_, label) in ITEMS { li { (lang.t(label)) } } }
        p id="consent-requirement" { (lang.t(Text::ConsentRequirement)) ": "
            strong { (if records.consent_required { lang.t(Text::Required) } else { lang.t(Text::NotRequired) }) } }
        div class="table-scroll" tabindex="0" {
            table id="consents" {
                thead { tr {
                    th { (lang.t(Text::Person)) } th { (lang.t(Text::Consent)) }
                    th { (lang.t(Text::SignedOn)) } th { (lang.t(Text::RecordedOn)) } th {}
                } }
                tbody { @for p in &records.people { (row(ctx, &records, p)) } }
            }
        }
        @if records.people.iter().any(|p| p.offers.record_consent) { (form(ctx, &records, failed)) }
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

/// The consent form: an unticked box is not sent.
#[derive(Debug, Deserialize)]
pub(super) struct ConsentForm {
    user: String,
    signed_on: String,
    #[serde(default)]
    protected_system: Option<String>,
    #[serde(default)]
    monitored: Option<String>,
    #[serde(default)]
    liability: Option<String>,
}

/// `POST /records/{company}/consent`
pub(super) async fn record(
    ctx: Ctx,
    Path(company): Path<String>,
    Form(form): Form<ConsentForm>,
) -> Response {
    let back = format!("/records/{}/consent", super::segment(&company));
    let consent = SystemUseConsent {
        signed_on: form.signed_on.clone(),
        protected_system: form.protected_system.is_some(),
        monitored: form.monitored.is_some(),
        liability: form.liability.is_some(),
    };
    let error = match ctx
        .app
        .record_consent(&ctx.meta, &ctx.caller, &form.user, &consent)
        .await
    {
        Ok(()) => return done(&back, Notice::ConsentRecorded),
        Err(e) if about_input(&e) => e,
        Err(e) => return step_up_or_error(&ctx, e, &back),
    };
    let on = |v: &Option<String>| if v.is_some() { "on" } else { "" }.to_owned();
    let values = vec![
        ("user", form.user.clone()),
        ("signed_on", form.signed_on.clone()),
        ("protected_system", on(&form.protected_system)),
        ("monitored", on(&form.monitored)),
        ("liability", on(&form.liability)),
    ];
    let fields: &[(&str, &[&str])] = &[
        ("items", &["consent"]),
        ("signed_on", &["signed_on"]),
        ("user", &["user"]),
    ];
    let failed = Failed::new(&ctx, F_CONSENT, &error, values, fields);
    consent_with(&ctx, &company, Some(&failed)).await
}

/// `POST /records/{company}/consent/{user}/withdraw`
pub(super) async fn withdraw(ctx: Ctx, Path((company, user)): Path<(String, String)>) -> Response {
    let back = format!("/records/{}/consent", super::segment(&company));
    match ctx
        .app
        .withdraw_consent(&ctx.meta, &ctx.caller, &user)
        .await
    {
        Ok(()) => done(&back, Notice::ConsentWithdrawn),
        Err(e) => step_up_or_error(&ctx, e, &back),
    }
}
