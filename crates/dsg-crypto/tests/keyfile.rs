//! Integration tests for the file-based master key provider.

#![allow(
    clippy::string_slice,
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns may unwrap; failures should abort the test"
)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use dsg_crypto::{random_token, CryptoError, FileKeyProvider, KeyProvider};

/// Unique temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let name = random_token(&SystemRandom::new()).unwrap();
        let dir = std::env::temp_dir().join(format!("dsg-crypto-test-{}", name.expose()));
        fs::create_dir(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn create_then_load() {
    let dir = TempDir::new();
    let path = dir.path().join("master.key");
    FileKeyProvider::create(&path, &SystemRandom::new()).unwrap();
    assert_eq!(mode(&path), 0o600);
    let contents = fs::read_to_string(&path).unwrap();
    assert_eq!(contents.len(), 65);
    assert!(contents.ends_with('\n'));
    assert!(contents[..64].bytes().all(|b| b.is_ascii_hexdigit()));

    let p = FileKeyProvider::new(path.clone());
    p.check_permissions().unwrap();
    let k = p.master_key().unwrap();
    assert_eq!(hex::encode(k.expose()), contents.trim());
    assert_eq!(p.master_key().unwrap().expose(), k.expose());
    assert!(p.describe().contains("master.key"));
    assert!(!p.describe().contains(contents.trim()));
}

#[test]
fn two_created_keys_differ() {
    let dir = TempDir::new();
    let rng = SystemRandom::new();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    FileKeyProvider::create(&a, &rng).unwrap();
    FileKeyProvider::create(&b, &rng).unwrap();
    let ka = FileKeyProvider::new(a).master_key().unwrap();
    let kb = FileKeyProvider::new(b).master_key().unwrap();
    assert_ne!(ka.expose(), kb.expose());
}

#[test]
fn create_refuses_existing() {
    let dir = TempDir::new();
    let path = dir.path().join("master.key");
    FileKeyProvider::create(&path, &SystemRandom::new()).unwrap();
    let before = fs::read(&path).unwrap();
    let err = FileKeyProvider::create(&path, &SystemRandom::new()).unwrap_err();
    assert!(matches!(err, CryptoError::KeyFile(_)), "{err:?}");
    assert_eq!(fs::read(&path).unwrap(), before, "existing key overwritten");
}

#[test]
fn permissions_checked() {
    let dir = TempDir::new();
    let path = dir.path().join("master.key");
    FileKeyProvider::create(&path, &SystemRandom::new()).unwrap();
    let p = FileKeyProvider::new(path.clone());
    for bad in [0o644, 0o640, 0o604, 0o660, 0o610] {
        fs::set_permissions(&path, fs::Permissions::from_mode(bad)).unwrap();
        match p.check_permissions() {
            Err(CryptoError::KeyFile(msg)) => {
                assert!(msg.contains("group or others"), "{msg}");
                assert!(msg.contains("chmod 600"), "{msg}");
                assert!(msg.contains("master.key"), "{msg}");
            }
            other => panic!("mode {bad:o} accepted: {other:?}"),
        }
    }
    for good in [0o600, 0o400] {
        fs::set_permissions(&path, fs::Permissions::from_mode(good)).unwrap();
        p.check_permissions().unwrap();
    }
    let missing = FileKeyProvider::new(dir.path().join("missing"));
    assert!(matches!(
        missing.check_permissions(),
        Err(CryptoError::KeyFile(_))
    ));
}

#[test]
fn bad_contents_rejected() {
    let dir = TempDir::new();
    let good = "ab".repeat(32);
    let cases = [
        String::new(),
        "\n".to_string(),
        "zz".repeat(32),
        "ab".repeat(31),
        "ab".repeat(33),
        format!("{}g", &good[..63]),
        format!("{good} {good}"),
        format!("0x{}", &good[..62]),
    ];
    for (i, c) in cases.iter().enumerate() {
        let path = dir.path().join(format!("k{i}"));
        fs::write(&path, c).unwrap();
        let err = FileKeyProvider::new(path).master_key().unwrap_err();
        match err {
            CryptoError::KeyFile(msg) => {
                assert!(msg.contains(&format!("k{i}")), "{msg}");
                assert!(!msg.contains("abab"), "message leaks contents: {msg}");
            }
            other => panic!("case {i}: {other:?}"),
        }
    }
    // Surrounding whitespace is fine, upper-case hex too.
    let path = dir.path().join("ok");
    fs::write(&path, format!("  {}\r\n", good.to_uppercase())).unwrap();
    let k = FileKeyProvider::new(path).master_key().unwrap();
    assert_eq!(k.expose(), &[0xAB; 32]);
    let missing = FileKeyProvider::new(dir.path().join("missing"));
    assert!(matches!(missing.master_key(), Err(CryptoError::KeyFile(_))));
}

#[test]
fn provider_is_object_safe_and_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<FileKeyProvider>();
    let p: Box<dyn KeyProvider> = Box::new(FileKeyProvider::new(PathBuf::from("/nonexistent")));
    assert!(p.master_key().is_err());
}
