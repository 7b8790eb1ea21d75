//! A damaged stored file (a flipped byte, a truncated, missing or swapped
//! blob) is a security event: the download fails and is recorded as failed with the
//! reason, the version is marked damaged, an alert is raised, and a
//! whole-file download that can know of the damage in advance says so
//! before sending any byte. The scrub finds damage nobody downloaded.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use dsg_proto::alerts::Alert;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{data, files_under, world, Client, Db, Gateway};

/// Uploads `content` and returns the file id and the blob it was stored in.
async fn upload(
    gw: &Gateway,
    h: &mut Client,
    compartment: &str,
    name: &str,
    content: &[u8],
) -> (String, PathBuf) {
    let blobs = gw.data_dir().join("blobs");
    let before: HashSet<PathBuf> = files_under(&blobs).into_iter().collect();
    let up = h
        .upload_file(compartment, name, content.to_vec())
        .await
        .unwrap();
    let blob = files_under(&blobs)
        .into_iter()
        .find(|p| !before.contains(p))
        .expect("the upload's blob");
    (up.file.id, blob)
}

fn flip_byte(blob: &PathBuf, from_end: usize) {
    let mut bytes = std::fs::read(blob).unwrap();
    let at = bytes.len() - from_end;
    bytes[at] ^= 0x01;
    std::fs::write(blob, bytes).unwrap();
}

fn entries<'a>(audit: &'a [Value], action: &str, object: &str) -> Vec<&'a Value> {
    audit
        .iter()
        .filter(|e| e["action"] == action && e["object_id"] == object)
        .collect()
}

