//! HTTP: routes, middleware and the mapping of errors to status codes.

pub mod api;
pub mod context;
pub mod download;
pub mod error;
pub mod guard;
pub mod session;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::Router;

pub use error::error_code;

use crate::app::App;

/// JSON and form bodies are small; uploads stream and have their own limits.
const SMALL_BODY_LIMIT: usize = 64 * 1024;

const OPENAPI: &str = include_str!("../../assets/openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn healthz() -> &'static str {
    "ok"
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
        .route("/api/v1/session", post(api::login).delete(api::logout))
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
        .layer(from_fn(guard::security_headers))
        .layer(from_fn(guard::request_id))
        .with_state(app)
}
