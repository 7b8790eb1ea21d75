//! Registered terminals: the device behind each request, registration and
//! certificate issue, quarantine and revocation.

use dsg_core::Terminal;

/// The client certificate a TLS connection presented, as the listener saw
/// it after rustls verified its chain. Set on every request of the
/// connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// SHA-256 (lowercase hex) of the DER certificate.
    pub fingerprint: String,
}

/// The device behind a request, looked up by certificate fingerprint on
/// every request (no cache: quarantine and revocation apply at once).
#[derive(Debug, Clone, Default)]
pub enum Device {
    /// The connection presented no client certificate.
    #[default]
    None,
    /// A certificate of the terminal CA that names no registered terminal in
    /// force (re-issued, or its terminal was deleted).
    Unregistered {
        /// Its fingerprint.
        fingerprint: String,
    },
    /// A registered terminal, whatever its status.
    Terminal(Box<Terminal>),
}

impl Device {
    /// The registered terminal's id, for audit entries.
    pub fn terminal_id(&self) -> Option<String> {
        match self {
            Self::Terminal(t) => Some(t.id.to_string()),
            Self::None | Self::Unregistered { .. } => None,
        }
    }

    /// The certificate fingerprint, if a certificate was presented.
    pub fn fingerprint(&self) -> Option<&str> {
        match self {
            Self::None => None,
            Self::Unregistered { fingerprint } => Some(fingerprint),
            Self::Terminal(t) => t.cert_fingerprint.as_deref(),
        }
    }
}
