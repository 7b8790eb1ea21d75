//! Fail-closed: when the audit log cannot be written, state changes fail
//! and change nothing, and protected data is not served.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{data, files_under, world, Db, Gateway};

/// Makes every audit insert fail, as a full or broken log would.
async fn break_the_audit_log(gw: &Gateway) {
    let url = format!("sqlite://{}", gw.data_dir().join("dsg.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("CREATE TRIGGER audit_broken BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'log unavailable'); END")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn without_an_audit_log_nothing_changes_and_nothing_is_served() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    let content = data(200_000, 5);
    let (s, up) = handler
        .upload(&w.compartment_a, "before.bin", content.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let file = up["file"]["id"].as_str().unwrap().to_owned();
    let mut op = gw.operator().await;
    let blobs_before = files_under(&gw.data_dir().join("blobs")).len();

    break_the_audit_log(&gw).await;

    // An administrative change fails and leaves no trace.
    let (s, body) = op
        .json(
            Method::POST,
            "/api/v1/admin/companies",
            json!({ "name": "記録なし会社" }),
        )
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["error"]["code"], "internal");
    assert!(
        !body.to_string().contains("log unavailable"),
        "internal details leaked: {body}"
    );
    // An upload fails; its blob is removed; nothing is listed.
    let (s, _) = handler
        .upload(&w.compartment_a, "after.bin", data(300_000, 6))
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        files_under(&gw.data_dir().join("blobs")).len(),
        blobs_before
    );
    // A download whose access record cannot be written is refused.
    let (s, body) = handler.download(&w.compartment_a, &file, None).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body.len() < 200,
        "protected data was sent without an access record"
    );
    // A soft delete fails too.
    let (s, _) = handler
        .call(
            Method::DELETE,
            &format!("/api/v1/compartments/{}/files/{file}", w.compartment_a),
        )
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);

    // Repair the log: the state is exactly as before.
    let url = format!("sqlite://{}", gw.data_dir().join("dsg.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_broken")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (_, overview) = op.get("/api/v1/admin/overview").await;
    assert!(overview["companies"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name"] != "記録なし会社"));
    let (_, files) = handler
        .get(&format!("/api/v1/compartments/{}/files", w.compartment_a))
        .await;
    let names: Vec<&str> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["before.bin"]);
    assert!(handler.download(&w.compartment_a, &file, None).await.1 == content);
    gw.stop().await;
}
