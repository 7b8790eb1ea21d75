//! The web UI: server-rendered pages (maud escapes everything), one small
//! script for uploads with a progress bar, no inline script, no CDN.

mod access_review;
mod accounts;
mod admin;
mod alerts;
mod applications;
mod assets;
mod audit;
mod audit_proof;
mod changes;
mod company_roles;
mod compliance;
mod consent;
mod disposal;
mod files_table;
mod form_error;
mod home;
mod hub;
mod i18n;
mod identity;
mod inbox;
mod labels;
mod layout;
mod ledger;
mod listing;
mod memberships;
mod message_catalogue;
mod messages;
mod notice;
mod pages;
mod participants;
mod policies;
mod records;
mod registers;
mod request_pages;
mod requests;
mod secret;
mod terminals;

use axum::routing::{get, post};
use axum::Router;

pub use i18n::{Lang, Text};
pub(crate) use layout::error_page;
pub use notice::{from_query as notice_of, Notice};

use dsg_app::App;

/// What a path segment keeps unescaped: RFC 3986's unreserved characters.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` as one path segment of a link or redirect: an id typed in the
/// address bar (`%0A`, `/`, `?`) stays inside its segment and never makes a
/// `Location` header the response cannot carry.
pub(crate) fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, SEGMENT).to_string()
}

