//! Upload limits and atomicity: bad input gets a clear error and leaves nothing.

use reqwest::{Method, StatusCode};

use crate::harness::{data, files_under, world, Db, Gateway};

#[tokio::test]
async fn bad_names_are_refused_before_anything_is_stored() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    for name in [
        "",
        "a/b.txt",
        "..",
        "x\u{202e}fdp.exe",
        "tab\there",
        &"あ".repeat(86),
    ] {
        let e = h
            .upload_file(&w.compartment_a, name, b"data".to_vec())
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{name:?}: {e}");
        assert_eq!(e.code(), Some("invalid_input"));
    }
    assert!(files_under(&gw.data_dir().join("blobs")).is_empty());
    let files = h.files(&w.compartment_a).await.unwrap();
    assert!(files.files.is_empty());
    gw.stop().await;
}

#[tokio::test]
async fn names_that_are_not_what_they_seem_are_refused() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    // Invalid UTF-8 is refused, not replaced with U+FFFD.
    for raw in ["%FF%FE.txt", "a%C3.txt", "%ED%A0%80.txt"] {
        let req = h
            .request(
                Method::POST,
                &format!("/api/v1/compartments/{}/files?name={raw}", w.compartment_a),
            )
            .body(b"data".to_vec());
        let (s, body) = h.send(req).await;
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(s, StatusCode::BAD_REQUEST, "{raw}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input", "{raw}");
        assert!(body["error"]["message"].as_str().unwrap().contains("UTF-8"));
    }
    // Invisible characters, names Windows would save differently, devices.
    for name in [
        "a\u{200b}b.txt",
        "\u{feff}report.txt",
        "line\u{2028}break.txt",
        "para\u{2029}.txt",
        "report.txt.",
        "report.txt ",
        "CON",
        "NUL.txt",
        "com1.log",
        "a:b.txt",
    ] {
        let e = h
            .upload_file(&w.compartment_a, name, b"data".to_vec())
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST), "{name:?}: {e}");
        assert_eq!(e.code(), Some("invalid_input"));
    }
    assert!(files_under(&gw.data_dir().join("blobs")).is_empty());
    // A name in NFD is the same name as its NFC form: stored composed, and
    // a second upload under either form is refused as a duplicate.
    let up = h
        .upload_file(
            &w.compartment_a,
            "\u{304b}\u{3099}いど.txt",
            b"one".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(up.file.name, "\u{304c}いど.txt");
    for again in ["\u{304c}いど.txt", "\u{304b}\u{3099}いど.txt"] {
        let e = h
            .upload_file(&w.compartment_a, again, b"two".to_vec())
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(StatusCode::CONFLICT), "{again:?}: {e}");
    }
    // The same name in another compartment is another file.
    let mut b = gw.login("b.handler", w.password("b.handler")).await;
    b.upload_file(&w.compartment_b, "\u{304c}いど.txt", b"b".to_vec())
        .await
        .unwrap();
    let files = h.files(&w.compartment_a).await.unwrap();
    assert_eq!(files.files.len(), 1, "{files:?}");
    // Ordinary Japanese names with an ideographic space still work.
    h.upload_file(&w.compartment_a, "会議\u{3000}資料.docx", b"ok".to_vec())
        .await
        .unwrap();
    gw.stop().await;
}

#[tokio::test]
async fn size_quota_and_disk_reserve_are_enforced() {
    let gw = Gateway::start_with(
        Db::Sqlite,
        &[
            ("DSG_LIMITS__MAX_FILE_BYTES", "100000"),
            ("DSG_LIMITS__COMPARTMENT_QUOTA_BYTES", "150000"),
        ],
    )
    .await
    .unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let e = h
        .upload_file(&w.compartment_a, "big.bin", data(100_001, 1))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(StatusCode::PAYLOAD_TOO_LARGE), Some("too_large"))
    );
    h.upload_file(&w.compartment_a, "fits.bin", data(100_000, 2))
        .await
        .unwrap();
    let e = h
        .upload_file(&w.compartment_a, "over-quota.bin", data(60_000, 3))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(StatusCode::PAYLOAD_TOO_LARGE), Some("quota_exceeded"))
    );
    // Without Content-Length the limit is enforced while streaming.
    let stream = futures::stream::iter(
        (0..20).map(|i| Ok::<_, std::io::Error>(bytes::Bytes::from(data(10_000, i)))),
    );
    let req = h
        .request(
            Method::POST,
            &format!(
                "/api/v1/compartments/{}/files?name=stream.bin",
                w.compartment_a
            ),
        )
        .body(reqwest::Body::wrap_stream(stream));
    let (s, _) = h.send(req).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    let files = h.files(&w.compartment_a).await.unwrap();
    assert_eq!(files.files.len(), 1);
    assert_eq!(
        files_under(&gw.data_dir().join("blobs")).len(),
        1,
        "refused uploads leave no blob"
    );
    gw.stop().await;

    let gw = Gateway::start_with(
        Db::Sqlite,
        &[(
            "DSG_LIMITS__FREE_SPACE_RESERVE_BYTES",
            "1000000000000000000",
        )],
    )
    .await
    .unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let e = h
        .upload_file(&w.compartment_a, "x.bin", data(10, 1))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (
            Some(StatusCode::INSUFFICIENT_STORAGE),
            Some("insufficient_storage")
        )
    );
    // The audit log still works: the refusal is recorded.
    assert!(gw
        .audit()
        .iter()
        .any(|e| e["action"] == "file.upload" && e["reason"] == "insufficient_storage"));
    gw.stop().await;
}

