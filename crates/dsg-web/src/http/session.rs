//! The session cookie.

use dsg_crypto::SecretString;

use super::context::SESSION_COOKIE;

/// `Set-Cookie` for a new session: host-only, Secure, HttpOnly, SameSite=Strict.
/// No Max-Age: the server ends sessions (idle and absolute limits).
pub fn session_cookie(token: &SecretString) -> String {
    format!(
        "{SESSION_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict",
        token.expose()
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}
