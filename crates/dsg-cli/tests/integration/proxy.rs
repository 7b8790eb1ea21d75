//! Behind a TLS-terminating proxy: the proxy listener accepts only the
//! proxy authenticated by its client certificate, takes the terminal's
//! certificate from the header and checks it against the terminal CA as
//! the direct listener's handshake does; the direct listener never reads
//! the header.

use std::path::Path;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::harness::{free_port, percent, world, Client, Db, Gateway, TerminalCert};

const HEADER: &str = "x-client-cert";
/// The client address the proxy reports.
const CLIENT_ADDR: &str = "203.0.113.7";

/// The proxy's own PKI: a CA (written to `dir/proxy-ca.pem` for the
/// gateway) and the proxy's client certificate from it.
struct ProxyPki {
    ca_path: std::path::PathBuf,
    identity_pem: String,
}

fn proxy_pki(dir: &Path) -> ProxyPki {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let now = time::OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name.push(DnType::CommonName, "proxy CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = now - time::Duration::days(1);
    ca.not_after = now + time::Duration::days(30);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["proxy.example".to_owned()]).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, "nginx");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.not_before = now - time::Duration::days(1);
    leaf.not_after = now + time::Duration::days(30);
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    let ca_path = dir.join("proxy-ca.pem");
    std::fs::write(&ca_path, ca_cert.pem()).unwrap();
    ProxyPki {
        ca_path,
        identity_pem: format!("{}{}", cert.pem(), key.serialize_pem()),
    }
}

/// The header as nginx's `$ssl_client_escaped_cert` sends it.
fn escaped(cert_pem: &str) -> HeaderValue {
    HeaderValue::from_str(&percent(cert_pem)).unwrap()
}

/// What the proxy forwards: the terminal's certificate (if any) and the
/// client address.
fn forwarded(terminal: Option<&TerminalCert>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(t) = terminal {
        headers.insert(HEADER, escaped(&t.cert_pem));
    }
    headers.insert("x-forwarded-for", HeaderValue::from_static(CLIENT_ADDR));
    headers
}

struct Setup {
    gw: Gateway,
    proxy_base: String,
    pki: ProxyPki,
    _dir: tempfile::TempDir,
}

impl Setup {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pki = proxy_pki(dir.path());
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let gw = Gateway::start_with(
            Db::Sqlite,
            &[
                ("DSG_PROXY_LISTENER__ENABLED", "true"),
                ("DSG_PROXY_LISTENER__LISTEN", listen.as_str()),
                (
                    "DSG_PROXY_LISTENER__CLIENT_CA",
                    pki.ca_path.to_str().unwrap(),
                ),
            ],
        )
        .await
        .unwrap();
        Self {
            gw,
            proxy_base: format!("https://localhost:{port}"),
            pki,
            _dir: dir,
        }
    }

    /// The proxy: authenticated by its client certificate, forwarding
    /// `terminal`'s certificate in the header.
    fn via_proxy(&self, terminal: Option<&TerminalCert>) -> Client {
        let identity = reqwest::Identity::from_pem(self.pki.identity_pem.as_bytes()).unwrap();
        self.gw
            .client_at(&self.proxy_base, Some(identity), forwarded(terminal))
    }

    fn proxy_with_headers(&self, headers: HeaderMap) -> Client {
        let identity = reqwest::Identity::from_pem(self.pki.identity_pem.as_bytes()).unwrap();
        self.gw.client_at(&self.proxy_base, Some(identity), headers)
    }
}

/// The `connection.refused` entries.
fn refusals(gw: &Gateway) -> Vec<Value> {
    gw.audit()
        .into_iter()
        .filter(|e| e["action"] == "connection.refused")
        .collect()
}

/// Waits for a `connection.refused` entry with `reason` (a refused
/// handshake is recorded after the client saw it fail).
async fn refusal_recorded(gw: &Gateway, reason: &str) -> Value {
    for _ in 0..50 {
        if let Some(e) = refusals(gw).into_iter().find(|e| e["reason"] == reason) {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no connection.refused entry with reason {reason}");
}

#[tokio::test]
async fn proxy_listener_takes_the_terminal_from_the_header_only_for_the_authenticated_proxy() {
    let setup = Setup::start().await;
    let gw = &setup.gw;
    let w = world(gw).await;
    let files = format!("/api/v1/compartments/{}/files", w.compartment_a);
    let pw = w.password("a.handler");

    // (a) Through the proxy with the terminal's certificate in the header:
    // the handler logs in (the session is bound to that certificate) and
    // reaches their compartment; the entry names the terminal and the
    // client address the proxy reported.
    let mut at_desk = gw
        .login_with(setup.via_proxy(Some(&w.terminal_a)), "a.handler", pw)
        .await;
    let (s, b) = at_desk.get(&files).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let listed: Vec<Value> = gw
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "file.list")
        .collect();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["outcome"], "success");
    assert_eq!(listed[0]["terminal"], w.terminal_a.id.as_str());
    assert_eq!(listed[0]["source"], CLIENT_ADDR);
    // The same session without the header is no longer bound to its
    // certificate: anonymous.
    let mut stripped = setup.via_proxy(None);
    stripped.cookie = at_desk.cookie.clone();
    assert_eq!(stripped.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(at_desk.get("/api/v1/me").await.0, StatusCode::OK);

    // (b) Without the header: no terminal, so the policy point denies,
    // with the reason the handler can act on.
    let mut no_cert = gw.login_with(setup.via_proxy(None), "a.handler", pw).await;
    let (s, b) = no_cert.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "terminal_required", "{b}");

    // (e) The header sent to the DIRECT listener, without a real client
    // certificate, gives no terminal identity.
    let direct = gw.client_at(&gw.base, None, forwarded(Some(&w.terminal_a)));
    let mut spoofer = gw.login_with(direct, "a.handler", pw).await;
    let (s, b) = spoofer.get(&files).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "terminal_required", "{b}");
    // Nor does the direct listener believe the forwarded address.
    let denied: Vec<Value> = gw
        .audit()
        .into_iter()
        .filter(|e| e["action"] == "file.list" && e["outcome"] == "denied")
        .collect();
    assert!(
        denied.iter().any(|e| e["source"] == "127.0.0.1"),
        "{denied:?}"
    );
    setup.gw.stop().await;
}

