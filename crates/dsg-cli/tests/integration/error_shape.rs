//! Every refusal on an API path is the one JSON error shape
//! `{"error": {"code", "message"}}`, whichever layer raises it (the
//! framework's extractors, its routing, the request-head limits), over
//! HTTP/1.1 and HTTP/2 alike. Pages keep their own answers.

use reqwest::{Method, StatusCode, Version};
use serde_json::Value;

use crate::harness::{Db, Gateway};

const VERSIONS: [Version; 2] = [Version::HTTP_11, Version::HTTP_2];

/// Sends `req`; returns the status, the protocol spoken and the body as
/// JSON (`Null` when it is not JSON).
async fn answer(
    req: reqwest::RequestBuilder,
) -> (StatusCode, Version, reqwest::header::HeaderMap, Value) {
    let response = req.send().await.unwrap();
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        version,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Checks that `req` is refused with `status` and `code` in the JSON
/// error shape, over `version`; returns the response headers.
async fn assert_refused(
    req: reqwest::RequestBuilder,
    version: Version,
    status: StatusCode,
    code: &str,
) -> reqwest::header::HeaderMap {
    let (got, spoken, headers, body) = answer(req).await;
    let what = format!("{version:?} {status} {code}: {got} {body}");
    assert_eq!(spoken, version, "{what}");
    assert_eq!(got, status, "{what}");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{what}"
    );
    assert_eq!(body["error"]["code"], code, "{what}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{what}");
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["error"], "{what}");
    headers
}

#[tokio::test]
async fn unreadable_bodies_are_refused_as_json() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let url = format!("{}/api/v1/session", gw.base);
    for version in VERSIONS {
        let http = gw.http_client(version);
        let json = |body: &str| {
            http.post(&url)
                .header("content-type", "application/json")
                .body(body.to_owned())
        };
        assert_refused(
            json("{\"username\": "),
            version,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        )
        .await;
        assert_refused(
            json("{\"username\": 7, \"password\": []}"),
            version,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        )
        .await;
        assert_refused(
            http.post(&url)
                .header("content-type", "text/plain")
                .body("username=operator"),
            version,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
        // Over the 64 KiB limit of JSON bodies: answered, not reset.
        let big = format!(
            "{{\"username\": \"{}\", \"password\": \"x\"}}",
            "a".repeat(100 * 1024)
        );
        assert_refused(
            json(&big),
            version,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        )
        .await;
        // The connection still serves the right request afterwards.
        let (status, _, _, body) = answer(http.post(&url).json(&serde_json::json!({
            "username": "operator", "password": gw.operator_password
        })))
        .await;
        assert_eq!(status, StatusCode::OK, "{version:?}: {body}");
    }
    gw.stop().await;
}

#[tokio::test]
async fn bad_queries_paths_routes_and_methods_are_refused_as_json() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    for version in VERSIONS {
        let http = gw.http_client(version);
        let at = |path: &str| format!("{}{path}", gw.base);
        assert_refused(
            http.get(at("/api/v1/compartments/c/files/f/content?version=latest")),
            version,
            StatusCode::BAD_REQUEST,
            "invalid_query",
        )
        .await;
        assert_refused(
            http.get(at("/api/v1/alerts/%FF%FE")),
            version,
            StatusCode::BAD_REQUEST,
            "invalid_path",
        )
        .await;
        assert_refused(
            http.get(at("/api/v1/no-such-thing")),
            version,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let headers = assert_refused(
            http.request(Method::PATCH, at("/api/v1/me")),
            version,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
        assert!(headers.get("allow").is_some(), "{version:?}: {headers:?}");
        // Pages are not the API: an unknown page is not answered in JSON.
        let (status, _, headers, _) = answer(http.get(at("/no-such-page"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_ne!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
    }
    gw.stop().await;
}

#[tokio::test]
async fn oversized_request_heads_are_refused_as_json() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    for version in VERSIONS {
        let http = gw.http_client(version);
        let long_query = format!("{}/api/v1/me?q={}", gw.base, "a".repeat(10 * 1024));
        assert_refused(
            http.get(long_query),
            version,
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
        )
        .await;
        let me = format!("{}/api/v1/me", gw.base);
        assert_refused(
            http.get(&me).header("x-filler", "b".repeat(30 * 1024)),
            version,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
        )
        .await;
        let mut many = http.get(&me);
        for i in 0..150 {
            many = many.header(format!("x-filler-{i}"), "c");
        }
        assert_refused(
            many,
            version,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
        )
        .await;
    }
    gw.stop().await;
}
