//! Registered terminals over real mTLS: the policy point denies requests
//! without a registered, active terminal of the user's company; the TLS
//! listener refuses certificates that fail chain validation; quarantine
//! applies on the next request and closes open connections; sessions are
//! bound to their certificate.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{world, Db, Gateway, TerminalCert};

/// The audit entries of `action`, oldest first (`audit-tail` prints the
/// newest first).
fn entries(gw: &Gateway, action: &str) -> Vec<Value> {
    let mut found: Vec<Value> = gw
        .audit()
        .into_iter()
        .filter(|e| e["action"] == action)
        .collect();
    found.reverse();
    found
}

#[tokio::test]
async fn only_a_registered_active_terminal_of_the_users_company_reaches_data() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);
    let pw = w.password("a.handler");

    // From the company's registered terminal: allowed, and the entry names it.
    let mut at_desk = gw.login("a.handler", pw).await;
    let (s, b) = at_desk.get(&files).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let listed = entries(&gw, "file.list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["outcome"], "success");
    assert_eq!(listed[0]["terminal"], w.terminal_a.id.as_str());

    // Without a certificate: the policy point denies, with the reason the
    // handler can act on; the entry records the deciding policy.
    let mut no_cert = gw.login_from("a.handler", pw, None).await;
    let (s, b) = no_cert.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "terminal_required");
    let denied: Vec<Value> = entries(&gw, "file.list")
        .into_iter()
        .filter(|e| e["outcome"] == "denied")
        .collect();
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert!(
        denied[0]["reason"]
            .as_str()
            .unwrap()
            .contains("registered-terminal-for-data"),
        "{denied:?}"
    );
    assert!(denied[0]["terminal"].is_null());
    // The home list still shows the compartment, with the reason.
    let (s, b) = no_cert.get("/api/v1/compartments").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b["compartments"][0]["blocked"]["code"], "terminal_required",
        "{b}"
    );

    // From another company's registered terminal.
    let mut elsewhere = gw.login_from("a.handler", pw, Some(&w.terminal_b)).await;
    let (s, b) = elsewhere.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "terminal_other_company");

    // Those not entitled to know the compartment get the uniform answer,
    // whatever their terminal.
    let mut member = gw.login("a.member", w.password("a.member")).await;
    assert_eq!(member.get(&files).await.0, StatusCode::NOT_FOUND);
    let mut outsider = gw
        .login_from("b.handler", w.password("b.handler"), None)
        .await;
    assert_eq!(outsider.get(&files).await.0, StatusCode::NOT_FOUND);
    gw.stop().await;
}

#[tokio::test]
async fn a_session_is_bound_to_the_certificate_it_was_created_with() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let handler = gw.login("a.handler", w.password("a.handler")).await;
    let stolen = handler.cookie.clone().unwrap();
    assert_eq!(handler.clone().get("/api/v1/me").await.0, StatusCode::OK);
    for terminal in [Some(&w.terminal_b), None] {
        let mut thief = gw.client_from(terminal);
        thief.cookie = Some(stolen.clone());
        let (s, b) = thief.get("/api/v1/me").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    }
    let mismatches = entries(&gw, "auth.session.terminal_mismatch");
    assert_eq!(mismatches.len(), 2, "{mismatches:?}");
    assert_eq!(mismatches[0]["actor"], w.user_id("a.handler"));
    // The session itself still works from its own terminal.
    assert_eq!(handler.clone().get("/api/v1/me").await.0, StatusCode::OK);
    gw.stop().await;
}

