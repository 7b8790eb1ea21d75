//! The operators' terminal register: registration with certificate issue,
//! quarantine, release, revocation and re-issue.

use axum::extract::{Path, Query};
use axum::response::Response;
use axum::Form;
use base64::Engine as _;
use maud::html;
use serde::Deserialize;

use super::form_error::{answer, field, Control, Failed, Field};
use super::identity::step_up_or_error;
use super::labels::Label;
use super::layout::{
    badge, confirmed, csrf_field, error_page, ok, page, page_in, Confirm, Marked, Tone,
};
use super::listing::{list, ListQuery, Sort, SortKey};
use super::notice::{done, Notice};
use super::secret::{secret_box, Secret};
use super::Text;
use crate::http::context::Ctx;
use dsg_app::{AppError, NewTerminal, RegisteredTerminal, TerminalChange, TerminalView};

const BACK: &str = "/admin/terminals";

fn status_tone(status: dsg_core::TerminalStatus) -> Tone {
    match status {
        dsg_core::TerminalStatus::Active => Tone::Success,
        dsg_core::TerminalStatus::Quarantined => Tone::Warning,
        dsg_core::TerminalStatus::Revoked => Tone::Danger,
    }
}

/// `GET /admin/terminals`
pub(super) async fn terminals_page(ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    terminals_view(&ctx, &q, None).await
}

const F_REGISTER: &str = "register-terminal";