#[tokio::test]
async fn proxy_listener_refuses_connections_without_the_proxy_certificate() {
    let setup = Setup::start().await;
    let gw = &setup.gw;
    // (c) No client certificate: refused in the handshake.
    let result = gw
        .client_at(&setup.proxy_base, None, HeaderMap::new())
        .request(Method::GET, "/healthz")
        .send()
        .await;
    assert!(result.is_err(), "the handshake went through: {result:?}");
    let entry = refusal_recorded(gw, "proxy-certificate-required").await;
    assert_eq!(entry["outcome"], "denied");

    // A terminal certificate of the gateway's own terminal CA is no proxy
    // certificate either.
    let mut op = gw.operator().await;
    let (s, b) = op
        .json(
            Method::POST,
            "/api/v1/admin/companies",
            serde_json::json!({ "name": "株式会社プロキシ" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let company = b["id"].as_str().unwrap().to_owned();
    let terminal = gw.register_terminal(&mut op, &company, "P-01").await;
    let result = gw
        .client_at(
            &setup.proxy_base,
            Some(terminal.identity()),
            HeaderMap::new(),
        )
        .request(Method::GET, "/healthz")
        .send()
        .await;
    assert!(
        result.is_err(),
        "a terminal certificate passed as the proxy"
    );
    refusal_recorded(gw, "proxy-certificate-unknown-issuer").await;

    // The proxy itself gets through.
    let mut proxy = setup.via_proxy(None);
    assert_eq!(proxy.get("/healthz").await.0, StatusCode::OK);
    setup.gw.stop().await;
}

#[tokio::test]
async fn proxied_certificates_that_fail_the_terminal_ca_checks_are_refused() {
    let setup = Setup::start().await;
    let gw = &setup.gw;
    let now = time::OffsetDateTime::now_utc();
    let subject = dsg_pki::TerminalSubject {
        terminal_id: uuid::Uuid::new_v4().to_string(),
        company_id: "c".into(),
        label: "forged".into(),
    };
    let as_terminal = |issued: dsg_pki::IssuedTerminal| TerminalCert {
        id: "unregistered".into(),
        cert_pem: issued.cert.cert_pem,
        key_pem: issued.key_pem.expose().to_owned(),
    };
    // (d) The gateway's own CA, but expired; and a foreign CA.
    let ca = gw.terminal_ca().await;
    let expired = as_terminal(
        ca.issue(
            &subject,
            now - time::Duration::hours(20),
            now - time::Duration::hours(1),
        )
        .unwrap(),
    );
    let foreign_ca = dsg_pki::TerminalCa::generate(
        "Some other CA",
        now - time::Duration::days(1),
        now + time::Duration::days(30),
    )
    .unwrap();
    let foreign = as_terminal(
        foreign_ca
            .issue(
                &subject,
                now - time::Duration::hours(1),
                now + time::Duration::days(1),
            )
            .unwrap(),
    );
    for (cert, reason) in [
        (&expired, "proxied-certificate-expired"),
        (&foreign, "proxied-certificate-unknown-issuer"),
    ] {
        let mut client = setup.via_proxy(Some(cert));
        let (s, b) = client.get("/api/v1/me").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{reason}: {b}");
        assert_eq!(b["error"]["code"], "certificate_refused", "{b}");
        let entry = refusal_recorded(gw, reason).await;
        assert_eq!(entry["outcome"], "denied");
        assert_eq!(entry["source"], CLIENT_ADDR);
        // The UI answers with its error page.
        let page_request = client.request(Method::GET, "/");
        let (s, page) = client.send(page_request).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("data-code=\"certificate_refused\""), "{page}");
    }
    // Not a certificate at all; base64 DER of a valid one is fine.
    let mut headers = forwarded(None);
    headers.insert(HEADER, HeaderValue::from_static("not%20a%20certificate"));
    let (s, b) = setup.proxy_with_headers(headers).get("/api/v1/me").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["code"], "certificate_refused");
    refusal_recorded(gw, "proxied-certificate-malformed").await;
    let valid = as_terminal(
        ca.issue(
            &subject,
            now - time::Duration::hours(1),
            now + time::Duration::days(1),
        )
        .unwrap(),
    );
    let der = {
        use base64::Engine;
        use rustls::pki_types::pem::PemObject;
        let der =
            rustls::pki_types::CertificateDer::from_pem_slice(valid.cert_pem.as_bytes()).unwrap();
        base64::engine::general_purpose::STANDARD.encode(der.as_ref())
    };
    let mut headers = forwarded(None);
    headers.insert(HEADER, HeaderValue::from_str(&der).unwrap());
    // A valid certificate of no registered terminal: through to the
    // session guard, which answers as for any anonymous caller.
    let (s, b) = setup.proxy_with_headers(headers).get("/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{b}");
    setup.gw.stop().await;
}