/// The UI routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(pages::login_page).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route(
            "/login/verify",
            get(identity::verify_page).post(identity::verify_submit),
        )
        .route(
            "/enrol",
            get(identity::enrol_page).post(identity::enrol_submit),
        )
        .route("/enrol/authenticator", get(identity::authenticator_page))
        .route("/account/security", get(identity::security_page))
        .route(
            "/account/authenticators/{id}/remove",
            post(identity::remove_authenticator),
        )
        .route(
            "/account/sessions/revoke-others",
            post(identity::revoke_others),
        )
        .route(
            "/account/sessions/{id}/revoke",
            post(identity::revoke_session),
        )
        .route("/account/recovery-codes", post(identity::renew_codes))
        .route(
            "/step-up",
            get(identity::step_up_page).post(identity::step_up_submit),
        )
        .route("/admin/access", get(access_review::access_page))
        .route("/audit", get(audit::audit_page))
        .route("/audit/proofs/{seq}", get(audit_proof::proof_page))
        .route("/alerts", get(alerts::alerts_page))
        .route("/alerts/{id}", get(alerts::alert_page))
        .route("/alerts/{id}/{change}", post(alerts::change))
        .route(
            "/applications",
            get(applications::applications_page).post(applications::file),
        )
        .route(
            "/applications/software-lists",
            get(applications::lists_page),
        )
        .route("/inbox", get(inbox::inbox_page))
        .route("/applications/{id}", get(applications::application_page))
        .route("/applications/{id}/{action}", post(applications::step))
        .route(
            "/memberships",
            get(memberships::memberships_page).post(memberships::file),
        )
        .route("/memberships/{id}", get(memberships::membership_page))
        .route("/memberships/{id}/notice", get(memberships::notice_page))
        .route("/memberships/{id}/schedule", post(memberships::adjust))
        .route("/memberships/{id}/{action}", post(memberships::step))
        .route("/changes", get(changes::changes_page).post(changes::file))
        .route("/changes/{id}", get(changes::change_page))
        .route("/changes/{id}/{action}", post(changes::step))
        .route("/requests", get(requests::requests_page))
        .route("/requests/{kind}", post(requests::file))
        .route("/requests/{kind}/{id}", get(requests::request_page))
        .route("/requests/{kind}/{id}/{action}", post(requests::step))
        .route("/records", get(records::directory_page))
        .route("/compliance", get(compliance::home))
        .route("/compliance/agency", get(compliance::agency_page))
        .route(
            "/compliance/companies/{company}",
            get(compliance::company_page),
        )
        .route(
            "/compliance/companies/{company}/requirements/{requirement}",
            get(compliance::requirement_page),
        )
        .route(
            "/compliance/companies/{company}/attestations",
            post(compliance::attest),
        )
        .route("/records/{company}", get(records::company_page))
        .route("/records/{company}/roster", post(records::submit_roster))
        .route(
            "/records/{company}/roster/{user}/confirm",
            post(records::confirm_roster),
        )
        .route(
            "/records/{company}/roster/{user}/remove",
            post(records::remove_roster),
        )
        .route(
            "/records/{company}/training",
            post(records::record_training),
        )
        .route(
            "/records/{company}/roles",
            get(company_roles::roles_page).post(company_roles::designate),
        )
        .route(
            "/records/{company}/roles/{designation}/revoke",
            post(company_roles::revoke),
        )
        .route(
            "/records/{company}/consent",
            get(consent::consent_page).post(consent::record),
        )
        .route(
            "/records/{company}/consent/{user}/withdraw",
            post(consent::withdraw),
        )
        .route("/admin/accounts", get(accounts::accounts_page))
        .route(
            "/admin/accounts/{id}/{change}",
            post(accounts::account_action),
        )
        .route("/admin/resets/{id}/approve", post(accounts::approve_reset))
        .route(
            "/admin/terminals",
            get(terminals::terminals_page).post(terminals::register),
        )
        .route(
            "/admin/terminals/{id}/certificate",
            post(terminals::reissue),
        )
        .route("/admin/terminals/{id}/{change}", post(terminals::change))
        .route(
            "/admin/policies",
            get(policies::policies_page).post(policies::propose),
        )
        .route("/admin/policies/{version}", get(policies::version_page))
        .route("/admin/policies/{version}/what-if", post(policies::what_if))
        .route("/admin/policies/{version}/{change}", post(policies::change))
        .route("/lang/{code}", get(pages::set_lang))
        .route("/compartments/{cid}", get(pages::compartment))
        .route("/compartments/{cid}/disposals", get(disposal::page))
        .route("/compartments/{cid}/ledger", get(ledger::page))
        .route("/compartments/{cid}/ledger.csv", get(ledger::csv))
        .route("/compartments/{cid}/ledger/items", post(ledger::add))
        .route(
            "/compartments/{cid}/ledger/items/{iid}/events",
            post(ledger::event),
        )
        .route(
            "/compartments/{cid}/ledger/items/{iid}/permissions",
            post(ledger::permit),
        )
        .route(
            "/compartments/{cid}/ledger/items/{iid}/check",
            post(ledger::check),
        )
        .route(
            "/compartments/{cid}/files/{fid}/disposal",
            post(disposal::record),
        )
        .route(
            "/compartments/{cid}/disposals/{did}/confirm",
            post(disposal::confirm),
        )
        .route("/compartments/{cid}/files/{fid}", get(pages::file))
        .route(
            "/compartments/{cid}/files/{fid}/delete",
            post(pages::delete_file),
        )
        .route("/admin", get(admin::overview))
        .route(
            "/admin/companies",
            get(registers::companies_page).post(admin::create_company),
        )
        .route("/admin/companies/{id}", get(registers::company_page))
        .route(
            "/admin/companies/{id}/name",
            post(registers::rename_company),
        )
        .route(
            "/admin/users",
            get(registers::users_page).post(admin::create_user),
        )
        .route("/admin/users/{id}", get(registers::user_page))
        .route(
            "/admin/contracts",
            get(registers::contracts_page).post(admin::create_contract),
        )
        .route("/admin/contracts/{id}", get(admin::contract))
        .route(
            "/admin/contracts/{id}/compartment",
            post(admin::open_compartment),
        )
        .route("/admin/contracts/{id}/handlers", post(admin::designate))
        .route(
            "/admin/contracts/{id}/handlers/{uid}/remove",
            post(admin::remove),
        )
        .route(
            "/admin/contracts/{id}/participants",
            post(admin::designate_participant),
        )
        .route(
            "/admin/contracts/{id}/participants/{uid}/remove",
            post(participants::remove),
        )
        .route("/assets/app.js", get(assets::script))
        .route("/assets/app.css", get(assets::stylesheet))
        .route("/assets/fonts/{name}", get(assets::font))
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn a_segment_keeps_ids_and_escapes_the_rest() {
        assert_eq!(
            segment("0196f1e2-7a3b-7c00-8d9e-0123456789ab"),
            "0196f1e2-7a3b-7c00-8d9e-0123456789ab"
        );
        assert_eq!(segment("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(segment("x\n\t"), "x%0A%09");
        assert_eq!(segment("名簿"), "%E5%90%8D%E7%B0%BF");
    }
}