/// The register; after a refused registration, its form as typed with the
/// message beside the field.
async fn terminals_view(ctx: &Ctx, query: &ListQuery, failed: Option<&Failed>) -> Response {
    let ctx = ctx.clone();
    let lang = ctx.lang;
    let terminals = match ctx.app.terminals(&ctx.meta, &ctx.caller).await {
        Ok(t) => t,
        Err(e) => return error_page(&ctx, e),
    };
    let companies = match ctx.app.admin_overview(&ctx.meta, &ctx.caller).await {
        Ok(o) => o.companies,
        Err(e) => return error_page(&ctx, e),
    };
    let company_options: Vec<(String, String)> = companies
        .iter()
        .map(|c| (c.id.to_string(), c.name.clone()))
        .collect();
    let offers = ctx.app.admin_offers(&ctx.caller);
    let action = |id: &dsg_core::TerminalId, what: &str, label: Text| {
        html! {
            form method="post" action={ "/admin/terminals/" (id) "/" (what) } class="inline" {
                (csrf_field(&ctx))
                input type="text" name="reason" placeholder=(lang.t(Text::ReasonOptional)) maxlength="500";
                button type="submit" class={ "terminal-" (what) } { (lang.t(label)) }
            }
        }
    };
    let revoke = |id: &dsg_core::TerminalId| {
        confirmed(
            &ctx,
            &Confirm {
                action: &format!("/admin/terminals/{id}/revoke"),
                label: lang.t(Text::RevokeTerminal),
                class: "terminal-revoke",
                warning: lang.t(Text::WarnRevokeTerminal),
            },
            &html! {
                input type="text" name="reason" placeholder=(lang.t(Text::ReasonOptional)) maxlength="500";
            },
        )
    };
    let by_name = |v: &TerminalView| SortKey::Text(v.terminal.name.to_string());
    let by_company = |v: &TerminalView| SortKey::Text(v.company_name.clone());
    let by_site = |v: &TerminalView| SortKey::Text(v.terminal.site.to_string());
    let by_serial = |v: &TerminalView| SortKey::Text(v.terminal.serial.to_string());
    let by_status = |v: &TerminalView| SortKey::Text(v.terminal.status.label(lang).to_owned());
    let by_seen = |v: &TerminalView| SortKey::Number(v.terminal.last_seen_at.unwrap_or(0));
    let text = |v: &TerminalView| {
        format!(
            "{} {} {} {} {}",
            v.terminal.name,
            v.company_name,
            v.terminal.site,
            v.terminal.serial,
            v.terminal.status.label(lang)
        )
    };
    let listed = list(
        query,
        &terminals,
        &text,
        &[
            Sort {
                key: "name",
                by: &by_name,
            },
            Sort {
                key: "company",
                by: &by_company,
            },
            Sort {
                key: "site",
                by: &by_site,
            },
            Sort {
                key: "serial",
                by: &by_serial,
            },
            Sort {
                key: "status",
                by: &by_status,
            },
            Sort {
                key: "seen",
                by: &by_seen,
            },
        ],
        ("company", false),
    );
    let body = html! {
        (listed.search(lang, BACK, "terminals"))
        div class="table-scroll" tabindex="0" {
            table id="terminals" {
                thead { tr {
                    (listed.header(BACK, "name", lang.t(Text::TerminalName)))
                    (listed.header(BACK, "company", lang.t(Text::Company)))
                    (listed.header(BACK, "site", lang.t(Text::Site)))
                    (listed.header(BACK, "serial", lang.t(Text::Serial)))
                    (listed.header(BACK, "status", lang.t(Text::State)))
                    th { (lang.t(Text::CertificateUntil)) }
                    (listed.header(BACK, "seen", lang.t(Text::LastSeen)))
                    th { (lang.t(Text::Posture)) } th { (lang.t(Text::Connections)) } th {}
                } }
                tbody {
                    @for v in &listed.rows {
                        @let t = &v.terminal;
                        tr class="terminal-row" data-id=(t.id) data-serial=(t.serial) data-status=(t.status.as_str()) {
                            td { (t.name) }
                            td { (v.company_name) }
                            td { (t.site) }
                            td { (t.serial) }
                            td class="status" { (badge(status_tone(t.status), t.status.label(lang))) @if !t.status_reason.is_empty() { br; small { (t.status_reason) } } }
                            td { (t.cert_not_after.map(|t| ctx.zone().last_day(t)).unwrap_or_default()) }
                            td { (t.last_seen_at.map(|t| ctx.zone().last_day(t)).unwrap_or_default()) }
                            td class="posture" data-compliant=(t.posture_compliant.map_or("none", |c| if c { "yes" } else { "no" })) {
                                @match (t.posture_reported_at, t.posture_compliant) {
                                    (Some(at), Some(true)) => { (lang.t(Text::PostureOk)) br; small { (ctx.zone().when(at)) } }
                                    (Some(at), _) => { span class="error" { (lang.t(Text::PostureNotOk)) } br; small { (ctx.zone().when(at)) } }
                                    (None, _) => { small { (lang.t(Text::PostureNone)) } }
                                }
                            }
                            td { (v.open_connections) }
                            td {
                                @match t.status {
                                    dsg_core::TerminalStatus::Active => {
                                        @if offers.quarantine_terminal { (action(&t.id, "quarantine", Text::Quarantine)) }
                                        @if offers.revoke_terminal { (revoke(&t.id)) }
                                        @if offers.register_terminal {
                                            form method="post" action={ "/admin/terminals/" (t.id) "/certificate" } class="inline" {
                                                (csrf_field(&ctx))
                                                button type="submit" class="terminal-certificate" { (lang.t(Text::NewCertificate)) }
                                            }
                                        }
                                    }
                                    dsg_core::TerminalStatus::Quarantined => {
                                        @if offers.release_terminal { (action(&t.id, "release", Text::Release)) }
                                        @if offers.revoke_terminal { (revoke(&t.id)) }
                                    }
                                    dsg_core::TerminalStatus::Revoked => {}
                                }
                            }
                        }
                    }
                }
            }
        }
        (listed.pager(lang, BACK, "terminals"))
        @if offers.register_terminal {
        h2 { (lang.t(Text::RegisterTerminal)) }
        form method="post" action="/admin/terminals" class="card" id="register-terminal" {
            (csrf_field(&ctx))
            (field(failed, &Field { form: F_REGISTER, name: "company_id", id: "company_id", label: lang.t(Text::Company),
                control: Control::Select { options: &company_options, choose: false }, required: true, max: None }))
            @for (name, label) in [("name", Text::TerminalName), ("site", Text::Site), ("serial", Text::Serial)] {
                (field(failed, &Field { form: F_REGISTER, name, id: name, label: lang.t(label),
                    control: Control::Input("text"), required: true, max: Some(64) }))
            }
            (field(failed, &Field { form: F_REGISTER, name: "csr_pem", id: "csr_pem", label: lang.t(Text::CsrOptional),
                control: Control::Area(4), required: false, max: None }))
            button type="submit" { (lang.t(Text::RegisterTerminal)) }
        }
        }
        p { a href="/admin" { (lang.t(Text::Admin)) } }
    };
    answer(
        failed,
        page_in(
            &ctx,
            &[("/", lang.t(Text::Home)), ("/admin", lang.t(Text::Admin))],
            lang.t(Text::Terminals),
            Marked::Plain,
            body,
        ),
    )
}

