//! Per-request context: who is calling, from where, in which language.

use std::net::{IpAddr, SocketAddr};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::ui::{Lang, Notice};
use dsg_app::{App, Caller, RequestMeta};

/// The TCP peer of a connection, set by the listener.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

/// Whether the connection is TLS, set by the listener.
#[derive(Debug, Clone, Copy)]
pub struct IsTls(pub bool);

/// The request id, set by the first middleware.
#[derive(Debug, Clone)]
pub struct RequestIdExt(pub String);

pub use super::cookies::{cookie, LANG_COOKIE, SESSION_COOKIE};

/// Set by the proxy listener on each request of a connection from the
/// authenticated proxy (see `http/proxy.rs`).
#[derive(Debug, Clone, Copy)]
pub struct ThroughProxy;

/// Everything a handler needs about the request.
#[derive(Clone)]
pub struct Ctx {
    /// The application.
    pub app: App,
    /// Who is calling (resolved once per request by the session middleware).
    pub caller: Caller,
    /// Request id and client address for audit entries.
    pub meta: RequestMeta,
    /// UI language.
    pub lang: Lang,
    /// What the action before this page did (`?done=`), to say so.
    pub notice: Option<Notice>,
}

impl FromRequestParts<App> for Ctx {
    type Rejection = super::error::ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let caller = parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or(Caller::Anonymous);
        Ok(Self {
            app: app.clone(),
            caller,
            meta: request_meta(parts, app),
            lang: Lang::from_headers(&parts.headers),
            notice: crate::ui::notice_of(parts.uri.query()),
        })
    }
}

/// Request id and trusted client address.
pub fn request_meta(parts: &Parts, app: &App) -> RequestMeta {
    let request_id = parts
        .extensions
        .get::<RequestIdExt>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| dsg_core::RequestId::new().to_string());
    let peer = parts.extensions.get::<PeerAddr>().map(|p| p.0.ip());
    // The proxy listener's peer is the proxy, authenticated by mTLS: its
    // `X-Forwarded-For` is believed.
    let through_proxy = parts.extensions.get::<ThroughProxy>().is_some();
    RequestMeta {
        request_id,
        source: peer.map(|ip| {
            if through_proxy {
                client_ip(ip, &parts.headers, &[ip]).to_string()
            } else {
                client_ip(ip, &parts.headers, &app.config().server.trusted_proxies).to_string()
            }
        }),
        user_agent: dsg_app::short_user_agent(
            parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok()),
        ),
        terminal: parts
            .extensions
            .get::<dsg_app::Device>()
            .and_then(|d| d.terminal_id()),
        certificate: parts
            .extensions
            .get::<dsg_app::ClientCertificate>()
            .map(|c| c.fingerprint.clone()),
    }
}

/// The client address: the TCP peer, unless the peer is a configured
/// trusted proxy, in which case the last address it appended to
/// `X-Forwarded-For`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_ip(stranger, &headers, &[proxy]), stranger);
        assert_eq!(
            client_ip(proxy, &headers, &[proxy]).to_string(),
            "198.51.100.7"
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            "a=1; __Host-dsg_session=tok; dsg_lang=en".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&headers, "dsg_session"), None);
    }
}
