//! The terminal certificate behind a TLS-terminating proxy.
//!
//! Only the proxy listener (see [`crate::tls::serve_proxy`]) marks its
//! requests with [`ThroughProxy`], and it accepts only connections whose
//! client certificate chains to `proxy_listener.client_ca`: the proxy
//! itself is authenticated. On those requests the terminal's certificate is
//! read from `proxy_listener.certificate_header`, checked against the
//! terminal CA exactly as the direct listener's handshake checks it
//! ([`dsg_pki::TerminalCa::verify_presented`], at the app clock's time),
//! and becomes the same [`ClientCertificate`] the direct listener sets.
//! Everything after (terminal lookup, policy, session binding) is unchanged.
//!
//! On the direct listener the header is never read.

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use super::context::{request_meta, Ctx};
use crate::ui::Lang;
use dsg_app::{App, AppError, Caller, ClientCertificate, DenialReason};
use dsg_pki::CertificateRefusal;

pub use super::context::ThroughProxy;

/// Longest header value accepted (a P-256 terminal certificate, escaped,
/// is about 1.5 KB).
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Reads the terminal certificate the proxy passed on; see the module
/// documentation. A missing (or empty) header means "no certificate"; one
/// that does not parse or verify is refused with `certificate_refused` and
/// recorded as a `connection.refused` entry.
pub async fn terminal_certificate(
    State(app): State<App>,
    mut req: Request,
    next: Next,
) -> Response {
    if req.extensions().get::<ThroughProxy>().is_none() {
        return next.run(req).await;
    }
    // On this listener the proxy's own certificate is never a terminal's.
    req.extensions_mut().remove::<ClientCertificate>();
    let name = app
        .config()
        .proxy_listener
        .certificate_header
        .to_ascii_lowercase();
    let presented = header_certificate(req.headers(), &name);
    req.headers_mut().remove(name.as_str());
    let verified = match presented {
        Ok(None) => return next.run(req).await,
        Ok(Some(der)) => app.verify_proxied_certificate(&der),
        Err(refusal) => Err(refusal),
    };
    match verified {
        Ok(certificate) => {
            req.extensions_mut().insert(certificate);
            next.run(req).await
        }
        Err(refusal) => refuse(&app, req, refusal).await,
    }
}

/// The certificate in the header: `Ok(None)` when absent or empty.
fn header_certificate(
    headers: &HeaderMap,
    name: &str,
) -> Result<Option<Vec<u8>>, CertificateRefusal> {
    let mut values = headers.get_all(name).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return if headers.contains_key(name) {
            // Sent twice: which one would the proxy have meant?
            Err(CertificateRefusal::Malformed)
        } else {
            Ok(None)
        };
    };
    if value.len() > MAX_HEADER_BYTES {
        return Err(CertificateRefusal::Malformed);
    }
    let text = value
        .to_str()
        .map_err(|_| CertificateRefusal::Malformed)?
        .trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse_certificate(text).map(Some)
}

/// URL-escaped PEM (nginx `$ssl_client_escaped_cert`; the first
/// certificate counts) or base64 DER.
fn parse_certificate(text: &str) -> Result<Vec<u8>, CertificateRefusal> {
    use base64::Engine;
    let unescaped: Vec<u8> = percent_encoding::percent_decode_str(text).collect();
    if unescaped.starts_with(b"-----BEGIN") {
        return CertificateDer::from_pem_slice(&unescaped)
            .map(|der| der.to_vec())
            .map_err(|_| CertificateRefusal::Malformed);
    }
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| CertificateRefusal::Malformed)
}

/// The audit reason of a refused proxied certificate.
fn reason(refusal: CertificateRefusal) -> &'static str {
    match refusal {
        CertificateRefusal::Malformed => "proxied-certificate-malformed",
        CertificateRefusal::UnknownIssuer => "proxied-certificate-unknown-issuer",
        CertificateRefusal::BadSignature => "proxied-certificate-bad-signature",
        CertificateRefusal::Expired => "proxied-certificate-expired",
        CertificateRefusal::NotYetValid => "proxied-certificate-not-yet-valid",
        CertificateRefusal::Revoked => "proxied-certificate-revoked",
        CertificateRefusal::WrongPurpose => "proxied-certificate-wrong-purpose",
        CertificateRefusal::NotATerminal => "proxied-certificate-not-terminal",
        _ => "proxied-certificate-invalid",
    }
}

async fn refuse(app: &App, req: Request, refusal: CertificateRefusal) -> Response {
    let (parts, _) = req.into_parts();
    let meta = request_meta(&parts, app);
    if let Err(error) = app
        .record_proxied_certificate_refused(&meta, reason(refusal))
        .await
    {
        // The request is refused either way; the failure to record it is
        // the operator's to see.
        tracing::error!(%error, "cannot record a refused proxied certificate");
    }
    tracing::info!(source = ?meta.source, reason = reason(refusal), "proxied terminal certificate refused");
    let error = AppError::Denied(DenialReason::CertificateRefused);
    if parts.uri.path().starts_with("/api/") {
        return super::error::error_response(&error);
    }
    let ctx = Ctx {
        app: app.clone(),
        caller: Caller::Anonymous,
        meta,
        lang: Lang::from_headers(&parts.headers),
        notice: None,
    };
    crate::ui::error_page(&ctx, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DER: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x01];

    fn headers(pairs: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in pairs {
            h.append("x-client-cert", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn escaped_pem_and_base64_der_are_read() {
        let pem = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
        let escaped: String =
            percent_encoding::utf8_percent_encode(pem, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let got = header_certificate(&headers(&[&escaped]), "x-client-cert").unwrap();
        assert_eq!(got.as_deref(), Some(DER));
        let got = header_certificate(&headers(&["MAMCAQE="]), "x-client-cert").unwrap();
        assert_eq!(got.as_deref(), Some(DER));
    }

    #[test]
    fn missing_or_empty_is_no_certificate_and_junk_is_refused() {
        assert_eq!(header_certificate(&headers(&[]), "x-client-cert"), Ok(None));
        assert_eq!(
            header_certificate(&headers(&[""]), "x-client-cert"),
            Ok(None)
        );
        for bad in [
            vec!["not base64 !"],
            vec!["-----BEGIN%20CERTIFICATE-----%0Agarbage"],
            vec!["MAMCAQE=", "MAMCAQE="],
        ] {
            assert_eq!(
                header_certificate(&headers(&bad), "x-client-cert"),
                Err(CertificateRefusal::Malformed),
                "{bad:?}"
            );
        }
    }
}
