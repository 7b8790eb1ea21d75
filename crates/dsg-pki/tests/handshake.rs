//! Real TLS handshakes: a tokio-rustls server using `client_verifier()`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers may fail loudly"
)]

mod common;

use std::sync::Arc;

use common::{ca, now, subject, validity};
use dsg_pki::{fingerprint, IssuedTerminal, TerminalCa};
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A separate server CA and a `localhost` server certificate from it.
struct ServerPki {
    root_der: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn server_pki() -> ServerPki {
    let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut root = CertificateParams::default();
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let root_cert = root.self_signed(&root_key).unwrap();
    let issuer = Issuer::new(root, root_key);

    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf.signed_by(&key, &issuer).unwrap();
    ServerPki {
        root_der: root_cert.der().clone(),
        chain: vec![leaf_cert.der().clone()],
        key: PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
    }
}

/// What the server saw: `Ok(fingerprints of the peer certificates)` (None when
/// the client sent none) or the handshake error.
type ServerResult = Result<Option<Vec<String>>, String>;

/// Runs one connection: the server accepts with the terminal CA's verifier,
/// the client connects presenting `client_cert` (or nothing), sends "ping"
/// and waits for "pong".
async fn handshake(ca: &TerminalCa, client_cert: Option<&IssuedTerminal>) -> (ServerResult, bool) {
    let pki = server_pki();
    let server_config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(ca.client_verifier().unwrap())
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(server_config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();

    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = match acceptor.accept(tcp).await {
            Ok(tls) => tls,
            Err(e) => return Err(e.to_string()),
        };
        let peer = tls
            .get_ref()
            .1
            .peer_certificates()
            .map(|certs| certs.iter().map(|c| fingerprint(c)).collect::<Vec<_>>());
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
        assert_eq!(&buf, b"ping");
        tls.write_all(b"pong").await.map_err(|e| e.to_string())?;
        tls.shutdown().await.map_err(|e| e.to_string())?;
        Ok(peer)
    });

    let mut roots = RootCertStore::empty();
    roots.add(pki.root_der.clone()).unwrap();
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let client_config = match client_cert {
        Some(issued) => {
            let chain = vec![CertificateDer::from(issued.cert.cert_der.clone())];
            let key = PrivateKeyDer::from_pem_slice(issued.key_pem.expose().as_bytes()).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    let connector = TlsConnector::from(Arc::new(client_config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    // With TLS 1.3 the client finishes its side before the server has judged
    // its certificate, so a refusal shows up on the first read.
    let client_ok = async {
        let mut tls = connector.connect(name, tcp).await.ok()?;
        tls.write_all(b"ping").await.ok()?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await.ok()?;
        (&buf == b"pong").then_some(())
    }
    .await
    .is_some();

    let server_result = tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap();
    (server_result, client_ok)
}

#[tokio::test]
async fn terminal_certificate_completes_the_handshake() {
    let ca = ca("DSG Terminal CA");
    let (nb, na) = validity();
    let issued = ca.issue(&subject(), nb, na).unwrap();
    let (server, client_ok) = handshake(&ca, Some(&issued)).await;
    assert_eq!(server, Ok(Some(vec![issued.cert.fingerprint.clone()])));
    assert!(client_ok);
}

#[tokio::test]
async fn csr_issued_certificate_completes_the_handshake() {
    let ca = ca("DSG Terminal CA");
    let (nb, na) = validity();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let csr = CertificateParams::default()
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap();
    let cert = ca.sign_csr(&csr, &subject(), nb, na).unwrap();
    let issued = IssuedTerminal {
        cert,
        key_pem: dsg_crypto::SecretString::new(key.serialize_pem()),
    };
    let (server, client_ok) = handshake(&ca, Some(&issued)).await;
    assert_eq!(server, Ok(Some(vec![issued.cert.fingerprint.clone()])));
    assert!(client_ok);
}

#[tokio::test]
async fn expired_terminal_certificate_fails_the_handshake() {
    let ca = ca("DSG Terminal CA");
    let n = now();
    let issued = ca
        .issue(&subject(), n - Duration::days(30), n - Duration::days(1))
        .unwrap();
    let (server, client_ok) = handshake(&ca, Some(&issued)).await;
    let err = server.unwrap_err();
    assert!(err.to_lowercase().contains("expired"), "{err}");
    assert!(!client_ok);
}

#[tokio::test]
async fn certificate_from_another_ca_fails_the_handshake() {
    let ca = ca("DSG Terminal CA");
    let other = common::ca("DSG Terminal CA");
    let (nb, na) = validity();
    let issued = other.issue(&subject(), nb, na).unwrap();
    let (server, client_ok) = handshake(&ca, Some(&issued)).await;
    assert!(server.is_err(), "{server:?}");
    assert!(!client_ok);
}

#[tokio::test]
async fn no_client_certificate_still_reaches_the_application() {
    let ca = ca("DSG Terminal CA");
    let (server, client_ok) = handshake(&ca, None).await;
    assert_eq!(server, Ok(None));
    assert!(client_ok);
}