/// A TLS client presenting `terminal` on one keep-alive connection.
async fn raw_connection(
    gw: &Gateway,
    terminal: &TerminalCert,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(gw.dir.path().join("keys/tls/ca.pem")).unwrap();
    roots
        .add(CertificateDer::from_pem_slice(&ca).unwrap())
        .unwrap();
    let cert = CertificateDer::from_pem_slice(terminal.cert_pem.as_bytes()).unwrap();
    let key = PrivateKeyDer::from_pem_slice(terminal.key_pem.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(vec![cert], key)
        .unwrap();
    let addr = gw.base.trim_start_matches("https://").to_owned();
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

#[tokio::test]
async fn quarantine_applies_on_the_next_request_and_closes_open_connections() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);
    let mut handler = gw.login("a.handler", w.password("a.handler")).await;
    assert_eq!(handler.get(&files).await.0, StatusCode::OK);

    // An open keep-alive connection from the terminal.
    let mut conn = raw_connection(&gw, &w.terminal_a).await;
    conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = conn.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);

    let mut op = gw.operator().await;
    let (s, b) = op.get("/api/v1/admin/terminals").await;
    assert_eq!(s, StatusCode::OK);
    let listed = b["terminals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == w.terminal_a.id.as_str())
        .unwrap()
        .clone();
    assert!(
        listed["open_connections"].as_u64().unwrap() >= 1,
        "{listed}"
    );

    let (s, b) = op
        .json(
            Method::POST,
            &format!("/api/v1/admin/terminals/{}/quarantine", w.terminal_a.id),
            json!({ "reason": "マルウェア検知 (EDR alert)" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "quarantined");

    // The open connection is closed by the gateway…
    let closed = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
        .await
        .expect("the connection was not closed");
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
    // …and the very next request is denied by the policy point. (The
    // client's pooled connection was closed too; like a browser it retries
    // once on a new one.)
    let (s, b) = get_reconnecting(&handler, &files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "terminal_quarantined");
    let quarantines = entries(&gw, "terminal.quarantine");
    assert_eq!(quarantines.len(), 1);
    assert_eq!(quarantines[0]["object_id"], w.terminal_a.id.as_str());

    // Release restores access; revocation is final.
    let path = |what: &str| format!("/api/v1/admin/terminals/{}/{what}", w.terminal_a.id);
    let (s, _) = op.json(Method::POST, &path("release"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(handler.get(&files).await.0, StatusCode::OK);
    let (s, _) = op.json(Method::POST, &path("revoke"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = get_reconnecting(&handler, &files).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(b["error"]["code"], "terminal_revoked");
    let (s, b) = op.json(Method::POST, &path("release"), json!({})).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("refused"))
    );
    gw.stop().await;
}

/// GET that retries once when the pooled connection turns out closed.
pub(crate) async fn get_reconnecting(
    client: &crate::harness::Client,
    path: &str,
) -> (StatusCode, Value) {
    let response = match client.request(Method::GET, path).send().await {
        Ok(r) => r,
        Err(e) if e.is_request() => client.request(Method::GET, path).send().await.unwrap(),
        Err(e) => panic!("{e}"),
    };
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn as_terminal(issued: dsg_pki::IssuedTerminal) -> TerminalCert {
    TerminalCert {
        id: "unregistered".into(),
        cert_pem: issued.cert.cert_pem,
        key_pem: issued.key_pem.expose().to_owned(),
    }
}

#[tokio::test]
async fn unknown_issuer_and_expired_certificates_are_refused_in_the_handshake() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    let subject = dsg_pki::TerminalSubject {
        terminal_id: uuid::Uuid::new_v4().to_string(),
        company_id: "c".into(),
        label: "forged".into(),
    };
    // Another CA, and a look-alike of the gateway's (same name, other key).
    let foreign_cert = |ca_name: &str| {
        let ca = dsg_pki::TerminalCa::generate(
            ca_name,
            now - time::Duration::days(1),
            now + time::Duration::days(30),
        )
        .unwrap();
        as_terminal(
            ca.issue(
                &subject,
                now - time::Duration::hours(1),
                now + time::Duration::days(1),
            )
            .unwrap(),
        )
    };
    let stranger = foreign_cert("Some other CA");
    let lookalike = foreign_cert("dsg terminal CA");
    // The gateway's own CA, but expired.
    let ca = gw.terminal_ca().await;
    let expired = as_terminal(
        ca.issue(
            &subject,
            now - time::Duration::hours(20),
            now - time::Duration::hours(1),
        )
        .unwrap(),
    );
    // A valid certificate of the CA that names no registered terminal gets
    // through the handshake, and the policy point denies it.
    let unregistered = as_terminal(
        ca.issue(
            &subject,
            now - time::Duration::hours(1),
            now + time::Duration::days(1),
        )
        .unwrap(),
    );
    for (cert, reason) in [
        (&stranger, "certificate-unknown-issuer"),
        (&lookalike, "certificate-bad-signature"),
        (&expired, "certificate-expired"),
    ] {
        let result = gw
            .client_from(Some(cert))
            .request(Method::GET, "/healthz")
            .send()
            .await;
        assert!(result.is_err(), "{reason}: the handshake went through");
        // The listener records the refusal after the handshake ends, so
        // the client may see the failure first.
        let mut recorded = false;
        for _ in 0..50 {
            recorded = entries(&gw, "connection.refused")
                .iter()
                .any(|e| e["reason"] == reason && e["outcome"] == "denied");
            if recorded {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(recorded, "{reason} was not recorded");
    }
    let mut client = gw.client_from(Some(&unregistered));
    assert_eq!(client.get("/healthz").await.0, StatusCode::OK);
    gw.stop().await;
}

#[tokio::test]
async fn only_operators_register_terminals_and_bad_input_is_refused() {
    let gw = Gateway::start(Db::Sqlite).await.unwrap();
    let w = world(&gw).await;
    let body = |serial: &str, csr: Option<&str>| {
        json!({ "company_id": w.company_a, "name": "PC", "site": "本社", "serial": serial,
                "csr_pem": csr })
    };
    let mut member = gw.login("a.handler", w.password("a.handler")).await;
    let (s, _) = member
        .json(Method::POST, "/api/v1/admin/terminals", body("X-1", None))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Nor may a member quarantine or list them, nor anyone anonymous.
    let quarantine = format!("/api/v1/admin/terminals/{}/quarantine", w.terminal_a.id);
    let (s, _) = member.json(Method::POST, &quarantine, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        member.get("/api/v1/admin/terminals").await.0,
        StatusCode::FORBIDDEN
    );
    let mut anonymous = gw.client();
    let (s, _) = anonymous
        .json(Method::POST, "/api/v1/admin/terminals", body("X-9", None))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = anonymous.json(Method::POST, &quarantine, json!({})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let mut op = gw.operator().await;
    let (s, b) = op
        .json(
            Method::POST,
            "/api/v1/admin/terminals",
            body("X-2", Some("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["code"], "invalid_content");
    // The same serial twice in one company.
    let (s, b) = op
        .json(
            Method::POST,
            "/api/v1/admin/terminals",
            body("A-PC-01", None),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    // Without a CSR the gateway makes the key and hands over PKCS#12 once.
    let (s, b) = op
        .json(Method::POST, "/api/v1/admin/terminals", body("X-3", None))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert!(b["pkcs12_base64"].as_str().unwrap().len() > 1000);
    assert!(b["pkcs12_password"].as_str().unwrap().len() >= 20);
    let registrations: Vec<Value> = entries(&gw, "terminal.register")
        .into_iter()
        .filter(|e| e["outcome"] == "success")
        .collect();
    assert_eq!(registrations.len(), 3, "two in the world, one here");
    assert_eq!(
        entries(&gw, "terminal.register")
            .iter()
            .filter(|e| e["outcome"] == "denied")
            .count(),
        2,
        "the member's and the anonymous attempt"
    );
    gw.stop().await;
}
