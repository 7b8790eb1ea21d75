//! The rustls client-certificate verifier for terminal certificates.
//!
//! rustls' `WebPkiClientVerifier` (aws-lc-rs provider, this CA as the only
//! trust anchor) does the path building, signature, validity-period and
//! extended-key-usage checks. webpki accepts an end-entity certificate that
//! has **no** EKU extension at all (RFC 5280 "required if present"), so a
//! thin wrapper additionally requires the clientAuth EKU to be present and a
//! `urn:dsg:terminal:` SAN URI: only certificates this CA issued for
//! terminals pass, not some other certificate the same key might have signed.
//!
//! Client authentication is offered but not mandatory
//! (`allow_unauthenticated`): a connection without a certificate completes the
//! handshake so the policy point can deny the request and audit the denial. A
//! certificate that *is* presented and fails any check aborts the handshake.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, RootCertStore,
    SignatureScheme,
};
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;

use crate::error::PkiError;
use crate::x509::{parse_cert, TERMINAL_URI_PREFIX};

pub(crate) fn client_verifier(ca_der: &[u8]) -> Result<Arc<dyn ClientCertVerifier>, PkiError> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(ca_der.to_vec()))
        .map_err(|e| PkiError::Verifier(e.to_string()))?;
    let inner = WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
    )
    .allow_unauthenticated()
    .build()
    .map_err(|e| PkiError::Verifier(e.to_string()))?;
    Ok(Arc::new(TerminalCertVerifier { inner }))
}

/// Why a terminal certificate was refused, whether in a handshake or when a
/// TLS-terminating proxy passed it on (see
/// [`crate::TerminalCa::verify_presented`]). [`Self::code`] is the stable
/// reason the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateRefusal {
    /// Not one DER certificate (or not decodable at all).
    Malformed,
    /// Not issued by the terminal CA.
    UnknownIssuer,
    /// Names the terminal CA as issuer but its signature does not verify
    /// (a look-alike CA).
    BadSignature,
    /// Past its `notAfter`.
    Expired,
    /// Before its `notBefore`.
    NotYetValid,
    /// Revoked.
    Revoked,
    /// Lacks the clientAuth extended key usage.
    WrongPurpose,
    /// Issued by the CA but names no terminal (`urn:dsg:terminal:` SAN URI).
    NotATerminal,
    /// Any other verification failure.
    Invalid,
}

impl CertificateRefusal {
    /// The stable reason code (`certificate-…`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "certificate-malformed",
            Self::UnknownIssuer => "certificate-unknown-issuer",
            Self::BadSignature => "certificate-bad-signature",
            Self::Expired => "certificate-expired",
            Self::NotYetValid => "certificate-not-yet-valid",
            Self::Revoked => "certificate-revoked",
            Self::WrongPurpose => "certificate-wrong-purpose",
            Self::NotATerminal => "certificate-not-terminal",
            Self::Invalid => "certificate-invalid",
        }
    }

    /// The refusal behind a rustls error, when the certificate was the
    /// reason; `None` for other failures (protocol errors, no certificate).
    pub fn of(error: &Error) -> Option<Self> {
        use CertificateError as C;
        let Error::InvalidCertificate(reason) = error else {
            return None;
        };
        Some(match reason {
            C::BadEncoding => Self::Malformed,
            C::UnknownIssuer => Self::UnknownIssuer,
            C::BadSignature => Self::BadSignature,
            C::Expired | C::ExpiredContext { .. } => Self::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => Self::NotYetValid,
            C::Revoked => Self::Revoked,
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => Self::WrongPurpose,
            C::ApplicationVerificationFailure => Self::NotATerminal,
            _ => Self::Invalid,
        })
    }
}

impl std::fmt::Display for CertificateRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Runs the handshake's checks (`verifier`, the terminal CA's client
/// verifier) on a certificate presented outside a handshake, at `now`.
pub(crate) fn verify_presented(
    verifier: &dyn ClientCertVerifier,
    der: &[u8],
    now: OffsetDateTime,
) -> Result<(), CertificateRefusal> {
    parse_cert(der).map_err(|_| CertificateRefusal::Malformed)?;
    let seconds = u64::try_from(now.unix_timestamp()).map_err(|_| CertificateRefusal::Invalid)?;
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(seconds));
    verifier
        .verify_client_cert(&CertificateDer::from(der), &[], now)
        .map(|_| ())
        .map_err(|e| CertificateRefusal::of(&e).unwrap_or(CertificateRefusal::Invalid))
}

/// The terminal id named by a terminal certificate's
/// `urn:dsg:terminal:<id>` SAN URI.
///
/// This only reads the certificate; call it on a certificate the verifier
/// already accepted (the peer certificate of a finished handshake).
pub fn terminal_id_of(cert_der: &[u8]) -> Result<String, PkiError> {
    let x = parse_cert(cert_der)?;
    let san = x
        .subject_alternative_name()
        .map_err(|_| PkiError::InvalidCertificate("malformed subjectAltName"))?
        .ok_or(PkiError::InvalidCertificate("no subjectAltName"))?;
    let mut ids = san.value.general_names.iter().filter_map(|n| match n {
        GeneralName::URI(u) => u.strip_prefix(TERMINAL_URI_PREFIX),
        _ => None,
    });
    match (ids.next(), ids.next()) {
        (Some(id), None) if !id.is_empty() => Ok(id.to_owned()),
        (Some(_), Some(_)) => Err(PkiError::InvalidCertificate("more than one terminal URI")),
        _ => Err(PkiError::InvalidCertificate("no terminal URI")),
    }
}

#[derive(Debug)]
struct TerminalCertVerifier {
    inner: Arc<dyn ClientCertVerifier>,
}

impl TerminalCertVerifier {
    fn check_terminal_profile(end_entity: &CertificateDer<'_>) -> Result<(), Error> {
        let x = parse_cert(end_entity)
            .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let client_auth = matches!(x.extended_key_usage(), Ok(Some(eku)) if eku.value.client_auth);
        if !client_auth {
            return Err(Error::InvalidCertificate(CertificateError::InvalidPurpose));
        }
        terminal_id_of(end_entity).map_err(|_| {
            Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure)
        })?;
        Ok(())
    }
}

impl ClientCertVerifier for TerminalCertVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        Self::check_terminal_profile(end_entity)?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }
}