#[tokio::test]
async fn an_interrupted_upload_is_never_listed_and_leaves_no_blob() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let pieces: Vec<Result<bytes::Bytes, std::io::Error>> = (0..30)
        .map(|i| Ok(bytes::Bytes::from(data(65_536, i))))
        .chain(std::iter::once(Err(std::io::Error::other(
            "client crashed",
        ))))
        .collect();
    let req = h
        .request(
            Method::POST,
            &format!(
                "/api/v1/compartments/{}/files?name=half.bin",
                w.compartment_a
            ),
        )
        .body(reqwest::Body::wrap_stream(futures::stream::iter(pieces)));
    let _ = req.send().await; // the client's own error; the server sees a broken body
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let files = h.files(&w.compartment_a).await.unwrap();
    assert!(files.files.is_empty());
    assert!(
        files_under(&gw.data_dir().join("blobs")).is_empty(),
        "{:?}",
        files_under(&gw.data_dir())
    );
    gw.stop().await;
}

#[tokio::test]
async fn the_orphan_sweep_removes_only_unreferenced_blobs() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    h.upload_file(&w.compartment_a, "kept.bin", data(5000, 1))
        .await
        .unwrap();
    let kept = files_under(&gw.data_dir().join("blobs"));
    assert_eq!(kept.len(), 1);
    // What a crash leaves behind: a finished blob no row refers to, and a
    // multipart staging part.
    let folder = kept[0].parent().unwrap();
    std::fs::write(folder.join(uuid::Uuid::new_v4().to_string()), b"orphan").unwrap();
    std::fs::write(folder.join(format!("{}#1", uuid::Uuid::new_v4())), b"part").unwrap();
    assert_eq!(files_under(&gw.data_dir().join("blobs")).len(), 3);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let out = gw.admin(&["sweep-orphans", "--min-age-minutes", "0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("removed 2"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(files_under(&gw.data_dir().join("blobs")), kept);
    let files = h.files(&w.compartment_a).await.unwrap();
    let file = files.files[0].id.clone();
    h.download_file(&w.compartment_a, &file, None)
        .await
        .unwrap();
    gw.stop().await;
}

#[tokio::test]
async fn a_restart_removes_staging_files_at_once_and_keeps_young_orphans() {
    let mut gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    h.upload_file(&w.compartment_a, "kept.bin", data(5000, 1))
        .await
        .unwrap();
    let kept = files_under(&gw.data_dir().join("blobs"));
    assert_eq!(kept.len(), 1);
    // A crash in the middle of an upload leaves its staging file; a crash
    // between the blob and its commit leaves a blob without a row.
    let folder = kept[0].parent().unwrap();
    let staged = folder.join(format!("{}#1", uuid::Uuid::new_v4()));
    let orphan = folder.join(uuid::Uuid::new_v4().to_string());
    std::fs::write(&staged, b"part").unwrap();
    std::fs::write(&orphan, b"orphan").unwrap();
    assert!(gw.restart().await.is_none());
    assert!(!staged.exists(), "a staging file outlived the restart");
    // Another gateway on a shared store could still commit a young blob.
    assert!(orphan.exists(), "a young blob was swept at start");
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let files = h.files(&w.compartment_a).await.unwrap();
    let file = files.files[0].id.clone();
    h.download_file(&w.compartment_a, &file, None)
        .await
        .unwrap();
    gw.stop().await;
}
