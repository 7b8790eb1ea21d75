//! Refusals that no handler writes: requests too large in their head, and
//! the framework's own answers (unknown path, wrong method, a body its
//! extractors refused). On `/api/` paths every one of them is the one JSON
//! error shape; pages keep their own.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{code_for_status, Rejected};

/// Longest path and query a request may have. Far above any path of the
/// gateway (and below hyper's own limit, which answers without a body).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest header section, counted as HTTP/2 does (name, value and 32
/// bytes per field). The listener lets larger ones through to here (see
/// `crate::tls`), so that the answer is ours.
pub const MAX_HEADER_BYTES: usize = 24 * 1024;
/// Most header fields a request may carry.
pub const MAX_HEADER_FIELDS: usize = 100;

/// Largest framework error body read to pass its text on.
const MAX_PLAIN_ERROR_BYTES: usize = 4 * 1024;

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 32)
        .sum()
}

/// Refuses requests whose URI or header section is over the limits, with
/// 414 or 431 in the JSON error shape, before anything else reads them.
pub async fn request_limits(req: Request, next: Next) -> Response {
    let uri_bytes = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return Rejected::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the path and query may be at most {MAX_URI_BYTES} bytes"),
        )
        .into_response();
    }
    let headers = req.headers();
    if headers.len() > MAX_HEADER_FIELDS || header_bytes(headers) > MAX_HEADER_BYTES {
        return Rejected::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("at most {MAX_HEADER_FIELDS} header fields of {MAX_HEADER_BYTES} bytes in all"),
        )
        .into_response();
    }
    next.run(req).await
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"))
}

/// On `/api/` paths, turns every error answer that is not already the JSON
/// error shape (axum's plain-text rejections, the empty 404 and 405) into
/// it, keeping the status and headers such as `Allow`. A plain-text reason
/// becomes the message.
pub async fn api_errors_as_json(req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let response = next.run(req).await;
    let status = response.status();
    if !api || !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = to_bytes(body, MAX_PLAIN_ERROR_BYTES)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .filter(|text| !text.trim().is_empty() && !text.trim_start().starts_with('<'));
    let rejected = match text {
        Some(text) => Rejected::new(status, code_for_status(status), text),
        None => Rejected::from_status(status),
    };
    let json = rejected.into_response();
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH] {
        parts.headers.remove(&name);
    }
    let (json_parts, json_body) = json.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, json_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bytes_count_as_http2_does() {
        let mut headers = HeaderMap::new();
        headers.insert("x-a", "12345".parse().unwrap());
        assert_eq!(header_bytes(&headers), 3 + 5 + 32);
    }

    #[test]
    fn only_api_paths_are_api() {
        assert!(is_api("/api/v1/me"));
        assert!(is_api("/api"));
        assert!(!is_api("/apis"));
        assert!(!is_api("/admin"));
    }
}