/// Waits until the log holds an entry of `action` on `object`.
async fn wait_for_entry(gw: &Gateway, action: &str, object: &str) -> Vec<Value> {
    for _ in 0..100 {
        let audit = gw.audit();
        if !entries(&audit, action, object).is_empty() {
            return audit;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {action} entry on {object}");
}

/// Waits for the `integrity` alert of a version.
async fn integrity_alert(op: &mut Client, object: &str) -> Alert {
    for _ in 0..120 {
        let b = op.alerts(Some("all")).await.unwrap();
        if let Some(alert) = b
            .alerts
            .into_iter()
            .find(|a| a.rule == "integrity" && a.key == object)
        {
            return alert;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("no integrity alert for {object}");
}

#[tokio::test]
async fn damage_is_refused_recorded_marked_and_alerted() {
    let gw = Gateway::start_with(
        Db::Sqlite,
        &[("DSG_LIMITS__VERIFY_BEFORE_SEND_BYTES", "1000000")],
    )
    .await
    .unwrap();
    let w = world(&gw).await;
    let c = w.compartment_a.clone();
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let mut op = gw.operator().await;
    let small = data(300_000, 1);
    let large = data(3_000_000, 2);
    let (flipped, flipped_blob) = upload(&gw, &mut h, &c, "flipped.bin", &small).await;
    let (cut, cut_blob) = upload(&gw, &mut h, &c, "cut.bin", &small).await;
    let (gone, gone_blob) = upload(&gw, &mut h, &c, "gone.bin", &small).await;
    let (big, big_blob) = upload(&gw, &mut h, &c, "big.bin", &large).await;
    let (intact, _) = upload(&gw, &mut h, &c, "intact.bin", &small).await;

    // Nothing is damaged yet: the scrub checks everything and passes.
    let out = gw.admin(&["scrub"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("checked 5 version(s)"), "{stdout}");

    flip_byte(&flipped_blob, 20_000);
    let mut bytes = std::fs::read(&cut_blob).unwrap();
    bytes.truncate(bytes.len() - 70_000);
    std::fs::write(&cut_blob, bytes).unwrap();
    std::fs::remove_file(&gone_blob).unwrap();
    flip_byte(&big_blob, 100);

    // Small enough to check first: a clear error, not a byte of content.
    for (file, why) in [
        (&flipped, "chunk authentication failed"),
        (&cut, "chunk authentication failed"),
        (&gone, "blob missing"),
    ] {
        let e = h.download_file(&c, file, None).await.unwrap_err();
        assert_eq!(
            e.status(),
            Some(StatusCode::INTERNAL_SERVER_ERROR),
            "{file}: {e}"
        );
        assert_eq!(e.code(), Some("file_damaged"), "{file}");
        let object = format!("{file}@1");
        let audit = wait_for_entry(&gw, "file.integrity_failure", &object).await;
        let downloads = entries(&audit, "file.download", &object);
        assert!(
            downloads.iter().all(|e| e["outcome"] == "failure"),
            "{object}: {downloads:?}"
        );
        assert!(
            downloads
                .iter()
                .any(|e| e["reason"].as_str().unwrap().contains(why)),
            "{object}: {downloads:?}"
        );
        integrity_alert(&mut op, &object).await;
        // Marked: refused at once from now on.
        let e = h.download_file(&c, file, None).await.unwrap_err();
        assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
        assert_eq!(e.code(), Some("file_damaged"));
    }

    // Too large to check first: a true prefix, then the stream breaks; the
    // failure is recorded under the same request id as the access.
    let response = h
        .request(
            Method::GET,
            &format!("/api/v1/compartments/{c}/files/{big}/content"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut response = response;
    let mut received = Vec::new();
    let broke = loop {
        match response.chunk().await {
            Ok(Some(piece)) => received.extend_from_slice(&piece),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(broke, "a damaged stream ended cleanly");
    assert!(received.len() < large.len());
    assert_eq!(received, large[..received.len()], "a false prefix was sent");
    let object = format!("{big}@1");
    let audit = wait_for_entry(&gw, "file.integrity_failure", &object).await;
    let of_request: Vec<&Value> = entries(&audit, "file.download", &object)
        .into_iter()
        .filter(|e| e["request_id"] == request_id.as_str())
        .collect();
    let outcomes: HashSet<&str> = of_request
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        HashSet::from(["success", "failure"]),
        "{of_request:?}"
    );
    integrity_alert(&mut op, &object).await;

    // The intact file still downloads.
    let body = h.download_file(&c, &intact, None).await.unwrap();
    assert_eq!(body, small);

    gw.stop().await;
}

/// A blob swapped whole for another intact blob (an earlier version of the
/// same file, or another file of the compartment) is damage too, found by
/// the chunks' authentication alone: every blob has its own data key, and
/// its chunks bind compartment, file and version. Downloads do not hash the
/// whole file again, so nothing else would catch it.
#[tokio::test]
async fn a_swapped_blob_is_damage() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let c = w.compartment_a.clone();
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let mut op = gw.operator().await;
    let blobs = gw.data_dir().join("blobs");
    let first = data(200_000, 5);
    let (file, v1_blob) = upload(&gw, &mut h, &c, "versions.bin", &first).await;
    let before: HashSet<PathBuf> = files_under(&blobs).into_iter().collect();
    h.add_version(&c, &file, data(200_000, 6)).await.unwrap();
    let v2_blob = files_under(&blobs)
        .into_iter()
        .find(|p| !before.contains(p))
        .expect("the second version's blob");
    let (other, other_blob) = upload(&gw, &mut h, &c, "other.bin", &data(200_000, 7)).await;
    let (target, target_blob) = upload(&gw, &mut h, &c, "target.bin", &data(200_000, 8)).await;

    std::fs::copy(&v1_blob, &v2_blob).unwrap();
    std::fs::copy(&other_blob, &target_blob).unwrap();
    for (file, version) in [(&file, 2), (&target, 1)] {
        let e = h.download_file(&c, file, Some(version)).await.unwrap_err();
        assert_eq!(
            e.status(),
            Some(StatusCode::INTERNAL_SERVER_ERROR),
            "{file}@{version}"
        );
        assert_eq!(e.code(), Some("file_damaged"));
        let object = format!("{file}@{version}");
        let audit = wait_for_entry(&gw, "file.integrity_failure", &object).await;
        assert!(
            entries(&audit, "file.download", &object)
                .iter()
                .any(|e| e["reason"]
                    .as_str()
                    .unwrap()
                    .contains("chunk authentication failed")),
            "{object}: {audit:?}"
        );
        integrity_alert(&mut op, &object).await;
    }
    // The originals are intact.
    let body = h.download_file(&c, &file, Some(1)).await.unwrap();
    assert_eq!(body, first);
    h.download_file(&c, &other, None).await.unwrap();
    gw.stop().await;
}

#[tokio::test]
async fn the_scrub_finds_damage_nobody_downloaded() {
    scrub_finds_damage(Db::Sqlite).await;
}

/// The damaged mark (migration 0014) on the other backend.
#[tokio::test]
async fn the_scrub_finds_damage_nobody_downloaded_postgres() {
    scrub_finds_damage(Db::Postgres).await;
}

async fn scrub_finds_damage(db: Db) {
    let Some(gw) = Gateway::start(db).await else {
        eprintln!("skipped: no PostgreSQL here");
        return;
    };
    let w = world(&gw).await;
    let c = w.compartment_a.clone();
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let mut op = gw.operator().await;
    let (damaged, blob) = upload(&gw, &mut h, &c, "quiet.bin", &data(150_000, 3)).await;
    let (intact, _) = upload(&gw, &mut h, &c, "fine.bin", &data(150_000, 4)).await;
    flip_byte(&blob, 5);

    let out = gw.admin(&["scrub"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "damage found, yet success: {stdout}");
    assert!(stdout.contains("newly damaged: 1"), "{stdout}");
    assert!(
        stdout.contains(&format!("damaged: file {damaged} version 1")),
        "{stdout}"
    );
    assert!(!stdout.contains(&intact), "{stdout}");
    let object = format!("{damaged}@1");
    let audit = wait_for_entry(&gw, "file.integrity_failure", &object).await;
    assert!(audit.iter().any(|e| e["action"] == "storage.scrub"));
    integrity_alert(&mut op, &object).await;
    // A download now learns of the damage before any byte.
    let e = h.download_file(&c, &damaged, None).await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(e.code(), Some("file_damaged"));
    // A second run finds nothing new and still lists it.
    let out = gw.admin(&["scrub"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("newly damaged: 0"), "{stdout}");
    assert!(
        stdout.contains(&format!("damaged: file {damaged} version 1")),
        "{stdout}"
    );
    gw.stop().await;
}
