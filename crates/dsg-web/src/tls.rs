//! TLS material and the listener loop.
//!
//! On first start the gateway creates its own certificate authority and a
//! server certificate for `localhost` (plus configured names), ECDSA P-256,
//! in the key directory. Clients and browsers trust `tls/ca.pem`; nobody
//! needs to ignore certificate errors. Production replaces
//! `server.pem`/`server-key.pem` with a certificate for its DNS name.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::http::context::{IsTls, PeerAddr, ThroughProxy};
use crate::http::refusals::{MAX_HEADER_BYTES, MAX_HEADER_FIELDS};
use crate::linger::Lingering;
use dsg_app::{App, ClientCertificate};

/// HTTP/2 receive window of one stream (an upload): what the client may
/// send ahead of the server reading it.
const H2_STREAM_WINDOW: u32 = 2 * 1024 * 1024;
/// HTTP/2 receive window of a connection, shared by its streams.
const H2_CONNECTION_WINDOW: u32 = 4 * 1024 * 1024;
/// Largest HTTP/2 frame a client may send (the protocol's default is 16 KiB).
const H2_MAX_FRAME: u32 = 256 * 1024;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("tls: {0}")]
pub struct TlsError(pub String);

fn err(e: impl std::fmt::Display) -> TlsError {
    TlsError(e.to_string())
}

/// The listeners' TLS, as [`prepare`] sets it up.
pub struct ListenerTls {
    /// The direct listener's configuration (asks for a terminal client
    /// certificate), unless plain HTTP was chosen for development.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The proxy listener's (client certificate of
    /// `proxy_listener.client_ca` required), when it is enabled.
    pub proxy_tls: Option<Arc<rustls::ServerConfig>>,
    /// Where the gateway CA certificate is, for clients to trust.
    pub ca_cert: PathBuf,
}

/// Makes the TLS material on first start (gateway CA and server
/// certificate in the key directory) and builds the listeners'
/// configurations; the direct listener verifies client certificates with
/// the application's terminal CA.
pub fn prepare(app: &App) -> Result<ListenerTls, TlsError> {
    let config = app.config();
    let paths = TlsPaths::in_key_dir(&config.storage.key_dir);
    let tls = if config.server.danger_plain_http {
        None
    } else {
        let now = time::OffsetDateTime::from_unix_timestamp(app.now() / 1000).map_err(err)?;
        ensure_material(&paths, &config.server.tls_names, now)?;
        let verifier = app
            .terminal_ca()
            .client_verifier()
            .map_err(|e| TlsError(format!("terminal CA: {e}")))?;
        Some(server_config(&paths, verifier)?)
    };
    let proxy_tls = match &config.proxy_listener.client_ca {
        Some(client_ca) if config.proxy_listener.enabled => Some(
            proxy_server_config(&paths, client_ca)
                .map_err(|e| TlsError(format!("proxy_listener.client_ca: {e}")))?,
        ),
        _ => None,
    };
    Ok(ListenerTls {
        tls,
        proxy_tls,
        ca_cert: paths.ca_cert,
    })
}

/// Where the TLS files live inside the key directory.
#[derive(Debug, Clone)]
pub struct TlsPaths {
    /// The gateway CA certificate, for clients to trust.
    pub ca_cert: PathBuf,
    /// The CA's private key (0600).
    pub ca_key: PathBuf,
    /// The server certificate chain.
    pub server_cert: PathBuf,
    /// The server's private key (0600).
    pub server_key: PathBuf,
}

impl TlsPaths {
    /// The standard layout under `key_dir/tls`.
    pub fn in_key_dir(key_dir: &Path) -> Self {
        let dir = key_dir.join("tls");
        Self {
            ca_cert: dir.join("ca.pem"),
            ca_key: dir.join("ca-key.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server-key.pem"),
        }
    }
}

fn write_private(path: &Path, contents: &str) -> Result<(), TlsError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| TlsError(format!("{}: {e}", path.display())))?;
    file.write_all(contents.as_bytes()).map_err(err)?;
    file.sync_all().map_err(err)
}

