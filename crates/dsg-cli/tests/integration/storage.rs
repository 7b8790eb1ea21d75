//! A small data volume of its own (tmpfs): a full disk fails closed and
//! the gateway recovers without a restart once space is freed; concurrent
//! uploads never eat into the free-space reserve. Skipped where mounting
//! is not permitted.

use std::io::Write;
use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{data, world, Db, Gateway};

/// A tmpfs mounted on a directory; unmounted on drop (lazily, so a test
/// that failed with the gateway still running leaves no mount behind).
pub(crate) struct SmallVolume {
    path: PathBuf,
}

impl SmallVolume {
    pub(crate) fn mount(path: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(path).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipped: mounting a tmpfs is not permitted here");
            return None;
        }
        Some(Self {
            path: path.to_owned(),
        })
    }

    /// Bytes free for an unprivileged writer.
    pub(crate) fn free(&self) -> u64 {
        let out = std::process::Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.path)
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Writes zeros to a file until the volume is full; returns the file.
    pub(crate) fn fill(&self) -> PathBuf {
        let path = self.path.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() && file.sync_all().is_ok() {}
        while file.write_all(&[0u8; 512]).is_ok() && file.sync_all().is_ok() {}
        path
    }
}

impl Drop for SmallVolume {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status();
    }
}

async fn healthz(gw: &Gateway) -> (StatusCode, Value) {
    let response = gw
        .http_client(reqwest::Version::HTTP_11)
        .get(format!("{}/healthz", gw.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_full_disk_fails_closed_and_the_gateway_recovers_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let Some(volume) = SmallVolume::mount(&dir.path().join("data"), "24m") else {
        return;
    };
    let env = [("DSG_LIMITS__FREE_SPACE_RESERVE_BYTES", "1048576")];
    let mut gw = Gateway::start_in(Db::Sqlite, &env, &[], dir).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let list = format!("/api/v1/compartments/{}/files", w.compartment_a);
    assert_eq!(h.get(&list).await.0, StatusCode::OK);
    assert_eq!(healthz(&gw).await.0, StatusCode::OK);

    let filler = volume.fill();
    let mut refused = None;
    for _ in 0..2_000 {
        let (s, body) = h.get(&list).await;
        if s != StatusCode::OK {
            refused = Some((s, body));
            break;
        }
    }
    let (s, body) = refused.expect("a full disk never refused a listing");
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["error"]["code"], "internal");
    let (s, body) = healthz(&gw).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");

    std::fs::remove_file(filler).unwrap();
    assert_eq!(healthz(&gw).await.0, StatusCode::OK);
    for _ in 0..5 {
        let (s, body) = h.get(&list).await;
        assert_eq!(s, StatusCode::OK, "after space was freed: {body}");
    }
    gw.terminate().await;
    drop(volume);
}

#[tokio::test]
async fn concurrent_uploads_never_eat_into_the_reserve() {
    const MIB: u64 = 1024 * 1024;
    const RESERVE: u64 = 8 * MIB;
    let dir = tempfile::tempdir().unwrap();
    let Some(volume) = SmallVolume::mount(&dir.path().join("data"), "56m") else {
        return;
    };
    let reserve = RESERVE.to_string();
    let env = [("DSG_LIMITS__FREE_SPACE_RESERVE_BYTES", reserve.as_str())];
    let mut gw = Gateway::start_in(Db::Sqlite, &env, &[], dir).await.unwrap();
    let w = world(&gw).await;
    let h = gw.login("a.handler", w.password("a.handler")).await;
    let mut created = 0;
    for round in 0..3u64 {
        let requests: Vec<_> = (0..4u64)
            .map(|i| {
                let content = data(20 * MIB as usize, round * 10 + i);
                let path = format!(
                    "/api/v1/compartments/{}/files?name=r{round}-{i}.bin",
                    w.compartment_a
                );
                let req = h.request(Method::POST, &path);
                // The last round declares no length: space is promised
                // chunk by chunk.
                if round == 2 {
                    let pieces = content
                        .chunks(256 * 1024)
                        .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c)))
                        .collect::<Vec<_>>();
                    req.body(reqwest::Body::wrap_stream(futures::stream::iter(pieces)))
                } else {
                    req.body(content)
                }
            })
            .collect();
        // The volume's lowest free space while the uploads run.
        let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let sampler = {
            let sampling = sampling.clone();
            let path = volume.path.clone();
            std::thread::spawn(move || {
                let probe = SmallVolume { path };
                let mut lowest = u64::MAX;
                while sampling.load(std::sync::atomic::Ordering::Acquire) {
                    lowest = lowest.min(probe.free());
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                // Not ours to unmount.
                std::mem::forget(probe);
                lowest
            })
        };
        let answers = futures::future::join_all(requests.into_iter().map(|r| async move {
            let response = r.send().await.unwrap();
            let status = response.status();
            let body: Value =
                serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null);
            (status, body)
        }))
        .await;
        sampling.store(false, std::sync::atomic::Ordering::Release);
        let lowest = sampler.join().unwrap();
        for (s, body) in &answers {
            match *s {
                StatusCode::CREATED => created += 1,
                StatusCode::INSUFFICIENT_STORAGE => {
                    assert_eq!(body["error"]["code"], "insufficient_storage", "{body}")
                }
                other => panic!("round {round}: {other} {body}"),
            }
        }
        // The database may grow a little into the reserve: that is what
        // it is for. Uploads must not.
        assert!(
            lowest >= RESERVE - MIB,
            "round {round}: down to {lowest} bytes free, below the reserve"
        );
        if round == 0 {
            assert!(created >= 1, "nothing fitted: {answers:?}");
        }
        remove_blobs(&gw);
    }
    assert!(created >= 1);
    gw.terminate().await;
    drop(volume);
}

/// Frees the volume for the next round: this round's blobs go (their rows
/// stay; nothing reads them again).
fn remove_blobs(gw: &Gateway) {
    for file in crate::harness::files_under(&gw.data_dir().join("blobs")) {
        std::fs::remove_file(file).unwrap();
    }
}

/// A start on a volume too full to open the database fails, every time,
/// and says why (it cannot record its start, so it must not serve).
#[tokio::test]
async fn a_start_on_a_full_disk_fails_and_names_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let Some(volume) = SmallVolume::mount(&dir.path().join("data"), "24m") else {
        return;
    };
    let env = [("DSG_LIMITS__FREE_SPACE_RESERVE_BYTES", "1048576")];
    let mut gw = Gateway::start_in(Db::Sqlite, &env, &[], dir).await.unwrap();
    let _ = world(&gw).await;
    assert!(gw.terminate().await.success());
    let filler = volume.fill();
    let output = tokio::process::Command::new(crate::harness::binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(gw.data_dir())
        .arg("--key-dir")
        .arg(gw.dir.path().join("keys"))
        .env("DSG_LOG", "off")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), output)
        .await
        .expect("a start on a full disk neither failed nor served")
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "started on a full disk: {said}");
    assert!(
        said.contains("data volume") && said.contains("is full"),
        "{said}"
    );
    // Freed, it starts as before.
    std::fs::remove_file(filler).unwrap();
    assert!(gw.restart().await.is_none());
    assert_eq!(healthz(&gw).await.0, StatusCode::OK);
    gw.terminate().await;
    drop(volume);
}
