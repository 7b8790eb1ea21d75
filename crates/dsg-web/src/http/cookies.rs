//! Cookies: their names and how one is read from the request headers.
//! Shared by the session guard, the request context and the UI's language
//! choice, so none of them imports another for it.

use axum::http::HeaderMap;

/// The name of the session cookie. `__Host-` makes browsers refuse it
/// unless it is Secure, has no Domain and has Path=/.
pub const SESSION_COOKIE: &str = "__Host-dsg_session";
/// The language preference cookie.
pub const LANG_COOKIE: &str = "dsg_lang";

/// The value of one cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