/// The registration form.
#[derive(Deserialize)]
pub(super) struct RegisterForm {
    company_id: String,
    name: String,
    site: String,
    serial: String,
    #[serde(default)]
    csr_pem: String,
}

/// `POST /admin/terminals`
pub(super) async fn register(ctx: Ctx, Form(form): Form<RegisterForm>) -> Response {
    let input = NewTerminal {
        company_id: form.company_id.clone(),
        name: form.name.clone(),
        site: form.site.clone(),
        serial: form.serial.clone(),
        csr_pem: Some(form.csr_pem.clone()),
    };
    match ctx
        .app
        .register_terminal(&ctx.meta, &ctx.caller, input)
        .await
    {
        Ok(issued) => issued_page(&ctx, &issued),
        Err(e) => {
            let values = vec![
                ("company_id", form.company_id),
                ("name", form.name),
                ("site", form.site),
                ("serial", form.serial),
                ("csr_pem", form.csr_pem),
            ];
            let fields: &[(&str, &[&str])] = &[
                ("name", &["name", "terminal name"]),
                ("serial", &["serial", "terminal serial number"]),
                ("site", &["site"]),
                ("csr_pem", &["certificate request", "csr", "CSR"]),
                ("company_id", &["company"]),
            ];
            match Failed::of(&ctx, F_REGISTER, e, values, fields) {
                Ok(failed) => terminals_view(&ctx, &ListQuery::default(), Some(&failed)).await,
                Err(e) => step_up_or_error(&ctx, e, BACK),
            }
        }
    }
}

/// `POST /admin/terminals/{id}/certificate`
pub(super) async fn reissue(ctx: Ctx, Path(id): Path<String>) -> Response {
    match ctx
        .app
        .reissue_terminal_certificate(&ctx.meta, &ctx.caller, &id, None)
        .await
    {
        Ok(issued) => issued_page(&ctx, &issued),
        Err(e) => step_up_or_error(&ctx, e, BACK),
    }
}

/// The status-change form.
#[derive(Deserialize)]
pub(super) struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// `POST /admin/terminals/{id}/{quarantine|release|revoke}`
pub(super) async fn change(
    ctx: Ctx,
    Path((id, what)): Path<(String, String)>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let change = match what.as_str() {
        "quarantine" => TerminalChange::Quarantine,
        "release" => TerminalChange::Release,
        "revoke" => TerminalChange::Revoke,
        _ => return error_page(&ctx, AppError::NotFound),
    };
    match ctx
        .app
        .change_terminal(&ctx.meta, &ctx.caller, &id, change, &form.reason)
        .await
    {
        Ok(_) => done(BACK, Notice::TerminalChanged),
        Err(e) => step_up_or_error(&ctx, e, BACK),
    }
}

/// Shows a new certificate once: the PKCS#12 download and its password, or
/// the certificate for a CSR.
fn issued_page(ctx: &Ctx, issued: &RegisteredTerminal) -> Response {
    let lang = ctx.lang;
    let t = &issued.terminal;
    let p12 = issued
        .pkcs12
        .as_ref()
        .map(|b| base64::engine::general_purpose::STANDARD.encode(b));
    let file = format!(
        "dsg-terminal-{}.p12",
        t.serial
            .as_str()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    let body = html! {
        div class="card" id="terminal-issued" data-id=(t.id) {
            p { strong { (t.name) } " — " (t.serial) }
            @if let (Some(p12), Some(password)) = (&p12, &issued.pkcs12_password) {
                p { a id="pkcs12-download" class="button" download=(file) href={ "data:application/x-pkcs12;base64," (p12) } { (lang.t(Text::Pkcs12Download)) } }
                (secret_box(lang, &Secret {
                    id: "pkcs12-password",
                    label: lang.t(Text::Pkcs12Password),
                    text: password.expose(),
                    file: &format!("{}.password.txt", file.trim_end_matches(".p12")),
                    path: None,
                }))
            } @else {
                p { (lang.t(Text::CertificatePem)) }
                pre id="certificate-pem" class="wrap" { (issued.certificate_pem) }
            }
        }
        p { a href=(BACK) { (lang.t(Text::Terminals)) } }
    };
    ok(page(ctx, lang.t(Text::TerminalIssued), Marked::Plain, body))
}
