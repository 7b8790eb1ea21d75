//! The terminal certificate authority: a self-signed ECDSA P-256 root that
//! signs client certificates for registered terminals.

use std::fmt;
use std::sync::Arc;

use dsg_crypto::{SecretString, SecureRandom, SystemRandom};
use rcgen::string::Ia5String;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber, SubjectPublicKeyInfo,
    PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateSigningRequestDer};
use rustls::server::danger::ClientCertVerifier;
use time::{OffsetDateTime, UtcOffset};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_SIG_ECDSA_WITH_SHA256,
};
use x509_parser::prelude::FromDer;
use zeroize::Zeroize;

use crate::error::PkiError;
use crate::fingerprint;

use crate::x509::parse_cert;
pub use crate::x509::TERMINAL_URI_PREFIX;

/// Upper bound of X.520 `ub-common-name` / `ub-organization-name`.
const MAX_NAME_CHARS: usize = 64;

/// Who a terminal certificate is for. The CA puts `label` in the subject CN,
/// `company_id` in O, and `urn:dsg:terminal:<terminal_id>` in the SAN URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalSubject {
    /// The terminal's registry id (a UUID in practice). ASCII letters,
    /// digits, `-`, `.`, `_`; 1–64 characters.
    pub terminal_id: String,
    /// The owning company's id; 1–64 characters, no control characters.
    pub company_id: String,
    /// Human-readable terminal name; 1–64 characters, no control or bidi
    /// formatting characters.
    pub label: String,
}

impl TerminalSubject {
    /// The SAN URI naming this terminal.
    pub fn uri(&self) -> String {
        format!("{TERMINAL_URI_PREFIX}{}", self.terminal_id)
    }

    fn validate(&self) -> Result<(), PkiError> {
        let id = &self.terminal_id;
        if id.is_empty() || id.len() > MAX_NAME_CHARS {
            return Err(PkiError::InvalidSubject(
                "terminal id must be 1-64 characters",
            ));
        }
        if !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            return Err(PkiError::InvalidSubject(
                "terminal id may hold only ASCII letters, digits, '-', '.', '_'",
            ));
        }
        check_name(
            &self.company_id,
            "company id must be 1-64 characters and not blank",
            "company id holds control or bidi formatting characters",
        )?;
        check_name(
            &self.label,
            "label must be 1-64 characters and not blank",
            "label holds control or bidi formatting characters",
        )?;
        Ok(())
    }
}

fn check_name(s: &str, bad_len: &'static str, bad_chars: &'static str) -> Result<(), PkiError> {
    let n = s.chars().count();
    if n == 0 || n > MAX_NAME_CHARS || s.trim().is_empty() {
        return Err(PkiError::InvalidSubject(bad_len));
    }
    if s.chars().any(|c| c.is_control() || is_bidi_format(c)) {
        return Err(PkiError::InvalidSubject(bad_chars));
    }
    Ok(())
}

fn is_bidi_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A certificate the CA signed. Nothing here is secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCert {
    /// PEM (`CERTIFICATE`).
    pub cert_pem: String,
    /// DER.
    pub cert_der: Vec<u8>,
    /// Lowercase hex SHA-256 of `cert_der` (see [`fingerprint`]).
    pub fingerprint: String,
    /// Lowercase hex of the serial number's 16 content octets.
    pub serial_hex: String,
    /// End of validity (UTC, whole seconds, as encoded).
    pub not_after: OffsetDateTime,
}

/// A certificate plus the private key generated for it by [`TerminalCa::issue`].
/// `Debug` shows the certificate only.
#[derive(Debug, Clone)]
pub struct IssuedTerminal {
    /// The certificate.
    pub cert: IssuedCert,
    /// PKCS#8 PEM (`PRIVATE KEY`) of the terminal's P-256 key.
    pub key_pem: SecretString,
}

/// The terminal CA: its certificate and ECDSA P-256 signing key.
///
/// `Debug` shows the CA fingerprint only; the key is wiped on drop.
pub struct TerminalCa {
    cert_der: Vec<u8>,
    cert_pem: String,
    key: KeyPair,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    /// The client verifier, built once (see [`TerminalCa::client_verifier`]).
    verifier: Arc<dyn ClientCertVerifier>,
}

/// A terminal certificate that passed [`TerminalCa::verify_presented`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedCertificate {
    /// Lowercase hex SHA-256 of the DER (see [`fingerprint`]).
    pub fingerprint: String,
    /// The terminal id of its `urn:dsg:terminal:` SAN URI.
    pub terminal_id: String,
}

impl fmt::Debug for TerminalCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TerminalCa")
            .field("fingerprint", &fingerprint(&self.cert_der))
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("key", &"REDACTED")
            .finish()
    }
}

impl Drop for TerminalCa {
    fn drop(&mut self) {
        // Wipes rcgen's PKCS#8 copy; aws-lc clears its own key on free.
        self.key.zeroize();
    }
}