/// Creates the CA and server certificate if they do not exist yet. Returns
/// whether anything was created.
pub fn ensure_material(
    paths: &TlsPaths,
    extra_names: &[String],
    now: time::OffsetDateTime,
) -> Result<bool, TlsError> {
    if paths.server_cert.exists() && paths.server_key.exists() {
        return Ok(false);
    }
    if let Some(dir) = paths.ca_cert.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.distinguished_name
        .push(DnType::CommonName, "dsg gateway CA");
    ca.distinguished_name.push(DnType::OrganizationName, "dsg");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = now - time::Duration::days(1);
    ca.not_after = now + time::Duration::days(3650);
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
    let ca_key_pem = ca_key.serialize_pem();
    let issuer = Issuer::new(ca, ca_key);

    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    names.extend(extra_names.iter().cloned());
    let server_key = KeyPair::generate().map_err(err)?;
    let mut server = CertificateParams::new(names).map_err(err)?;
    server
        .distinguished_name
        .push(DnType::CommonName, "dsg gateway");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.not_before = now - time::Duration::days(1);
    server.not_after = now + time::Duration::days(397);
    let server_cert = server.signed_by(&server_key, &issuer).map_err(err)?;

    std::fs::write(&paths.ca_cert, ca_cert.pem()).map_err(err)?;
    write_private(&paths.ca_key, &ca_key_pem)?;
    std::fs::write(
        &paths.server_cert,
        format!("{}{}", server_cert.pem(), ca_cert.pem()),
    )
    .map_err(err)?;
    write_private(&paths.server_key, &server_key.serialize_pem())?;
    Ok(true)
}

