//! The whole journey: operator registers, handler shares files.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{data, files_under, world, Db, Gateway};

async fn journey(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let (s, overview) = op.get("/api/v1/admin/overview").await;
    assert_eq!(s, StatusCode::OK);
    let companies: Vec<&str> = overview["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(companies.contains(&w.company_a.as_str()) && companies.contains(&w.company_b.as_str()));

    // A contract without the special clause gets no compartment.
    let (s, plain) = op
        .json(
            Method::POST,
            "/api/v1/admin/contracts",
            json!({ "company_id": w.company_a, "number": "A-2", "title": "事務用品", "starts_on": "2026-04-01",
                    "ends_on": "2027-03-31", "special_clause": false }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = op
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/contracts/{}/compartment",
                plain["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("refused"))
    );
    // A second compartment for the same contract is refused.
    let (s, _) = op
        .call(
            Method::POST,
            &format!("/api/v1/admin/contracts/{}/compartment", w.contract_a),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A user of another company cannot be designated.
    let (s, _) = op
        .call(
            Method::PUT,
            &format!(
                "/api/v1/admin/contracts/{}/handlers/{}",
                w.contract_a,
                w.user_id("b.handler")
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The handler sees exactly their compartment, marked.
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let (s, list) = h.get("/api/v1/compartments").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["marking"], "保護すべき情報");
    let ids: Vec<&str> = list["compartments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["compartment"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![w.compartment_a.as_str()]);

    // Upload, list, download.
    let original = data(2_500_000, 7);
    let (s, up) = h
        .upload(&w.compartment_a, "設計図 第1版.pdf", original.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let file = up["file"]["id"].as_str().unwrap().to_owned();
    assert_eq!(up["file"]["name"], "設計図 第1版.pdf");
    assert_eq!(up["file"]["size_bytes"], 2_500_000);
    let (s, files) = h
        .get(&format!("/api/v1/compartments/{}/files", w.compartment_a))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(files["marking"], "保護すべき情報");
    assert_eq!(files["files"].as_array().unwrap().len(), 1);
    let (s, back) = h.download(&w.compartment_a, &file, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(back == original, "downloaded bytes differ");

    // Headers of a download: opaque attachment, sandboxed, marked.
    let response = h
        .request(
            Method::GET,
            &format!(
                "/api/v1/compartments/{}/files/{file}/content",
                w.compartment_a
            ),
        )
        .send()
        .await
        .unwrap();
    let header = |n: &str| {
        response
            .headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        header("content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert!(header("content-disposition")
        .unwrap()
        .starts_with("attachment; filename*=UTF-8''%E8%A8%AD"));
    assert!(header("content-security-policy")
        .unwrap()
        .contains("sandbox"));
    assert!(header("x-dsg-marking").unwrap().contains("%E4%BF%9D"));
    drop(response);

    // The stored blob is ciphertext.
    let blobs = files_under(&gw.data_dir().join("blobs"));
    assert_eq!(blobs.len(), 1);
    let stored = std::fs::read(&blobs[0]).unwrap();
    assert!(stored.len() > original.len());
    assert!(
        !stored.windows(64).any(|w| w == &original[1000..1064]),
        "plaintext found in the blob store"
    );

    // A new version; both versions stay downloadable; each blob has its own key and name.
    let second = data(700_000, 8);
    let (s, v2) = h
        .upload_version(&w.compartment_a, &file, second.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v2}");
    assert_eq!(v2["file"]["version"], 2);
    let (s, versions) = h
        .get(&format!(
            "/api/v1/compartments/{}/files/{file}/versions",
            w.compartment_a
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let numbers: Vec<u64> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![2, 1]);
    assert!(h.download(&w.compartment_a, &file, None).await.1 == second);
    assert!(h.download(&w.compartment_a, &file, Some(1)).await.1 == original);
    assert_eq!(files_under(&gw.data_dir().join("blobs")).len(), 2);

    // Delete: the file leaves the listing but nothing is erased.
    let (s, _) = h
        .call(
            Method::DELETE,
            &format!("/api/v1/compartments/{}/files/{file}", w.compartment_a),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, files) = h
        .get(&format!("/api/v1/compartments/{}/files", w.compartment_a))
        .await;
    assert!(files["files"].as_array().unwrap().is_empty());
    assert_eq!(
        h.download(&w.compartment_a, &file, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        files_under(&gw.data_dir().join("blobs")).len(),
        2,
        "deleted files are kept for disposal"
    );
    // The file itself was the resource, and the policy refused it.
    let refused = gw
        .audit()
        .into_iter()
        .find(|e| e["action"] == "file.download" && e["outcome"] == "denied")
        .expect("the refused download is in the log");
    assert_eq!(refused["reason"], "file-marked-for-disposal", "{refused}");

    // Logout ends the session.
    let (s, _) = h.call(Method::DELETE, "/api/v1/session").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = h.get("/api/v1/compartments").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Every step is in the audit log, with ids rather than names.
    let audit = gw.audit();
    let count = |action: &str, outcome: &str| {
        audit
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("file.upload", "success"), 1);
    assert_eq!(count("file.version.upload", "success"), 1);
    assert!(count("file.download", "success") >= 4);
    assert_eq!(count("file.delete", "success"), 1);
    assert_eq!(count("compartment.open", "success"), 2);
    assert_eq!(count("handler.remove", "success"), 1);
    assert!(count("auth.login", "success") >= 2);
    assert_eq!(count("auth.logout", "success"), 1);
    let everything = serde_json::to_string(&audit).unwrap();
    assert!(
        !everything.contains("設計図"),
        "file names must not be in the audit log"
    );
    let download = audit
        .iter()
        .find(|e| e["action"] == "file.download" && e["outcome"] == "success")
        .unwrap();
    assert_eq!(download["actor"], w.user_id("a.handler"));
    assert_eq!(download["reason"], "handler-need-to-know");
    gw.stop().await;
}

#[tokio::test]
async fn journey_on_sqlite() {
    journey(Db::Sqlite).await;
}

#[tokio::test]
async fn journey_on_postgres() {
    journey(Db::Postgres).await;
}
