//! PKCS#12 export.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers may fail loudly"
)]

mod common;

use std::process::Command;

use common::{ca, subject, validity};
use dsg_crypto::SecretString;
use dsg_pki::{pkcs12, PkiError};
use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
use rcgen::KeyPair;

const PASSWORD: &str = "correct horse battery staple";

fn password() -> SecretString {
    SecretString::new(PASSWORD.to_string())
}

#[test]
fn pkcs12_parses_back_with_key_certificate_and_ca() {
    let ca = ca("DSG Terminal CA");
    let (nb, na) = validity();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    let p12 = pkcs12(&issued, &ca.cert_der(), "Workstation Lab 3", &password()).unwrap();

    let store = KeyStore::from_pkcs12(&p12, PASSWORD, Pkcs12ImportPolicy::Relaxed).unwrap();
    let (alias, chain) = store.private_key_chain().unwrap();
    assert_eq!(alias, "Workstation Lab 3");
    let certs: Vec<&[u8]> = chain.certs().iter().map(|c| c.as_der()).collect();
    assert_eq!(
        certs,
        vec![issued.cert.cert_der.as_slice(), ca.cert_der().as_slice()]
    );
    let key = KeyPair::from_pem(issued.key_pem.expose()).unwrap();
    assert_eq!(chain.key().as_der(), key.serialized_der());
    // Only the one key chain: no stray entries.
    assert_eq!(
        store
            .entries()
            .filter(|(_, e)| matches!(e, KeyStoreEntry::PrivateKeyChain(_)))
            .count(),
        1
    );
}

#[test]
fn pkcs12_wrong_password_fails() {
    let ca = ca("CA");
    let (nb, na) = validity();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    let p12 = pkcs12(&issued, &ca.cert_der(), "t", &password()).unwrap();
    assert!(KeyStore::from_pkcs12(&p12, "wrong password", Pkcs12ImportPolicy::Relaxed).is_err());
    assert!(KeyStore::from_pkcs12(&p12, "", Pkcs12ImportPolicy::Relaxed).is_err());
    // Two exports of the same material differ (fresh salts and IVs).
    let again = pkcs12(&issued, &ca.cert_der(), "t", &password()).unwrap();
    assert_ne!(p12, again);
}

#[test]
fn pkcs12_refuses_bad_inputs() {
    let ca = ca("CA");
    let other = common::ca("Other");
    let (nb, na) = validity();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    let second = ca.issue(&subject(), nb, na).unwrap();

    let empty = SecretString::new(String::new());
    assert!(matches!(
        pkcs12(&issued, &ca.cert_der(), "t", &empty),
        Err(PkiError::Pkcs12(_))
    ));
    assert!(matches!(
        pkcs12(&issued, &ca.cert_der(), "", &password()),
        Err(PkiError::Pkcs12(_))
    ));
    // The CA certificate must be the issuer.
    assert!(matches!(
        pkcs12(&issued, &other.cert_der(), "t", &password()),
        Err(PkiError::Pkcs12(_))
    ));
    // The key must belong to the certificate.
    let mixed = dsg_pki::IssuedTerminal {
        cert: issued.cert.clone(),
        key_pem: second.key_pem.clone(),
    };
    assert!(matches!(
        pkcs12(&mixed, &ca.cert_der(), "t", &password()),
        Err(PkiError::Pkcs12(_))
    ));
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn openssl_reads_the_pkcs12_when_present() {
    if !openssl_available() {
        println!("NOTE: `openssl` not found; skipping the OpenSSL PKCS#12 interop check");
        return;
    }
    let ca = ca("DSG Terminal CA");
    let (nb, na) = validity();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    let p12 = pkcs12(&issued, &ca.cert_der(), "Workstation Lab 3", &password()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("terminal.p12");
    std::fs::write(&path, &p12).unwrap();

    let run = |pass: &str| {
        Command::new("openssl")
            .args(["pkcs12", "-in"])
            .arg(&path)
            .args(["-passin", &format!("pass:{pass}"), "-nodes", "-info"])
            .output()
            .unwrap()
    };

    let out = run(PASSWORD);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "openssl refused the file:\n{stderr}\n{stdout}"
    );
    // Modern algorithms only.
    assert!(stderr.contains("MAC: sha256"), "{stderr}");
    assert!(stderr.contains("PBES2, PBKDF2, AES-256-CBC"), "{stderr}");
    assert!(
        !stderr.contains("RC2") && !stderr.contains("3DES"),
        "{stderr}"
    );
    // Both certificates and the key are in it.
    assert_eq!(
        stdout.matches("-----BEGIN CERTIFICATE-----").count(),
        2,
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("-----BEGIN PRIVATE KEY-----").count(),
        1,
        "{stdout}"
    );
    assert!(
        stdout.contains("friendlyName: Workstation Lab 3"),
        "{stdout}"
    );
    let norm = |s: &str| s.replace('\r', "");
    assert!(
        norm(&stdout).contains(issued.cert.cert_pem.trim()),
        "{stdout}"
    );
    assert!(norm(&stdout).contains(ca.cert_pem().trim()), "{stdout}");

    let out = run("wrong password");
    assert!(
        !out.status.success(),
        "openssl opened the file with a wrong password"
    );
}

#[test]
fn pkcs12_takes_a_friendly_name_outside_the_basic_plane() {
    // A terminal's name may hold any character a label allows; the bag's
    // friendly name is a BMPString, so one beyond U+FFFF becomes U+FFFD
    // rather than failing the registration after it was stored.
    let ca = ca("CA");
    let (nb, na) = validity();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    let p12 = pkcs12(&issued, &ca.cert_der(), "dsg 端末\u{a4521}A", &password()).unwrap();
    let store = KeyStore::from_pkcs12(&p12, PASSWORD, Pkcs12ImportPolicy::Relaxed).unwrap();
    let (alias, _) = store.private_key_chain().unwrap();
    assert_eq!(alias, "dsg 端末\u{fffd}A");
}
