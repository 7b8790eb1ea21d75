//! The crate's one error type.

/// Everything that can go wrong while issuing or checking terminal certificates.
///
/// Messages never contain key material or passwords.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// A terminal subject field is empty, too long or holds characters that
    /// cannot go into the certificate.
    #[error("invalid terminal subject: {0}")]
    InvalidSubject(&'static str),
    /// `not_before` is not strictly before `not_after`, or the requested
    /// validity is not inside the CA's own validity.
    #[error("invalid validity period: {0}")]
    InvalidValidity(&'static str),
    /// The stored CA certificate or key could not be read, is not a P-256
    /// CA, or the key does not belong to the certificate.
    #[error("invalid CA material: {0}")]
    InvalidCa(&'static str),
    /// The certificate signing request is malformed, its signature does not
    /// verify, or its key is not ECDSA P-256.
    #[error("invalid certificate signing request: {0}")]
    InvalidCsr(&'static str),
    /// A certificate could not be parsed.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(&'static str),
    /// Certificate generation or signing failed.
    #[error("certificate generation failed: {0}")]
    Generation(String),
    /// The random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// Building the rustls client verifier failed.
    #[error("building the client certificate verifier failed: {0}")]
    Verifier(String),
    /// A presented terminal certificate failed verification.
    #[error("terminal certificate refused: {0}")]
    Refused(crate::CertificateRefusal),
    /// Writing the PKCS#12 file failed, or it was requested with an empty
    /// password.
    #[error("PKCS#12 export failed: {0}")]
    Pkcs12(String),
}

impl From<rcgen::Error> for PkiError {
    fn from(e: rcgen::Error) -> Self {
        // rcgen's errors describe parameters and encodings, never key bytes.
        PkiError::Generation(e.to_string())
    }
}
