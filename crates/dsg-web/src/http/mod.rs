//! HTTP: routes, middleware and the mapping of errors to status codes.

pub mod access_review;
pub mod alerts;
pub mod api;
pub mod applications;
pub mod audit;
pub mod changes;
pub mod compliance;
pub mod context;
pub mod contract_end;
pub mod cookies;
pub mod disposal;
pub mod download;
pub mod error;
pub mod extract;
pub mod guard;
pub mod helpdesk;
pub mod identity;
pub mod ledger;
pub mod memberships;
pub mod openapi;
pub mod participants;
pub mod policies;
pub mod proxy;
pub mod records;
pub mod refusals;
pub mod requests;
pub mod session;
pub mod terminals;
pub mod wire;
pub mod wire_views;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use dsg_app::App;

/// JSON and form bodies are small; uploads stream and have their own limits.
const SMALL_BODY_LIMIT: usize = 64 * 1024;
/// The largest body `PUT /api/v1/software-lists` can take while valid by
/// its schema: two lists of at most 2,000 entries, each at most 500
/// characters of text that a client may send as `\uXXXX` escapes (12 bytes for
/// a character beyond the BMP) plus its keys, and a note of at most 2,000
/// characters. A schema-valid request must never meet a 413; the session
/// guard refuses a caller without an operator's session before the body
/// is read.
const SOFTWARE_LISTS_BODY_LIMIT: usize = 2 * 2_000 * (500 * 12 + 64) + 2_000 * 12 + 1024;

/// Ready to serve: answers `ok` only while the audit log can be written
/// (every request needs it), else the JSON error `unavailable` (503), so a
/// load balancer stops sending requests that could only fail.
async fn healthz(
    axum::extract::State(app): axum::extract::State<App>,
) -> Result<&'static str, error::ApiError> {
    app.ready().await?;
    Ok("ok")
}

