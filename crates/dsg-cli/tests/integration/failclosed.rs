//! Fail-closed: when the audit log cannot be written, state changes fail
//! and change nothing, and protected data is not served.

use dsg_proto::files::NewCompany;
use reqwest::StatusCode;

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
    let up = handler
        .upload_file(&w.compartment_a, "before.bin", content.clone())
        .await
        .unwrap();
    let file = up.file.id;
    let mut op = gw.operator().await;
    let blobs_before = files_under(&gw.data_dir().join("blobs")).len();

    break_the_audit_log(&gw).await;

    // An administrative change fails and leaves no trace.
    let e = op
        .create_company(&NewCompany {
            name: "記録なし会社".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR), "{e}");
    assert_eq!(e.code(), Some("internal"));
    assert!(
        !format!("{e:?}").contains("log unavailable"),
        "internal details leaked: {e:?}"
    );
    // An upload fails; its blob is removed; nothing is listed.
    let e = handler
        .upload_file(&w.compartment_a, "after.bin", data(300_000, 6))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(
        files_under(&gw.data_dir().join("blobs")).len(),
        blobs_before
    );
    // A download whose access record cannot be written is refused.
    let e = handler
        .download_file(&w.compartment_a, &file, None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    // The answer's whole body is in the error (parsed or as text).
    assert!(
        format!("{e:?}").len() < 400,
        "protected data was sent without an access record"
    );
    // A soft delete fails too.
    let e = handler
        .delete_file(&w.compartment_a, &file)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));

    // Repair the log: the state is exactly as before.
    let url = format!("sqlite://{}", gw.data_dir().join("dsg.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_broken")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let overview = op.admin_overview().await.unwrap();
    assert!(overview.companies.iter().all(|c| c.name != "記録なし会社"));
    let files = handler.files(&w.compartment_a).await.unwrap();
    let names: Vec<&str> = files.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["before.bin"]);
    let back = handler
        .download_file(&w.compartment_a, &file, None)
        .await
        .unwrap();
    assert!(back == content);
    gw.stop().await;
}
