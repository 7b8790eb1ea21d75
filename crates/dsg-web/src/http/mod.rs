//! HTTP: routes, middleware and the mapping of errors to status codes.

pub mod access_review;
pub mod alerts;
pub mod api;
pub mod audit;
pub mod context;
pub mod cookies;
pub mod download;
pub mod error;
pub mod extract;
pub mod guard;
pub mod identity;
pub mod policies;
pub mod proxy;
pub mod records;
pub mod refusals;
pub mod session;
pub mod terminals;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::Router;

use dsg_app::App;

/// JSON and form bodies are small; uploads stream and have their own limits.
const SMALL_BODY_LIMIT: usize = 64 * 1024;

const OPENAPI: &str = include_str!("../../assets/openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Ready to serve: answers `ok` only while the audit log can be written
/// (every request needs it), else the JSON error `unavailable` (503), so a
/// load balancer stops sending requests that could only fail.
async fn healthz(
    axum::extract::State(app): axum::extract::State<App>,
) -> Result<&'static str, error::ApiError> {
    app.ready().await?;
    Ok("ok")
}

/// The whole application: API, UI and middleware.
pub fn router(app: App) -> Router {
    let uploads = Router::new()
        .route("/api/v1/compartments/{cid}/files", post(api::upload))
        .route(
            "/api/v1/compartments/{cid}/files/{fid}/versions",
            post(api::upload_version),
        )
        .layer(DefaultBodyLimit::disable());
    let api = Router::new()
        .route("/api/v1/session", post(identity::login).delete(api::logout))
        .route(
            "/api/v1/session/second-factor",
            post(identity::second_factor),
        )
        .route(
            "/api/v1/session/webauthn-options",
            post(identity::login_webauthn_options),
        )
        .route(
            "/api/v1/session/step-up/options",
            post(identity::step_up_options),
        )
        .route("/api/v1/session/step-up", post(identity::step_up))
        .route("/api/v1/enrolment", post(identity::start_enrolment))
        .route(
            "/api/v1/me/passkeys/options",
            post(identity::passkey_options),
        )
        .route("/api/v1/me/passkeys", post(identity::register_passkey))
        .route("/api/v1/me/totp/options", post(identity::totp_options))
        .route("/api/v1/me/totp", post(identity::register_totp))
        .route("/api/v1/me/authenticators", get(identity::authenticators))
        .route(
            "/api/v1/me/authenticators/{id}",
            axum::routing::delete(identity::remove_authenticator),
        )
        .route("/api/v1/me/sessions", get(identity::sessions))
        .route(
            "/api/v1/me/sessions/revoke-others",
            post(identity::revoke_other_sessions),
        )
        .route(
            "/api/v1/me/sessions/{id}",
            axum::routing::delete(identity::revoke_session),
        )
        .route("/api/v1/me/logins", get(identity::login_history))
        .route("/api/v1/me/password", put(identity::change_password))
        .route(
            "/api/v1/me/recovery-codes",
            post(identity::renew_recovery_codes),
        )
        .route("/api/v1/admin/accounts", get(identity::accounts))
        .route(
            "/api/v1/admin/accounts/{id}/enrolment-link",
            post(identity::reissue_enrolment_link),
        )
        .route(
            "/api/v1/admin/accounts/{id}/reset",
            post(identity::request_reset),
        )
        .route(
            "/api/v1/admin/accounts/{id}/{change}",
            post(identity::account_status),
        )
        .route("/api/v1/admin/resets", get(identity::pending_resets))
        .route(
            "/api/v1/admin/resets/{id}/approve",
            post(identity::approve_reset),
        )
        .route(
            "/api/v1/admin/login-failures",
            get(identity::login_failures),
        )
        .route(
            "/api/v1/admin/terminals",
            get(terminals::list).post(terminals::register),
        )
        .route(
            "/api/v1/admin/terminals/{id}/certificate",
            post(terminals::reissue),
        )
        .route(
            "/api/v1/admin/terminals/{id}/{change}",
            post(terminals::change),
        )
        .route(
            "/api/v1/admin/policies",
            get(policies::list).post(policies::propose),
        )
        .route("/api/v1/admin/policies/{version}", get(policies::show))
        .route(
            "/api/v1/admin/policies/{version}/what-if",
            post(policies::what_if),
        )
        .route(
            "/api/v1/admin/policies/{version}/{change}",
            post(policies::change),
        )
        .route(
            "/api/v1/admin/decisions/{event_id}",
            get(policies::decision),
        )
        .route(
            "/api/v1/admin/access/compartments/{id}",
            get(access_review::compartment),
        )
        .route(
            "/api/v1/admin/access/users/{id}",
            get(access_review::person),
        )
        .route("/api/v1/terminal/posture", post(terminals::report_posture))
        .route("/api/v1/audit/entries", get(audit::search))
        .route("/api/v1/audit/export", get(audit::export))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/alerts/{id}", get(alerts::show))
        .route("/api/v1/alerts/{id}/{change}", post(alerts::change))
        .route("/api/v1/audit/entries/{seq}/proof", get(audit::proof))
        .route("/api/v1/audit/companies/{id}/extract", get(audit::extract))
        .route("/api/v1/admin/users/{id}/duties", post(audit::grant_duty))
        .route(
            "/api/v1/admin/users/{id}/duties/{duty}",
            axum::routing::delete(audit::revoke_duty),
        )
        .route("/api/v1/records/companies/{id}", get(records::company))
        .route(
            "/api/v1/records/companies/{id}/roster.csv",
            get(records::roster_csv),
        )
        .route(
            "/api/v1/records/roster/{uid}",
            put(records::submit_roster).delete(records::remove_roster),
        )
        .route(
            "/api/v1/records/roster/{uid}/confirm",
            post(records::confirm_roster),
        )
        .route(
            "/api/v1/records/training/{uid}",
            post(records::record_training),
        )
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/compartments", get(api::compartments))
        .route("/api/v1/compartments/{cid}/files", get(api::list_files))
        .route(
            "/api/v1/compartments/{cid}/files/{fid}",
            axum::routing::delete(api::delete_file),
        )
        .route(
            "/api/v1/compartments/{cid}/files/{fid}/versions",
            get(api::versions),
        )
        .route(
            "/api/v1/compartments/{cid}/files/{fid}/content",
            get(api::download),
        )
        .route("/api/v1/admin/overview", get(api::admin_overview))
        .route("/api/v1/admin/companies", post(api::create_company))
        .route("/api/v1/admin/users", post(api::create_user))
        .route("/api/v1/admin/contracts", post(api::create_contract))
        .route(
            "/api/v1/admin/contracts/{id}/compartment",
            post(api::open_compartment),
        )
        .route("/api/v1/admin/contracts/{id}/handlers", get(api::handlers))
        .route(
            "/api/v1/admin/contracts/{id}/handlers/{uid}",
            put(api::designate).delete(api::remove),
        )
        .route("/api/v1/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .merge(crate::ui::routes())
        .layer(DefaultBodyLimit::max(SMALL_BODY_LIMIT));
    api.merge(uploads)
        .layer(from_fn_with_state(app.clone(), guard::session_and_csrf))
        // Outside the handlers and the session guard, inside the device
        // lookup: a panic below is answered and recorded with the request's
        // id, source and terminal.
        .layer(from_fn_with_state(app.clone(), guard::catch_panic))
        // Before the session guard: the device comes from the certificate.
        .layer(from_fn_with_state(app.clone(), proxy::terminal_certificate))
        .layer(from_fn(guard::security_headers))
        // Outside everything that answers: the framework's own refusals
        // (unknown path, wrong method, unreadable body) become JSON too.
        .layer(from_fn(refusals::api_errors_as_json))
        // Before any lookup: an oversized request head is refused at once.
        .layer(from_fn(refusals::request_limits))
        .layer(from_fn(guard::request_id))
        .with_state(app)
}
