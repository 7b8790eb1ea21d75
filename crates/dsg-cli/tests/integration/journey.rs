//! The whole journey: operator registers, handler shares files.

use dsg_proto::files::NewContract;
use reqwest::{Method, StatusCode};

use crate::harness::{data, files_under, world, Db, Gateway};

async fn journey(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        return;
    };
    let w = world(&gw).await;
    let mut op = gw.operator().await;
    let overview = op.admin_overview().await.unwrap();
    let companies: Vec<&str> = overview.companies.iter().map(|c| c.id.as_str()).collect();
    assert!(companies.contains(&w.company_a.as_str()) && companies.contains(&w.company_b.as_str()));

    // A contract without the special clause gets no compartment.
    let plain = op
        .create_contract(&NewContract {
            company_id: w.company_a.clone(),
            number: "A-2".into(),
            title: "事務用品".into(),
            starts_on: "2026-04-01".into(),
            ends_on: "2027-03-31".into(),
            special_clause: false,
        })
        .await
        .unwrap();
    let refused = op.open_compartment(&plain.id).await.unwrap_err();
    assert_eq!(
        (refused.status(), refused.code()),
        (Some(StatusCode::CONFLICT), Some("refused"))
    );
    // A second compartment for the same contract is refused.
    let again = op.open_compartment(&w.contract_a).await.unwrap_err();
    assert_eq!(again.status(), Some(StatusCode::CONFLICT));
    // A user of another company cannot be designated.
    let other = op
        .designate_handler(&w.contract_a, w.user_id("b.handler"))
        .await
        .unwrap_err();
    assert_eq!(other.status(), Some(StatusCode::CONFLICT));

    // The handler sees exactly their compartment, marked.
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let list = h.compartments().await.unwrap();
    assert_eq!(list.marking, "保護すべき情報");
    let ids: Vec<&str> = list
        .compartments
        .iter()
        .map(|c| c.compartment.id.as_str())
        .collect();
    assert_eq!(ids, vec![w.compartment_a.as_str()]);

    // Upload, list, download.
    let original = data(2_500_000, 7);
    let up = h
        .upload_file(&w.compartment_a, "設計図 第1版.pdf", original.clone())
        .await
        .unwrap();
    let file = up.file.id.clone();
    assert_eq!(up.file.name, "設計図 第1版.pdf");
    assert_eq!(up.file.size_bytes, 2_500_000);
    let files = h.files(&w.compartment_a).await.unwrap();
    assert_eq!(files.marking, "保護すべき情報");
    assert_eq!(files.files.len(), 1);
    let back = h
        .download_file(&w.compartment_a, &file, None)
        .await
        .unwrap();
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
    let v2 = h
        .add_version(&w.compartment_a, &file, second.clone())
        .await
        .unwrap();
    assert_eq!(v2.file.version, 2);
    let versions = h.versions(&w.compartment_a, &file).await.unwrap();
    let numbers: Vec<u32> = versions.versions.iter().map(|v| v.version).collect();
    assert_eq!(numbers, vec![2, 1]);
    assert!(
        h.download_file(&w.compartment_a, &file, None)
            .await
            .unwrap()
            == second
    );
    assert!(
        h.download_file(&w.compartment_a, &file, Some(1))
            .await
            .unwrap()
            == original
    );
    assert_eq!(files_under(&gw.data_dir().join("blobs")).len(), 2);

    // Delete: the file leaves the listing but nothing is erased.
    h.delete_file(&w.compartment_a, &file).await.unwrap();
    let files = h.files(&w.compartment_a).await.unwrap();
    assert!(files.files.is_empty());
    let gone = h
        .download_file(&w.compartment_a, &file, None)
        .await
        .unwrap_err();
    assert_eq!(gone.status(), Some(StatusCode::NOT_FOUND));
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
    h.logout().await.unwrap();
    let ended = h.compartments().await.unwrap_err();
    assert_eq!(ended.status(), Some(StatusCode::UNAUTHORIZED));
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
