//! Start-up rules: where keys may live, what the CLI refuses, restarts.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use reqwest::StatusCode;

use crate::harness::{binary, data, world, Db, Gateway};

fn serve(args: &[&str], dirs: (&std::path::Path, &std::path::Path)) -> std::process::Output {
    Command::new(binary())
        .arg("serve")
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dirs.0)
        .arg("--key-dir")
        .arg(dirs.1)
        .args(args)
        .env("DSG_AUTH__ARGON2_MEMORY_KIB", "8")
        .env("DSG_AUTH__ARGON2_ITERATIONS", "1")
        .output()
        .unwrap()
}

fn init(data: &std::path::Path, keys: &std::path::Path) {
    let out = Command::new(binary())
        .arg("init")
        .arg("--data-dir")
        .arg(data)
        .arg("--key-dir")
        .arg(keys)
        .env("DSG_AUTH__ARGON2_MEMORY_KIB", "8")
        .env("DSG_AUTH__ARGON2_ITERATIONS", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("bootstrap enrolment: https://"), "{stdout}");
    assert!(stdout.contains("/enrol?token="), "{stdout}");
}

#[test]
fn a_readable_master_key_stops_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let (data, keys) = (dir.path().join("data"), dir.path().join("keys"));
    init(&data, &keys);
    let key = keys.join("master.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = serve(&[], (&data, &keys));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("readable by group or others"));
}

#[test]
fn keys_inside_the_data_directory_stop_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let keys = data.join("keys");
    let out = serve(&[], (&data, &keys));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("must not contain each other"));
    assert!(
        !keys.join("master.key").exists(),
        "no key is written where it must not live"
    );
}

#[test]
fn plain_http_only_on_loopback_and_unknown_config_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(binary())
        .args(["serve", "--danger-plain-http", "--listen", "0.0.0.0:0"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
    let out = Command::new(binary())
        .args(["serve"])
        .env("DSG_SERVER__NO_SUCH_KEY", "1")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_key"));
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["init", "--help"],
        &["admin", "--help"],
        &["admin", "sweep-orphans", "--help"],
    ] {
        let out = Command::new(binary()).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn data_survives_a_restart_and_the_bootstrap_is_once() {
    let mut gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let content = data(123_457, 9);
    let (_, up) = h
        .upload(&w.compartment_a, "keep.bin", content.clone())
        .await;
    let file = up["file"]["id"].as_str().unwrap().to_owned();
    let printed = gw.restart().await;
    assert!(
        printed.is_none(),
        "the bootstrap credential is printed only on first start"
    );
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let (s, back) = h.download(&w.compartment_a, &file, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(back == content);
    gw.stop().await;
}
