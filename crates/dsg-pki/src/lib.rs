//! The terminal PKI: a private certificate authority that issues TLS client
//! certificates to registered terminals, and the rustls verifier that checks
//! them during the handshake.
//!
//! - [`TerminalCa`] generates or loads the CA (ECDSA P-256, SHA-256, aws-lc-rs)
//!   and issues client certificates, either with a key pair generated here
//!   ([`TerminalCa::issue`]) or for a key the terminal holds
//!   ([`TerminalCa::sign_csr`]).
//! - [`TerminalCa::client_verifier`] gives the rustls `ClientCertVerifier` for
//!   the TLS listener; [`TerminalCa::verify_presented`] runs the same checks
//!   on a certificate a TLS-terminating proxy passed on.
//! - [`pkcs12`] packs an issued certificate and key for installation.
//!
//! No IO and no clock: every validity time is a parameter. Private keys and
//! passwords travel as [`dsg_crypto::SecretString`] and never show in `Debug`.

mod ca;
mod error;
mod pkcs12;
mod verifier;
mod x509;

pub use ca::{
    IssuedCert, IssuedTerminal, PresentedCertificate, TerminalCa, TerminalSubject,
    TERMINAL_URI_PREFIX,
};
pub use error::PkiError;
pub use pkcs12::{pkcs12, PKCS12_ITERATIONS};
pub use verifier::{terminal_id_of, CertificateRefusal};

/// Lowercase hex SHA-256 of a certificate's DER encoding — the fingerprint
/// the terminal registry stores and the server compares against the peer
/// certificate.
pub fn fingerprint(cert_der: &[u8]) -> String {
    hex::encode(dsg_crypto::sha256(cert_der))
}
