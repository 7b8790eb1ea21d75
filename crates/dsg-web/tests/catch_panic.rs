//! A panic inside a request is answered with the one JSON error shape and
//! recorded as a `request.fault` entry, instead of a dropped connection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;
use dsg_app::clock::SystemClock;
use dsg_app::Config;
use dsg_web::http::guard;
use dsg_workers::{Gateway, KeyChecks};
use tower::ServiceExt;

#[tokio::test]
async fn a_panicking_handler_is_answered_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("DSG_STORAGE__DATA_DIR", dir.path().join("data")),
        ("DSG_STORAGE__KEY_DIR", dir.path().join("keys")),
    ]
    .map(|(k, v)| (k.to_owned(), v.display().to_string()))
    .into_iter()
    .chain([(
        "DSG_SERVER__DANGER_PLAIN_HTTP".to_owned(),
        "true".to_owned(),
    )]);
    let config = Config::load(None, env).unwrap();
    let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock))
        .await
        .unwrap();
    let app = gateway.app.clone();
    let router = Router::new()
        .route(
            "/boom/{text}",
            get(
                |axum::extract::Path(text): axum::extract::Path<String>| async move {
                    // The bug this layer exists for: a byte index inside a character.
                    let mut t = text;
                    t.truncate(1);
                    t
                },
            ),
        )
        .layer(from_fn_with_state(app.clone(), guard::catch_panic))
        .layer(from_fn(guard::request_id))
        .with_state(app.clone());
    let response = router
        .oneshot(Request::get("/boom/%C3%A9").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = response
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body = to_bytes(response.into_body(), 4096).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "internal");
    let recent = gateway.store_for_tests().recent_audit(10).await.unwrap();
    let fault = recent
        .iter()
        .find(|e| e.action == "request.fault")
        .expect("the fault is recorded");
    assert_eq!(fault.outcome, "failure");
    assert_eq!(fault.object_id.as_deref(), Some("/boom/%C3%A9"));
    assert_eq!(fault.request_id, request_id);
}
