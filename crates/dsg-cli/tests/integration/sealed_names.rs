//! File names are protected information themselves, so the database holds
//! them only sealed under the compartment key: not a byte of a name is in
//! the data directory, yet the API lists, orders, serves and refuses
//! duplicates by name as before. Names stored before sealing are sealed at
//! the next start, and their plaintext is gone from the file afterwards.

use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::audit_insider::db;
use crate::harness::{files_under, percent, world, Client, Db, Gateway};

/// A name of the kind that is itself protected.
const NAME: &str = "次期救難機 油圧系統 設計審査資料.pdf";
/// Another file of the same compartment, ordered before `NAME`.
const OTHER: &str = "会議\u{3000}議事録.docx";

/// Every file under `dir` holding any of the names, or a telling part of
/// one, as UTF-8 bytes.
fn holding_a_name(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let needles = [NAME, OTHER, "救難機", "油圧系統", "議事録"];
    let mut found = Vec::new();
    for path in files_under(dir) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for needle in needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push((path.clone(), needle));
            }
        }
    }
    found
}

async fn listed_names(h: &mut Client, compartment: &str) -> Vec<String> {
    let (s, files) = h
        .get(&format!("/api/v1/compartments/{compartment}/files"))
        .await;
    assert_eq!(s, StatusCode::OK, "{files}");
    files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn disposition(h: &mut Client, compartment: &str, file: &str) -> String {
    let response = h
        .request(
            Method::GET,
            &format!("/api/v1/compartments/{compartment}/files/{file}/content"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

fn id(upload: &Value) -> String {
    upload["file"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_file_name_is_nowhere_in_the_database_yet_served_by_name() {
    let mut gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let (s, up) = h
        .upload(&w.compartment_a, NAME, b"hydraulics".to_vec())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    assert_eq!(up["file"]["name"], NAME);
    let file = id(&up);
    let (s, other) = h.upload(&w.compartment_a, OTHER, b"minutes".to_vec()).await;
    assert_eq!(s, StatusCode::CREATED, "{other}");

    // Listed by name, in name order, and served under its name.
    assert_eq!(listed_names(&mut h, &w.compartment_a).await, [OTHER, NAME]);
    let (s, body) = h.download(&w.compartment_a, &file, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, b"hydraulics");
    assert_eq!(
        disposition(&mut h, &w.compartment_a, &file).await,
        format!("attachment; filename*=UTF-8''{}", percent(NAME))
    );
    let (s, versions) = h
        .get(&format!(
            "/api/v1/compartments/{}/files/{file}/versions",
            w.compartment_a
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{versions}");
    // The same name again is still a duplicate; in another compartment it
    // is another file.
    let (s, body) = h.upload(&w.compartment_a, NAME, b"again".to_vec()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let mut b = gw.login("b.handler", w.password("b.handler")).await;
    let (s, body) = b.upload(&w.compartment_b, NAME, b"b".to_vec()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    // Not a byte of a name in the data directory, while running (database,
    // write-ahead log, blobs) and after a clean stop.
    assert_eq!(holding_a_name(&gw.data_dir()), []);
    assert!(gw.terminate().await.success());
    assert_eq!(holding_a_name(&gw.data_dir()), []);

    // What the row holds instead: nothing plain, a sealed name, a hash;
    // equal names of two compartments hash apart.
    let mut conn = db(&gw).await;
    let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT compartment_id, name, name_sealed, name_hash FROM files ORDER BY created_at",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    for (_, plain, sealed, hash) in &rows {
        assert_eq!(plain, "");
        // Names of different lengths seal to one length (256 bytes padded,
        // with version, nonce and tag, in base64).
        assert_eq!(sealed.as_ref().map(String::len), Some(380), "{sealed:?}");
        assert_eq!(hash.as_ref().map(String::len), Some(64));
    }
    assert_eq!(rows[0].0, w.compartment_a);
    assert_eq!(rows[2].0, w.compartment_b);
    assert_ne!(rows[0].3, rows[2].3);

    // A sealed name is bound to its row: copied onto another file, it
    // does not open, and nothing is served under it.
    let done = sqlx::query(
        "UPDATE files SET name_sealed = (SELECT name_sealed FROM files WHERE id = ?) \
         WHERE id = ?",
    )
    .bind(&file)
    .bind(id(&other))
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(done.rows_affected(), 1);
    drop(conn);
    gw.restart().await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let (s, body) = h
        .get(&format!("/api/v1/compartments/{}/files", w.compartment_a))
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert!(!body.to_string().contains("救難機"), "{body}");
    gw.stop().await;
}

#[tokio::test]
async fn names_stored_before_sealing_are_sealed_at_the_next_start() {
    sealed_at_the_next_start(Db::Sqlite).await;
}

#[tokio::test]
async fn names_stored_before_sealing_are_sealed_at_the_next_start_postgres() {
    sealed_at_the_next_start(Db::Postgres).await;
}

/// Any `SELECT` of the database underneath the gateway.
async fn underneath(gw: &Gateway) -> sqlx::AnyConnection {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(&gw.database_url())
        .await
        .unwrap()
}

async fn sealed_at_the_next_start(backend: Db) {
    let logged = [("DSG_LOG_FORMAT", "text"), ("DSG_LOG", "info")];
    let Some(mut gw) = Gateway::start_with(backend, &logged).await else {
        return;
    };
    // The SQLite file is in the data directory; a PostgreSQL cluster is not.
    let scanned = backend == Db::Sqlite;
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let (s, up) = h
        .upload(&w.compartment_a, NAME, b"hydraulics".to_vec())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let file = id(&up);
    let (s, other) = h.upload(&w.compartment_a, OTHER, b"minutes".to_vec()).await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    assert!(gw.terminate().await.success());

    // Back to the database as it was before migration 0016: the schema
    // without the sealed columns, the names in plaintext.
    let mut conn = underneath(&gw).await;
    for sql in [
        "DROP INDEX files_active_name",
        "ALTER TABLE files DROP COLUMN name_hash",
        "ALTER TABLE files DROP COLUMN name_sealed",
        "DELETE FROM _sqlx_migrations WHERE version = 16",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    for (name, file) in [(NAME, &file), (OTHER, &id(&other))] {
        let done = sqlx::query("UPDATE files SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(file)
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
    {
        use sqlx::Connection;
        conn.close().await.unwrap();
    }
    // The scan sees a plaintext name where there is one.
    if scanned {
        assert!(
            holding_a_name(&gw.data_dir())
                .iter()
                .any(|(_, n)| *n == NAME),
            "the plaintext names are in the database before the start"
        );
    }

    assert!(gw.restart().await.is_none());
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    assert_eq!(listed_names(&mut h, &w.compartment_a).await, [OTHER, NAME]);
    assert_eq!(
        disposition(&mut h, &w.compartment_a, &file).await,
        format!("attachment; filename*=UTF-8''{}", percent(NAME))
    );
    // The converted row's hash is the one a new upload of the name gets.
    let (s, body) = h.upload(&w.compartment_a, NAME, b"again".to_vec()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    // Recorded once, as the gateway's own maintenance.
    let sealed: Vec<Value> = gw
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "file.names.seal")
        .collect();
    assert_eq!(sealed.len(), 1, "{sealed:?}");
    assert_eq!(sealed[0]["reason"], "files=2");
    assert_eq!(sealed[0]["outcome"], "success");
    // No plaintext left in the rows.
    let mut conn = underneath(&gw).await;
    let plain: Vec<String> = sqlx::query_scalar("SELECT name FROM files WHERE name <> ''")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(plain, Vec::<String>::new());
    drop(conn);
    // And old copies of the rows were cleared (WAL truncated, or the
    // table rewritten on PostgreSQL).
    let log = gw.log();
    assert!(log.contains("sealed the names of files"), "{log}");
    assert!(!log.contains("clearing old copies"), "{log}");
    assert!(!log.contains("救難機"), "{log}");

    // The plaintext is gone from the data directory, not only from the
    // rows, and a further start seals nothing again.
    if scanned {
        assert_eq!(holding_a_name(&gw.data_dir()), []);
    }
    assert!(gw.restart().await.is_none());
    assert_eq!(
        gw.audit()
            .iter()
            .filter(|e| e["action"] == "file.names.seal")
            .count(),
        1
    );
    assert!(gw.terminate().await.success());
    if scanned {
        assert_eq!(holding_a_name(&gw.data_dir()), []);
    }
}
