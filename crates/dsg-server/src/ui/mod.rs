//! The web UI: server-rendered pages (maud escapes everything), one small
//! script for uploads with a progress bar, no inline script, no CDN.

mod admin;
mod i18n;
mod layout;
mod pages;

use axum::routing::{get, post};
use axum::Router;

pub use i18n::{Lang, Text};

use crate::app::App;

/// The UI routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_page).post(pages::login_submit))
        .route("/logout", post(pages::logout))
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
