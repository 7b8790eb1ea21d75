//! The master key from a PKCS#11 token (SoftHSM2): the token key is made
//! on the token, the master key is created wrapped by it at first start and
//! decrypted on the token at every start; a gateway started on it serves
//! what it stored, and without the token's PIN it does not start.

use std::process::Command;

use reqwest::StatusCode;

use crate::harness::{binary, data, world, Db, Gateway};
use dsg_testkit::softhsm::SoftHsm;

fn dsg(args: &[&str], env: &[(String, String)]) -> std::process::Output {
    Command::new(binary())
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("DSG_AUTH__ARGON2_MEMORY_KIB", "8")
        .env("DSG_AUTH__ARGON2_ITERATIONS", "1")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_gateway_on_a_pkcs11_token_serves_its_files() {
    let Some(hsm) = SoftHsm::start() else {
        return;
    };
    let env = hsm.env(&hsm.pin_file());
    let out = dsg(&["admin", "pkcs11-token-key"], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The key exists once: a second one under the label is refused.
    let again = dsg(&["admin", "pkcs11-token-key"], &env);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has a key"));

    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut gw = Gateway::start_with(Db::Sqlite, &pairs).await.unwrap();
    let keys = gw.data_dir().parent().unwrap().join("keys");
    assert!(
        !keys.join("master.key").exists(),
        "no key file beside the token"
    );
    let wrapped = std::fs::read_to_string(keys.join("master.key.p11")).unwrap();
    assert_eq!(wrapped.trim().len(), 2 * 61, "{wrapped}");

    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let content = data(300_000, 7);
    let (s, up) = h
        .upload(&w.compartment_a, "設計図.pdf", content.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let file = up["file"]["id"].as_str().unwrap().to_owned();

    // Restarted, the gateway decrypts the same master key on the token.
    assert!(gw.restart().await.is_none());
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let (s, body) = h.download(&w.compartment_a, &file, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body == content, "the file is served byte-identical");
    let dir = gw.data_dir();

    // Without the token's PIN the master key stays shut: no start (it
    // fails before it opens the database the running gateway holds).
    let wrong = hsm.env(&hsm.wrong_pin_file());
    let out = dsg(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.to_str().unwrap(),
            "--key-dir",
            keys.to_str().unwrap(),
        ],
        &wrong,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot log in to the token"), "{stderr}");

    // Nor with the wrapped file of another token key label.
    let mut other = hsm.env(&hsm.pin_file());
    for (k, v) in &mut other {
        if k == "DSG_KEYS__PKCS11__KEY_LABEL" {
            *v = "another-key".to_owned();
        }
    }
    let out = dsg(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.to_str().unwrap(),
            "--key-dir",
            keys.to_str().unwrap(),
        ],
        &other,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no AES key labelled"), "{stderr}");
    gw.stop().await;
}

#[tokio::test]
async fn a_gateway_moves_its_master_key_file_under_the_token() {
    let Some(hsm) = SoftHsm::start() else {
        return;
    };
    let mut gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let content = data(100_000, 11);
    let (s, up) = h
        .upload(&w.compartment_a, "仕様書.pdf", content.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let file = up["file"]["id"].as_str().unwrap().to_owned();

    let env = hsm.env(&hsm.pin_file());
    let keys = gw.data_dir().parent().unwrap().join("keys");
    let owned = [
        "--data-dir".to_owned(),
        gw.data_dir().display().to_string(),
        "--key-dir".to_owned(),
        keys.display().to_string(),
    ];
    let dirs: Vec<&str> = owned.iter().map(String::as_str).collect();
    let out = dsg(&["admin", "pkcs11-token-key"], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let import = |args: &[&str]| {
        let mut all = vec!["admin", "pkcs11-import-master-key"];
        all.extend_from_slice(args);
        dsg(&all, &env)
    };
    let out = import(&dirs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Once: the wrapped file is never overwritten.
    assert!(!import(&dirs).status.success());

    // The key file gone, the gateway starts on the token with the same
    // master key (a new one would open none of the stored files).
    std::fs::remove_file(keys.join("master.key")).unwrap();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert!(gw.restart_with_env(&pairs).await.is_none());
    assert!(!keys.join("master.key").exists(), "no new key file made");
    let mut h = gw.login("a.handler", w.password("a.handler")).await;
    let (s, body) = h.download(&w.compartment_a, &file, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body == content, "the file is served byte-identical");
    gw.stop().await;
}
