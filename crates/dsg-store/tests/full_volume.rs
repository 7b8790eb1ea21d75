//! The audit writer on a volume that fills up and is freed again: it fails
//! closed while the disk is full and writes again, without a restart, once
//! space is back. Runs on a real (small) tmpfs volume; skipped where
//! mounting is not permitted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on purpose"
)]

use std::io::Write;
use std::path::{Path, PathBuf};

use dsg_core::{AuditAction, AuditObject, AuditRecord, Outcome};
use dsg_store::Store;

/// A tmpfs mounted on a fresh directory, unmounted on drop.
struct SmallVolume {
    dir: tempfile::TempDir,
}

impl SmallVolume {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => Some(Self { dir }),
            _ => {
                eprintln!("skipped: mounting a tmpfs is not permitted here");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes zeros to a file until the volume is full; returns the file.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            if file.write_all(&block).is_err() || file.sync_all().is_err() {
                break;
            }
        }
        // Fill the last partial block too.
        while file.write_all(&[0u8; 512]).is_ok() && file.sync_all().is_ok() {}
        path
    }
}

impl Drop for SmallVolume {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn record(request_id: String) -> AuditRecord {
    AuditRecord {
        request_id,
        actor: None,
        source: Some("127.0.0.1".into()),
        terminal: None,
        action: AuditAction::FileList,
        object: AuditObject::RequestedCompartment(String::new()),
        outcome: Outcome::Success,
        // Long enough that a few entries need new pages.
        reason: "x".repeat(2_000),
        decision: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_writer_recovers_once_space_is_freed() {
    let Some(volume) = SmallVolume::mount("8m") else {
        return;
    };
    let url = format!(
        "sqlite://{}?mode=rwc",
        volume.path().join("dsg.db").display()
    );
    let store = Store::connect(&url).await.unwrap();
    store.record(1, &record("before".into())).await.unwrap();
    assert!(store.audit_ready().await.is_ok(), "a fresh store is ready");

    let filler = volume.fill();
    let mut refused = 0;
    for i in 0..200 {
        if store.record(2, &record(format!("full-{i}"))).await.is_err() {
            refused += 1;
            if refused >= 3 {
                break;
            }
        }
    }
    assert!(refused >= 3, "a full volume refused no audit entry");
    assert!(
        store.audit_ready().await.is_err(),
        "ready while the log cannot be written"
    );

    std::fs::remove_file(filler).unwrap();
    assert!(
        store.audit_ready().await.is_ok(),
        "not ready once space is back"
    );
    for i in 0..20 {
        store
            .record(3, &record(format!("after-{i}")))
            .await
            .unwrap_or_else(|e| panic!("entry {i} after space was freed: {e}"));
    }
    let stored: Vec<String> = store
        .recent_audit(10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.request_id)
        .collect();
    assert!(stored.contains(&"after-19".to_owned()));
    store.close().await;
}