/// Every route under `/api/`, each with its operation in the API document:
/// a route is added here with `routes!` over a handler carrying its
/// `#[utoipa::path]`, so it cannot be served undocumented.
pub fn api_routes() -> OpenApiRouter<App> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(api::upload))
        .routes(routes!(api::upload_version))
        .layer(DefaultBodyLimit::disable());
    let software_lists = OpenApiRouter::new()
        .routes(routes!(applications::lists, applications::change_lists))
        .layer(DefaultBodyLimit::max(SOFTWARE_LISTS_BODY_LIMIT));
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(identity::login, api::logout))
        .routes(routes!(identity::second_factor))
        .routes(routes!(identity::login_webauthn_options))
        .routes(routes!(identity::step_up_options))
        .routes(routes!(identity::step_up))
        .routes(routes!(identity::start_enrolment))
        .routes(routes!(identity::passkey_options))
        .routes(routes!(identity::register_passkey))
        .routes(routes!(identity::totp_options))
        .routes(routes!(identity::register_totp))
        .routes(routes!(identity::authenticators))
        .routes(routes!(identity::remove_authenticator))
        .routes(routes!(identity::sessions))
        .routes(routes!(identity::revoke_other_sessions))
        .routes(routes!(identity::revoke_session))
        .routes(routes!(identity::login_history))
        .routes(routes!(identity::change_password))
        .routes(routes!(identity::renew_recovery_codes))
        .routes(routes!(identity::accounts))
        .routes(routes!(identity::reissue_enrolment_link))
        .routes(routes!(identity::request_reset))
        .routes(routes!(identity::account_status))
        .routes(routes!(identity::pending_resets))
        .routes(routes!(identity::approve_reset))
        .routes(routes!(identity::login_failures))
        .routes(routes!(terminals::list, terminals::register))
        .routes(routes!(terminals::reissue))
        .routes(routes!(terminals::change))
        .routes(routes!(policies::list, policies::propose))
        .routes(routes!(policies::show))
        .routes(routes!(policies::what_if))
        .routes(routes!(policies::change))
        .routes(routes!(policies::decision))
        .routes(routes!(access_review::compartment))
        .routes(routes!(access_review::person))
        .routes(routes!(terminals::report_posture))
        .routes(routes!(audit::search))
        .routes(routes!(audit::export))
        .routes(routes!(alerts::list))
        .routes(routes!(alerts::show))
        .routes(routes!(alerts::change))
        .routes(routes!(audit::proof))
        .routes(routes!(audit::extract))
        .routes(routes!(audit::grant_duty))
        .routes(routes!(audit::revoke_duty))
        .routes(routes!(records::company))
        .routes(routes!(records::roster_csv))
        .routes(routes!(records::submit_roster, records::remove_roster))
        .routes(routes!(records::confirm_roster))
        .routes(routes!(records::record_training))
        .routes(routes!(compliance::agency))
        .routes(routes!(compliance::company))
        .routes(routes!(compliance::attest))
        .routes(routes!(records::record_consent, records::withdraw_consent))
        .routes(routes!(records::designate_role))
        .routes(routes!(records::revoke_role))
        .routes(routes!(applications::file, applications::list))
        .routes(routes!(applications::show))
        .routes(routes!(applications::step))
        .routes(routes!(applications::inbox))
        .routes(routes!(memberships::file, memberships::list))
        .routes(routes!(memberships::inbox))
        .routes(routes!(memberships::show))
        .routes(routes!(memberships::show_notice))
        .routes(routes!(memberships::step))
        .routes(routes!(memberships::adjust))
        .routes(routes!(requests::file_terminal))
        .routes(routes!(requests::show_terminal))
        .routes(routes!(requests::step_terminal))
        .routes(routes!(requests::file_media))
        .routes(routes!(requests::show_media))
        .routes(routes!(requests::step_media))
        .routes(routes!(requests::media_list))
        .routes(routes!(requests::inbox))
        .routes(routes!(changes::file, changes::list))
        .routes(routes!(changes::show))
        .routes(routes!(changes::step))
        .routes(routes!(helpdesk::file, helpdesk::list))
        .routes(routes!(helpdesk::show))
        .routes(routes!(helpdesk::step))
        .routes(routes!(api::me))
        .routes(routes!(api::compartments))
        .routes(routes!(api::list_files))
        .routes(routes!(api::delete_file))
        .routes(routes!(api::versions))
        .routes(routes!(api::download))
        .routes(routes!(api::admin_overview))
        .routes(routes!(api::create_company))
        .routes(routes!(api::create_user))
        .routes(routes!(api::create_contract))
        .routes(routes!(api::open_compartment))
        .routes(routes!(api::handlers))
        .routes(routes!(api::designate, api::remove))
        .routes(routes!(participants::participants))
        .routes(routes!(disposal::disposals))
        .routes(routes!(disposal::record_disposal))
        .routes(routes!(disposal::confirm_disposal))
        .routes(routes!(ledger::ledger))
        .routes(routes!(ledger::open_items))
        .routes(routes!(ledger::add_item))
        .routes(routes!(ledger::record_event))
        .routes(routes!(ledger::permit))
        .routes(routes!(ledger::check))
        .routes(routes!(contract_end::contract_end))
        .routes(routes!(contract_end::request_extension))
        .routes(routes!(contract_end::decide_extension))
        .routes(routes!(contract_end::propose_close))
        .routes(routes!(contract_end::decide_close))
        .routes(routes!(
            participants::designate_participant,
            participants::remove_participant
        ))
        .routes(routes!(openapi::openapi))
        .layer(DefaultBodyLimit::max(SMALL_BODY_LIMIT))
        .merge(uploads)
        .merge(software_lists)
}

/// The whole application: API, UI and middleware.
pub fn router(app: App) -> Router {
    let (api, _) = api_routes().split_for_parts();
    let pages = Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::ui::routes())
        .layer(DefaultBodyLimit::max(SMALL_BODY_LIMIT));
    api.merge(pages)
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
