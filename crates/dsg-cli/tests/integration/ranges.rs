//! Range downloads (`206`): only the chunks that hold the range are read,
//! each authenticated; a refused request learns nothing, not even the size.

use std::collections::HashSet;
use std::path::PathBuf;

use reqwest::{Method, StatusCode};

use crate::harness::{data, files_under, world, Db, Gateway};

const CHUNK: usize = 64 * 1024;

#[tokio::test]
async fn ranges_are_served_exactly_and_only_to_whom_may_read() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let c = w.compartment_a.clone();
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let content = data(3 * CHUNK + 123, 7);
    let size = content.len();
    let file = h
        .upload_file(&c, "drawing.bin", content.clone())
        .await
        .unwrap()
        .file
        .id;

    let whole = h
        .download_range((&c, &file), "bytes=0-", None)
        .await
        .unwrap();
    let tag = whole.entity_tag.clone().expect("an ETag");
    assert!(tag.starts_with("\"sha256-"), "{tag}");

    for (header, first, last) in [
        ("bytes=0-0", 0, 0),
        ("bytes=65535-65536", CHUNK - 1, CHUNK),
        ("bytes=70000-", 70_000, size - 1),
        ("bytes=-1000", size - 1000, size - 1),
        ("bytes=100-999999999", 100, size - 1),
        ("bytes=-999999999", 0, size - 1),
        ("bytes=196608-196608", 3 * CHUNK, 3 * CHUNK),
    ] {
        let got = h.download_range((&c, &file), header, None).await.unwrap();
        assert_eq!(got.status, StatusCode::PARTIAL_CONTENT, "{header}");
        assert_eq!(
            got.content_range.as_deref(),
            Some(format!("bytes {first}-{last}/{size}").as_str()),
            "{header}"
        );
        assert_eq!(got.bytes, content[first..=last], "{header}");
        assert_eq!(got.entity_tag.as_deref(), Some(tag.as_str()));
    }

    // Several ranges, or a header that does not parse: the whole version.
    for header in ["bytes=0-1,5-6", "bytes=abc", "bytes=9-3", "lines=1-2"] {
        let got = h.download_range((&c, &file), header, None).await.unwrap();
        assert_eq!(got.status, StatusCode::OK, "{header}");
        assert_eq!(got.bytes, content, "{header}");
    }

    // A range past the end: 416 with the size, recorded as a failure.
    let req = h
        .request(
            Method::GET,
            &format!("/api/v1/compartments/{c}/files/{file}/content"),
        )
        .header("range", format!("bytes={size}-"));
    let response = h.0.send(req).await.unwrap();
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        response.headers()["content-range"].to_str().unwrap(),
        format!("bytes */{size}")
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "range_not_satisfiable");
    let object = format!("{file}@1");
    assert!(gw.audit().iter().any(|e| e["action"] == "file.download"
        && e["object_id"] == object
        && e["outcome"] == "failure"
        && e["reason"] == "range not satisfiable"));

    // If-Range: the range only while the version is the one named.
    let same = h
        .download_range((&c, &file), "bytes=0-9", Some(&tag))
        .await
        .unwrap();
    assert_eq!(same.status, StatusCode::PARTIAL_CONTENT);
    let newer = data(1000, 8);
    h.add_version(&c, &file, newer.clone()).await.unwrap();
    let changed = h
        .download_range((&c, &file), "bytes=0-9", Some(&tag))
        .await
        .unwrap();
    assert_eq!(
        changed.status,
        StatusCode::OK,
        "a newer version is sent whole"
    );
    assert_eq!(changed.bytes, newer);

    // Another company's handler: refused before the range is looked at,
    // so the answer is the same as without one (no 416, no size).
    let mut other = gw.login("b.handler", w.password("b.handler")).await;
    for header in ["bytes=0-9", &format!("bytes={size}-")] {
        let refused = other
            .download_range((&c, &file), header, None)
            .await
            .unwrap_err();
        let plain = other.download_file(&c, &file, None).await.unwrap_err();
        assert_eq!(refused.status(), plain.status(), "{header}");
        assert_eq!(refused.code(), plain.code(), "{header}");
    }
    gw.stop().await;
}

#[tokio::test]
async fn a_range_reads_only_its_chunks_and_damage_in_them_is_caught() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let c = w.compartment_a.clone();
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let content = data(4 * CHUNK, 9);
    let blobs = gw.data_dir().join("blobs");
    let before: HashSet<PathBuf> = files_under(&blobs).into_iter().collect();
    let file = h
        .upload_file(&c, "tested.bin", content.clone())
        .await
        .unwrap()
        .file
        .id;
    let blob = files_under(&blobs)
        .into_iter()
        .find(|p| !before.contains(p))
        .expect("the upload's blob");
    // A byte in the third chunk's ciphertext (header 12, chunks of 64 KiB + 16).
    let mut stored = std::fs::read(&blob).unwrap();
    stored[12 + 2 * (CHUNK + 16) + 500] ^= 0x01;
    std::fs::write(&blob, stored).unwrap();

    // The first chunk alone is intact and authenticates by itself.
    let head = h
        .download_range((&c, &file), "bytes=0-999", None)
        .await
        .unwrap();
    assert_eq!(head.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(head.bytes, content[..1000]);
    // A range that needs the damaged chunk is refused as damage.
    let e = h
        .download_range(
            (&c, &file),
            &format!("bytes={}-{}", 2 * CHUNK, 2 * CHUNK + 9),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("file_damaged"), "{e}");
    gw.stop().await;
}