impl TerminalCa {
    /// Generates a new self-signed CA: fresh P-256 key, `CN = common_name`,
    /// BasicConstraints CA with pathlen 0 (critical), KeyUsage keyCertSign +
    /// cRLSign (critical), random serial.
    pub fn generate(
        common_name: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Self, PkiError> {
        check_name(
            common_name,
            "CA common name must be 1-64 characters and not blank",
            "CA common name holds control or bidi formatting characters",
        )?;
        let (not_before, not_after) = validity(not_before, not_after)?;

        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, common_name);
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key)?;
        let verifier = crate::verifier::client_verifier(cert.der())?;

        Ok(TerminalCa {
            cert_der: cert.der().to_vec(),
            cert_pem: cert.pem(),
            key,
            not_before,
            not_after,
            verifier,
        })
    }

    /// Loads a CA stored as certificate PEM and PKCS#8 key PEM.
    ///
    /// Refused unless the certificate is a self-signed ECDSA P-256/SHA-256 CA
    /// allowed to sign certificates, and the key is its P-256 key.
    pub fn from_pem(cert_pem: &str, key_pem: &SecretString) -> Result<Self, PkiError> {
        let der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .map_err(|_| PkiError::InvalidCa("certificate is not a PEM CERTIFICATE"))?;
        let key = KeyPair::from_pem(key_pem.expose())
            .map_err(|_| PkiError::InvalidCa("key is not a PKCS#8 PEM private key"))?;
        if key.algorithm() != &PKCS_ECDSA_P256_SHA256 {
            return Err(PkiError::InvalidCa("key is not ECDSA P-256"));
        }

        let x = parse_cert(&der).map_err(|_| PkiError::InvalidCa("certificate does not parse"))?;
        if x.public_key().algorithm.algorithm != OID_KEY_TYPE_EC_PUBLIC_KEY
            || x.signature_algorithm.algorithm != OID_SIG_ECDSA_WITH_SHA256
        {
            return Err(PkiError::InvalidCa(
                "certificate is not ECDSA P-256 / SHA-256",
            ));
        }
        if x.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
            return Err(PkiError::InvalidCa(
                "key does not belong to the certificate",
            ));
        }
        if !x.is_ca() {
            return Err(PkiError::InvalidCa("certificate is not a CA"));
        }
        let can_sign = matches!(x.key_usage(), Ok(Some(ku)) if ku.value.key_cert_sign());
        if !can_sign {
            return Err(PkiError::InvalidCa("certificate may not sign certificates"));
        }
        if x.subject() != x.issuer() || x.verify_signature(None).is_err() {
            return Err(PkiError::InvalidCa("certificate is not self-signed"));
        }
        let not_before = x.validity().not_before.to_datetime();
        let not_after = x.validity().not_after.to_datetime();
        let verifier = crate::verifier::client_verifier(der.as_ref())?;

        Ok(TerminalCa {
            cert_der: der.to_vec(),
            cert_pem: pem_certificate(der.as_ref()),
            key,
            not_before,
            not_after,
            verifier,
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> String {
        self.cert_pem.clone()
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> Vec<u8> {
        self.cert_der.clone()
    }

    /// Lowercase hex SHA-256 of the CA certificate's DER.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cert_der)
    }

    /// The CA's validity period.
    pub fn validity(&self) -> (OffsetDateTime, OffsetDateTime) {
        (self.not_before, self.not_after)
    }

    /// The CA key as PKCS#8 PEM. The caller stores it sealed under the master key.
    pub fn key_pem(&self) -> SecretString {
        SecretString::new(self.key.serialize_pem())
    }

    /// Issues a client certificate with a new P-256 key pair generated here.
    pub fn issue(
        &self,
        subject: &TerminalSubject,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<IssuedTerminal, PkiError> {
        let mut key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let cert = self.sign_leaf(&key, subject, not_before, not_after);
        let key_pem = SecretString::new(key.serialize_pem());
        key.zeroize();
        Ok(IssuedTerminal {
            cert: cert?,
            key_pem,
        })
    }

    /// Signs a client certificate for a key the terminal generated itself.
    ///
    /// The CSR (PEM `CERTIFICATE REQUEST`) must carry a valid self-signature
    /// (proof of possession) over an ECDSA P-256 key. Only that public key is
    /// used: the subject, SAN and extensions come from `subject` and this CA,
    /// never from the request.
    pub fn sign_csr(
        &self,
        csr_pem: &str,
        subject: &TerminalSubject,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<IssuedCert, PkiError> {
        let der = CertificateSigningRequestDer::from_pem_slice(csr_pem.as_bytes())
            .map_err(|_| PkiError::InvalidCsr("not a PEM CERTIFICATE REQUEST"))?;
        let (rest, csr) = X509CertificationRequest::from_der(der.as_ref())
            .map_err(|_| PkiError::InvalidCsr("request does not parse"))?;
        if !rest.is_empty() {
            return Err(PkiError::InvalidCsr("trailing bytes after the request"));
        }
        let spki = &csr.certification_request_info.subject_pki;
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        if spki.algorithm.algorithm != OID_KEY_TYPE_EC_PUBLIC_KEY || curve != Some(OID_EC_P256) {
            return Err(PkiError::InvalidCsr("key is not ECDSA P-256"));
        }
        csr.verify_signature()
            .map_err(|_| PkiError::InvalidCsr("request signature does not verify"))?;
        if spki.subject_public_key.data.as_ref() == self.key.public_key_raw() {
            return Err(PkiError::InvalidCsr("request carries the CA's own key"));
        }
        let public_key = SubjectPublicKeyInfo::from_der(spki.raw)
            .map_err(|_| PkiError::InvalidCsr("unsupported public key"))?;
        self.sign_leaf(&public_key, subject, not_before, not_after)
    }

    /// A rustls verifier accepting client certificates issued by this CA.
    ///
    /// rustls' `WebPkiClientVerifier` (aws-lc-rs provider, this CA as the
    /// only root) checks chain, signatures, validity and EKU; a wrapper also
    /// requires the clientAuth EKU to be *present* (webpki accepts a
    /// certificate without any EKU) and one `urn:dsg:terminal:` SAN URI.
    /// Client authentication is offered, not required: a connection without
    /// a certificate completes the handshake (so the policy point can deny and
    /// audit it), while a presented certificate that fails aborts it.
    pub fn client_verifier(&self) -> Result<Arc<dyn ClientCertVerifier>, PkiError> {
        Ok(Arc::clone(&self.verifier))
    }

    /// Checks a terminal certificate that reached the gateway outside a
    /// handshake (a TLS-terminating proxy passed it on) exactly as the
    /// listener's handshake does: the same verifier, so the same chain to
    /// this CA, signature, validity at `now`, clientAuth EKU and terminal
    /// SAN URI. `der` is the leaf alone (terminal certificates are issued
    /// by this CA directly).
    ///
    /// Refusals are [`PkiError::Refused`] with the reason.
    pub fn verify_presented(
        &self,
        der: &[u8],
        now: OffsetDateTime,
    ) -> Result<PresentedCertificate, PkiError> {
        crate::verifier::verify_presented(self.verifier.as_ref(), der, now)
            .map_err(PkiError::Refused)?;
        let terminal_id = crate::verifier::terminal_id_of(der)
            .map_err(|_| PkiError::Refused(crate::CertificateRefusal::NotATerminal))?;
        Ok(PresentedCertificate {
            fingerprint: fingerprint(der),
            terminal_id,
        })
    }

    fn sign_leaf(
        &self,
        public_key: &impl rcgen::PublicKeyData,
        subject: &TerminalSubject,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<IssuedCert, PkiError> {
        subject.validate()?;
        let (not_before, not_after) = validity(not_before, not_after)?;
        if not_before < self.not_before || not_after > self.not_after {
            return Err(PkiError::InvalidValidity(
                "certificate validity must lie within the CA's validity",
            ));
        }

        let serial = random_serial()?;
        let mut params = CertificateParams::default();
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, subject.label.as_str());
        dn.push(DnType::OrganizationName, subject.company_id.as_str());
        params.distinguished_name = dn;
        let uri = Ia5String::try_from(subject.uri())
            .map_err(|_| PkiError::InvalidSubject("terminal URI is not IA5"))?;
        params.subject_alt_names = vec![SanType::URI(uri)];
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;

        let ca_der = CertificateDer::from(self.cert_der.as_slice());
        let issuer = Issuer::from_ca_cert_der(&ca_der, &self.key)?;
        let cert = params.signed_by(public_key, &issuer)?;
        let cert_der = cert.der().to_vec();
        Ok(IssuedCert {
            cert_pem: cert.pem(),
            fingerprint: fingerprint(&cert_der),
            cert_der,
            serial_hex: hex::encode(serial),
            not_after,
        })
    }
}

/// UTC, whole seconds, `not_before < not_after`, years X.509 can encode.
fn validity(
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<(OffsetDateTime, OffsetDateTime), PkiError> {
    let norm = |t: OffsetDateTime| {
        let t = t.to_offset(UtcOffset::UTC);
        if !(1950..=9999).contains(&t.year()) {
            return Err(PkiError::InvalidValidity("year must be within 1950-9999"));
        }
        t.replace_nanosecond(0)
            .map_err(|_| PkiError::InvalidValidity("time out of range"))
    };
    let (nb, na) = (norm(not_before)?, norm(not_after)?);
    if nb >= na {
        return Err(PkiError::InvalidValidity(
            "not_before must be before not_after",
        ));
    }
    Ok((nb, na))
}

/// 16 random octets with the top bit cleared (a positive INTEGER) and the
/// next bit set (always exactly 16 octets, so `serial_hex` is the encoded
/// value): 126 random bits.
fn random_serial() -> Result<[u8; 16], PkiError> {
    let mut s = [0u8; 16];
    SystemRandom::new()
        .fill(&mut s)
        .map_err(|_| PkiError::Rng)?;
    s[0] = (s[0] & 0x7f) | 0x40;
    Ok(s)
}

/// Canonical PEM (64-column base64) of one certificate.
fn pem_certificate(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 60);
    out.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}