/// The rustls server configuration: aws-lc-rs provider, TLS 1.3 and 1.2,
/// HTTP/2 and HTTP/1.1. Client certificates of the terminal CA are asked
/// for (see [`dsg_pki::TerminalCa::client_verifier`]): one that fails chain
/// validation ends the handshake; a connection without one goes on, and the
/// policy point decides per request.
pub fn server_config(
    paths: &TlsPaths,
    client_verifier: Arc<dyn rustls::server::danger::ClientCertVerifier>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&paths.server_cert)
        .map_err(|e| TlsError(format!("{}: {e}", paths.server_cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let key = PrivateKeyDer::from_pem_file(&paths.server_key)
        .map_err(|e| TlsError(format!("{}: {e}", paths.server_key.display())))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(err)?
        .with_client_cert_verifier(client_verifier)
        .with_single_cert(certs, key)
        .map_err(err)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The rustls configuration of the proxy listener: the same server
/// certificate, and a client certificate chaining to `client_ca` (the PEM
/// CA that issued the proxy's own certificate) is **required** — rustls'
/// `WebPkiClientVerifier` with the aws-lc-rs provider, mandatory
/// authentication. A connection without it, or with another, ends in the
/// handshake.
pub fn proxy_server_config(
    paths: &TlsPaths,
    client_ca: &Path,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(client_ca)
        .map_err(|e| TlsError(format!("{}: {e}", client_ca.display())))?
    {
        let cert = cert.map_err(|e| TlsError(format!("{}: {e}", client_ca.display())))?;
        roots
            .add(cert)
            .map_err(|e| TlsError(format!("{}: {e}", client_ca.display())))?;
    }
    if roots.is_empty() {
        return Err(TlsError(format!(
            "{}: no CA certificate found",
            client_ca.display()
        )));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(err)?;
    server_config(paths, verifier)
}

/// Which listener a connection came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Terminals connect directly; their client certificate is the device.
    Direct,
    /// The authenticated TLS-terminating proxy; the device comes from a
    /// header (see [`crate::http::proxy`]).
    Proxy,
}

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long open connections get to finish at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until `shutdown` resolves, then lets open
/// connections finish (up to a limit). A connection that presented a client
/// certificate is registered with the app, which closes it when its terminal
/// is quarantined or revoked; a handshake refused for its client certificate
/// is recorded as a connection event.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    app: App,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()>,
) {
    run(Kind::Direct, listener, router, app, tls, shutdown).await;
}

/// The proxy listener (`tls` from [`proxy_server_config`]): accepts only
/// connections of the proxy authenticated by its client certificate; a
/// refused handshake is recorded as a connection event. Each request is
/// marked [`ThroughProxy`], so the terminal certificate is read from the
/// configured header and the proxy's `X-Forwarded-For` is believed.
///
/// Connections are not registered with the app: one proxy connection
/// carries many terminals, so a quarantine cannot close it. The policy
/// point still refuses the quarantined terminal on its next request.
pub async fn serve_proxy(
    listener: TcpListener,
    router: Router,
    app: App,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()>,
) {
    run(Kind::Proxy, listener, router, app, Some(tls), shutdown).await;
}

async fn run(
    kind: Kind,
    listener: TcpListener,
    router: Router,
    app: App,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = tls.map(TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    // HTTP/2 flow control: fixed windows instead of the adaptive one, which
    // starts at 64 KiB and may grow to 16 MiB per stream. Fixed windows keep
    // the client sending while earlier data is encrypted and written, and
    // bound what an upload can have buffered in the server (one stream
    // window; the connection window across its streams). Larger frames mean
    // fewer body pieces. (Most of the remaining HTTP/2 upload cost measured
    // on loopback is the client's: see bench/README.md.)
    builder
        .http2()
        .adaptive_window(false)
        .initial_stream_window_size(H2_STREAM_WINDOW)
        .initial_connection_window_size(H2_CONNECTION_WINDOW)
        .max_frame_size(H2_MAX_FRAME);
    // Let request heads somewhat over the gateway's own limits through to
    // the router, which refuses them in the JSON error shape (hyper would
    // answer 431 with an empty body).
    builder
        .http2()
        .max_header_list_size(u32::try_from(4 * MAX_HEADER_BYTES).unwrap_or(u32::MAX));
    builder.http1().max_headers(4 * MAX_HEADER_FIELDS);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers go out as soon as they are written: with Nagle's algorithm
        // a small answer split over TLS records waits for the client's
        // delayed acknowledgement (tens of milliseconds per request).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "cannot set TCP_NODELAY");
        }
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let acceptor = acceptor.clone();
        let router = router.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let result = match acceptor {
                Some(acceptor) => {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            // On the proxy listener the peer certificate is
                            // the proxy's own, never a terminal's.
                            let certificate = stream
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|chain| chain.first())
                                .filter(|_| kind == Kind::Direct)
                                .map(|leaf| ClientCertificate {
                                    fingerprint: dsg_pki::fingerprint(leaf.as_ref()),
                                });
                            let guard = certificate
                                .as_ref()
                                .map(|c| app.connections().register(&c.fingerprint));
                            let service = connection_service(router, peer, true, certificate, kind);
                            let stream = Lingering::new(stream);
                            let conn = watcher.watch(
                                builder
                                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                                    .into_owned(),
                            );
                            match &guard {
                                // Dropping the connection future closes the
                                // socket: that is how a quarantine ends it.
                                Some(guard) => tokio::select! {
                                    result = conn => result,
                                    () = guard.token().cancelled() => {
                                        tracing::info!(%peer, "connection closed: terminal quarantined or revoked");
                                        return;
                                    }
                                },
                                None => conn.await,
                            }
                        }
                        Ok(Err(e)) => {
                            if let Some(reason) = refused_certificate(&e, kind) {
                                if let Err(error) =
                                    app.record_connection_refused(peer, reason).await
                                {
                                    tracing::error!(%peer, %error, "cannot record a refused connection");
                                }
                            }
                            tracing::debug!(%peer, error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => return,
                    }
                }
                None => {
                    let service = connection_service(router, peer, false, None, kind);
                    let conn = builder
                        .serve_connection_with_upgrades(TokioIo::new(Lingering::new(tcp)), service);
                    watcher.watch(conn.into_owned()).await
                }
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open at shutdown were cut");
    }
}

/// Why a handshake was refused, when the client's certificate was the
/// reason (a stable code for the audit entry); `None` for other failures
/// (scanners, protocol errors), which are only logged. On the proxy
/// listener the codes start with `proxy-`, and a missing certificate is a
/// refusal too (`proxy-certificate-required`).
fn refused_certificate(error: &std::io::Error, kind: Kind) -> Option<&'static str> {
    use dsg_pki::CertificateRefusal as R;
    let rustls_error = error.get_ref()?.downcast_ref::<rustls::Error>()?;
    if kind == Kind::Proxy && matches!(rustls_error, rustls::Error::NoCertificatesPresented) {
        return Some("proxy-certificate-required");
    }
    let refusal = R::of(rustls_error)?;
    if kind == Kind::Direct {
        return Some(refusal.code());
    }
    Some(match refusal {
        R::Malformed => "proxy-certificate-malformed",
        R::UnknownIssuer => "proxy-certificate-unknown-issuer",
        R::BadSignature => "proxy-certificate-bad-signature",
        R::Expired => "proxy-certificate-expired",
        R::NotYetValid => "proxy-certificate-not-yet-valid",
        R::Revoked => "proxy-certificate-revoked",
        R::WrongPurpose => "proxy-certificate-wrong-purpose",
        _ => "proxy-certificate-invalid",
    })
}

fn connection_service(
    router: Router,
    peer: SocketAddr,
    tls: bool,
    certificate: Option<ClientCertificate>,
    kind: Kind,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = Infallible,
    Future = futures::future::BoxFuture<'static, Result<axum::response::Response, Infallible>>,
> + Clone {
    hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(PeerAddr(peer));
        req.extensions_mut().insert(IsTls(tls));
        if let Some(certificate) = &certificate {
            req.extensions_mut().insert(certificate.clone());
        }
        if kind == Kind::Proxy {
            req.extensions_mut().insert(ThroughProxy);
        }
        let router = router.clone();
        Box::pin(async move { router.oneshot(req.map(Body::new)).await })
            as futures::future::BoxFuture<'static, _>
    })
}
