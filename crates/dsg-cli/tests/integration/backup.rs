//! Backup and restore (`dsg admin backup …`): a backup taken while uploads
//! run restores to a gateway that serves every upload acknowledged before
//! the backup started, byte for byte, and whose audit log verifies; a
//! second backup copies only the new blobs; the master key is in no file
//! of it; a flipped byte anywhere is named by `verify`; the restore test
//! records its result.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;

use crate::harness::{binary, data, files_under, world, Db, Gateway};

/// Runs `dsg admin <args>` on the gateway's directories without blocking
/// the runtime the uploads run on.
async fn admin(gw: &Gateway, args: &[&str]) -> Output {
    tokio::process::Command::new(binary())
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(gw.data_dir())
        .arg("--key-dir")
        .arg(gw.dir.path().join("keys"))
        .env("DSG_AUTH__ARGON2_MEMORY_KIB", "8")
        .env("DSG_AUTH__ARGON2_ITERATIONS", "1")
        .output()
        .await
        .unwrap()
}

/// `dsg admin backup <args>` that needs no gateway (verify, restore).
fn backup(args: &[&str]) -> Output {
    std::process::Command::new(binary())
        .args(["admin", "backup"])
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The number after `label` in the output of `backup create`.
fn count(out: &Output, label: &str) -> u64 {
    let t = text(out);
    let at = t.find(label).unwrap_or_else(|| panic!("{label} in {t}")) + label.len();
    t[at..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn backup_id(out: &Output) -> String {
    let t = text(out);
    t.lines()
        .find_map(|l| l.strip_prefix("backup "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no backup id in {t}"))
        .to_owned()
}

fn blob_files(root: &Path) -> usize {
    files_under(&root.join("blobs")).len()
}

type Uploaded = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_during_uploads_restores_every_acknowledged_file() {
    let mut gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let acked: Uploaded = Arc::default();
    for i in 0..4u64 {
        let bytes = data(150_000 + i as usize * 1_001, i + 1);
        let (s, up) = h
            .upload(&w.compartment_a, &format!("before-{i}.bin"), bytes.clone())
            .await;
        assert_eq!(s, StatusCode::CREATED, "{up}");
        let id = up["file"]["id"].as_str().unwrap().to_owned();
        acked.lock().unwrap().push((id, bytes));
    }

    // Two uploaders keep going while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let seeds = Arc::new(AtomicU64::new(100));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (mut h, compartment) = (h.clone(), w.compartment_a.clone());
        let (stop, seeds, acked) = (stop.clone(), seeds.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let seed = seeds.fetch_add(1, Ordering::SeqCst);
                let bytes = data(120_000 + seed as usize, seed);
                let (s, up) = h
                    .upload(&compartment, &format!("during-{seed}.bin"), bytes.clone())
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{up}");
                let id = up["file"]["id"].as_str().unwrap().to_owned();
                acked.lock().unwrap().push((id, bytes));
            }
        }));
    }
    while acked.lock().unwrap().len() < 6 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Everything acknowledged before the backup starts must be in it.
    let before: Vec<(String, Vec<u8>)> = acked.lock().unwrap().clone();
    let root = tempfile::tempdir().unwrap();
    let to = root.path().to_str().unwrap();
    let first = admin(&gw, &["backup", "create", "--to", to]).await;
    // And uploads kept being acknowledged while it ran.
    let during_backup = acked.lock().unwrap().len();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    assert!(first.status.success(), "{}", text(&first));
    let first_id = backup_id(&first);
    let copied = count(&first, "blobs copied:");
    assert!(copied >= before.len() as u64, "{}", text(&first));
    assert_eq!(count(&first, "blobs already in the backup:"), 0);
    assert!(
        count(&first, "inventory copy events:") >= before.len() as u64,
        "{}",
        text(&first)
    );
    assert_eq!(blob_files(root.path()) as u64, copied);
    let entry = gw
        .audit()
        .into_iter()
        .find(|e| e["action"] == "backup.create")
        .expect("the backup's audit entry");
    assert!(
        entry["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("backup={first_id}")),
        "{entry}"
    );
    println!(
        "{} acknowledged before the backup, {during_backup} by its end",
        before.len()
    );

    // The backup is a copy of every stored version it holds: one copy
    // event on each one's inventory item, naming the backup.
    let ledger = h.ledger(&w.compartment_a).await.unwrap();
    let site = format!("backup {first_id}");
    for (file, _) in &before {
        let item = ledger
            .items
            .iter()
            .find(|i| i.kind == "file_version" && i.file_id.as_deref() == Some(file.as_str()))
            .unwrap_or_else(|| panic!("no inventory item of {file}"));
        assert!(
            item.events
                .iter()
                .any(|e| e.kind == "copy" && e.site.as_deref() == Some(site.as_str())),
            "{item:?}"
        );
    }

    let verified = backup(&["verify", to]);
    assert!(verified.status.success(), "{}", text(&verified));

    // Incremental: only the blobs of the new uploads are copied.
    let held = blob_files(root.path());
    for i in 0..3u64 {
        let (s, up) = h
            .upload(
                &w.compartment_a,
                &format!("after-{i}.bin"),
                data(90_000, 500 + i),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{up}");
    }
    // Every upload so far is acknowledged and stored; the first backup
    // holds `copied` of them, the rest are new to this one.
    let stored = acked.lock().unwrap().len() as u64 + 3;
    let second = admin(&gw, &["backup", "create", "--to", to]).await;
    assert!(second.status.success(), "{}", text(&second));
    let new = stored - copied;
    assert!(new >= 3);
    assert_eq!(count(&second, "blobs copied:"), new, "{}", text(&second));
    assert_eq!(
        count(&second, "blobs already in the backup:"),
        copied,
        "{}",
        text(&second)
    );
    assert_eq!(blob_files(root.path()), held + new as usize);

    // The master key is in no file of the backup, in any form.
    let key_hex = std::fs::read_to_string(gw.dir.path().join("keys/master.key")).unwrap();
    let key_hex = key_hex.trim().to_owned();
    let key_raw = hex::decode(&key_hex).unwrap();
    for file in files_under(root.path()) {
        let bytes = std::fs::read(&file).unwrap();
        for needle in [
            key_raw.as_slice(),
            key_hex.as_bytes(),
            key_hex.to_uppercase().as_bytes(),
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "the master key is in {}",
                file.display()
            );
        }
    }

    // The scheduled restore test passes and leaves its evidence.
    let tested = admin(&gw, &["backup", "restore-test", to]).await;
    assert!(tested.status.success(), "{}", text(&tested));
    let evidence = gw
        .audit()
        .into_iter()
        .find(|e| e["action"] == "backup.restore_test")
        .expect("the restore test's audit entry");
    assert_eq!(evidence["outcome"], "success", "{evidence}");

    // Restore the first backup into a fresh data directory and start the
    // gateway on it (same key directory): it verifies its log at start.
    assert!(gw.terminate().await.success());
    std::fs::rename(gw.data_dir(), gw.dir.path().join("data.old")).unwrap();
    let data_dir = gw.data_dir();
    let restored = backup(&[
        "restore",
        to,
        "--backup",
        &first_id,
        "--data",
        data_dir.to_str().unwrap(),
    ]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(
        gw.restart().await.is_none(),
        "a restored gateway is not new"
    );
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    for (file, bytes) in &before {
        let (s, got) = h.download(&w.compartment_a, file, None).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "file {file} acknowledged before the backup"
        );
        assert!(got == *bytes, "file {file} differs after the restore");
    }
    // What was acknowledged during the backup is there intact, or not yet.
    let later: Vec<(String, Vec<u8>)> = acked.lock().unwrap().clone();
    for (file, bytes) in later.iter().skip(before.len()) {
        let (s, got) = h.download(&w.compartment_a, file, None).await;
        assert!(s == StatusCode::OK || s == StatusCode::NOT_FOUND, "{s}");
        if s == StatusCode::OK {
            assert!(got == *bytes, "file {file} differs after the restore");
        }
    }
    let export = gw.dir.path().join("restored-audit.jsonl");
    let out = admin(&gw, &["audit-export", "--out", export.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    let out = std::process::Command::new(binary())
        .args(["admin", "audit-verify", "--file", export.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    gw.stop().await;
}

#[tokio::test]
async fn verify_names_a_flipped_byte_and_restore_refuses_it() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    for i in 0..2u64 {
        let (s, up) = h
            .upload(&w.compartment_a, &format!("f{i}.bin"), data(70_000, 40 + i))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{up}");
    }
    let root = tempfile::tempdir().unwrap();
    let to = root.path().to_str().unwrap();
    let out = admin(&gw, &["backup", "create", "--to", to]).await;
    assert!(out.status.success(), "{}", text(&out));
    let id = backup_id(&out);
    assert!(backup(&["verify", to]).status.success());

    let flip = |path: &Path, at: usize| {
        let mut bytes = std::fs::read(path).unwrap();
        let i = at.min(bytes.len() - 1);
        bytes[i] ^= 0x01;
        std::fs::write(path, bytes).unwrap();
    };
    // A blob, the snapshot, the manifest: each is named.
    let blob = files_under(&root.path().join("blobs")).remove(0);
    let blob_name = blob
        .strip_prefix(root.path())
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let db = root.path().join(format!("backups/{id}/dsg.db"));
    let manifest = root.path().join(format!("backups/{id}/manifest.json"));
    for (path, name) in [
        (blob.clone(), blob_name.clone()),
        (db.clone(), format!("backups/{id}/dsg.db")),
        (manifest.clone(), format!("backups/{id}/manifest.json")),
    ] {
        let original = std::fs::read(&path).unwrap();
        flip(&path, original.len() / 2);
        let out = backup(&["verify", to]);
        assert!(!out.status.success(), "a flipped byte in {name} passed");
        assert!(
            text(&out).contains(&name),
            "{name} not named: {}",
            text(&out)
        );
        if path == blob {
            let fresh = root.path().join("restored");
            let out = backup(&["restore", to, "--data", fresh.to_str().unwrap()]);
            assert!(!out.status.success(), "restored a damaged backup");
            assert!(text(&out).contains(&name), "{}", text(&out));
            assert!(!fresh.exists(), "a half-restored directory was left");
        }
        std::fs::write(&path, original).unwrap();
        assert!(backup(&["verify", to]).status.success());
    }
    // A key other than the one published signed it: refused.
    let other = "04".to_owned() + &"ab".repeat(64);
    let out = backup(&["verify", to, "--public-key", &other]);
    assert!(!out.status.success(), "{}", text(&out));
    gw.stop().await;
}
