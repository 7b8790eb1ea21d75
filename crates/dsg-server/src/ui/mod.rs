//! The web UI: server-rendered pages (maud escapes everything), one small
//! script for uploads with a progress bar, no inline script, no CDN.

mod access_review;
mod accounts;
mod admin;
mod alerts;
mod audit;
mod i18n;
mod identity;
mod layout;
mod pages;
mod policies;
mod records;
mod terminals;

use axum::routing::{get, post};
use axum::Router;

pub use i18n::{Lang, Text};
pub(crate) use layout::error_page;

use crate::app::App;

/// The UI routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(pages::home))
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
        .route("/alerts", get(alerts::alerts_page))
        .route("/alerts/{id}", get(alerts::alert_page))
        .route("/alerts/{id}/{change}", post(alerts::change))
        .route("/records", get(records::directory_page))
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
        .route("/compartments/{cid}/files/{fid}", get(pages::file))
        .route(
            "/compartments/{cid}/files/{fid}/delete",
            post(pages::delete_file),
        )
        .route("/admin", get(admin::overview))
        .route("/admin/companies", post(admin::create_company))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/contracts", post(admin::create_contract))
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
        .route("/assets/app.js", get(layout::script))
        .route("/assets/app.css", get(layout::stylesheet))
}
