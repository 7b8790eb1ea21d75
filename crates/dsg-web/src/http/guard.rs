//! Middleware every request passes: request id, security headers, session
//! resolution and the CSRF guard.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use dsg_crypto::ct_eq;

use super::context::{cookie, request_meta, IsTls, RequestIdExt, SESSION_COOKIE};
use super::error::error_response;
use dsg_app::{App, AppError, Caller, ClientCertificate};

/// Largest form body the CSRF guard reads to find the token.
const MAX_FORM_BYTES: usize = 64 * 1024;
/// The header API clients send the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field HTML forms send it in.
pub const CSRF_FIELD: &str = "csrf";

/// The pages' content security policy: no inline script, nothing foreign
/// (the web font is the gateway's own).
const PAGE_CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Gives each request an id (UUIDv7), echoed as `X-Request-Id`. Everything
/// logged while the request runs is inside its `request` span, so every log
/// line carries the id that its audit entries carry too.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let id = dsg_core::RequestId::new().to_string();
    req.extensions_mut().insert(RequestIdExt(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    let method = req.method().clone();
    // The path only: a query may hold a file name.
    let path = req.uri().path().to_owned();
    #[allow(
        clippy::disallowed_methods,
        reason = "a monotonic timer for the access log's duration; decides nothing"
    )]
    let started = std::time::Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            %method,
            path = %dsg_core::text::clip(&path, 200),
            status = response.status().as_u16(),
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "request"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Turns a panic anywhere below into the uniform JSON error and an audit
/// entry (`request.fault`), instead of a connection dropped without an
/// answer or a record. Panics are bugs: none should be reachable from a
/// request, and this makes one that is visible rather than silent.
pub async fn catch_panic(State(app): State<App>, req: Request, next: Next) -> Response {
    use futures::FutureExt;
    let path = req.uri().path().to_owned();
    let (parts, body) = req.into_parts();
    let meta = request_meta(&parts, &app);
    let req = Request::from_parts(parts, body);
    match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(request_id = %meta.request_id, panic = %what, "request panicked");
            if let Err(e) = app.record_request_fault(&meta, &path).await {
                tracing::error!(request_id = %meta.request_id, error = %e, "fault not recorded");
            }
            error_response(&AppError::Internal("request panicked".into()))
        }
    }
}

/// Adds the security headers to every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let tls = req.extensions().get::<IsTls>().is_some_and(|t| t.0);
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(PAGE_CSP));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    // Protected data must not linger in shared or browser caches.
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}

/// Resolves the session into a [`Caller`] and, for every state-changing
/// request, checks that it comes from this origin and carries the session's
/// CSRF token (header for API clients, form field for HTML forms). No
/// handler can opt out.
pub async fn session_and_csrf(State(app): State<App>, req: Request, next: Next) -> Response {
    match guard(&app, req).await {
        Ok(req) => next.run(req).await,
        Err(error) => error_response(&error),
    }
}

async fn guard(app: &App, req: Request) -> Result<Request, AppError> {
    let token = cookie(req.headers(), SESSION_COOKIE).map(str::to_owned);
    // The device first: the session is bound to it, and every audit entry
    // of the request names it.
    // One query reads the session and the fact generation; the device and
    // the user's facts are then read as of that generation.
    let certificate = req.extensions().get::<ClientCertificate>().cloned();
    let start = app
        .start_request(token.as_deref(), certificate.as_ref())
        .await?;
    let device = app.resolve_device_at(&start, certificate.as_ref()).await?;
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(device.clone());
    let meta = request_meta(&parts, app);
    let mut req = Request::from_parts(parts, body);
    let caller = app.resolve_session_at(start, &device, &meta).await?;
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        if !same_origin(&req) {
            tracing::warn!(path = %req.uri().path(), "cross-origin state change refused");
            return Err(AppError::CsrfRefused);
        }
        if let Caller::User(user) = &caller {
            req = check_csrf_token(req, &user.csrf_token).await?;
        }
    }
    req.extensions_mut().insert(caller);
    Ok(req)
}

/// Whether a state-changing request comes from this gateway's own pages.
///
/// Browsers send `Sec-Fetch-Site`, which pages cannot forge: it must say
/// `same-origin` (or `none`, a request the user started). Older browsers
/// send only `Origin`, which must then name this gateway. (`Origin: null`,
/// which Chromium sends on same-origin form posts under
/// `Referrer-Policy: no-referrer`, is accepted only with `Sec-Fetch-Site`.)
/// Clients that are not browsers send neither and rely on the CSRF token.
fn same_origin(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    // HTTP/2 carries the host in the URI's authority, HTTP/1.1 in `Host`.
    let host = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
    let Some(host) = host else {
        return false;
    };
    let tls = req.extensions().get::<IsTls>().is_some_and(|t| t.0);
    let expected = format!("{}://{host}", if tls { "https" } else { "http" });
    origin.as_bytes() == expected.as_bytes()
}

async fn check_csrf_token(req: Request, expected: &str) -> Result<Request, AppError> {
    if let Some(sent) = req.headers().get(CSRF_HEADER) {
        return if ct_eq(sent.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(AppError::CsrfRefused)
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::CsrfRefused);
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::Invalid("form too large".into()))?;
    let ok = form_urlencoded_pairs(&bytes)
        .any(|(k, v)| k == CSRF_FIELD && ct_eq(v.as_bytes(), expected.as_bytes()));
    if !ok {
        return Err(AppError::CsrfRefused);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn form_urlencoded_pairs(bytes: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    bytes.split(|b| *b == b'&').filter_map(|pair| {
        let text = std::str::from_utf8(pair).ok()?;
        let (k, v) = text.split_once('=').unwrap_or((text, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .ok()
                .map(|c| c.into_owned())
        };
        Some((decode(k)?, decode(v)?))
    })
}
