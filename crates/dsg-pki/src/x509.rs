//! What the CA and the verifier both read from a certificate: its parsed
//! form and the SAN URI that names the terminal.

use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::PkiError;

/// Prefix of the SAN URI that names the terminal: `urn:dsg:terminal:<id>`.
pub const TERMINAL_URI_PREFIX: &str = "urn:dsg:terminal:";

/// A DER certificate, parsed; trailing bytes are refused.
pub(crate) fn parse_cert(der: &[u8]) -> Result<X509Certificate<'_>, PkiError> {
    let (rest, x) = X509Certificate::from_der(der)
        .map_err(|_| PkiError::InvalidCertificate("certificate does not parse"))?;
    if !rest.is_empty() {
        return Err(PkiError::InvalidCertificate(
            "trailing bytes after the certificate",
        ));
    }
    Ok(x)
}
