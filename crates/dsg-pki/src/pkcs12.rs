//! PKCS#12 export of an issued terminal certificate and its key, for
//! installing in an operating system or browser certificate store.

use dsg_crypto::SecretString;
use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use rcgen::KeyPair;
use zeroize::{Zeroize, Zeroizing};

use crate::ca::IssuedTerminal;
use crate::error::PkiError;
use crate::x509::parse_cert;

/// PBKDF2 iterations for each encrypted bag and PKCS#12-KDF iterations for
/// the MAC (the MAC is checked with the same password, so it must be as slow
/// as the encryption or it becomes the cheap way to guess). Three derivations
/// of 200,000 stay within .NET's default loader limits (300,000 each,
/// 1,000,000 in total) and p12-keystore's read limit (1,000,000 each).
pub const PKCS12_ITERATIONS: u32 = 200_000;

/// Builds a PKCS#12 file holding the terminal's key, its certificate and the
/// CA certificate (chain order leaf, CA), under `friendly_name`.
///
/// Key and certificate bags are encrypted with PBES2 (PBKDF2-HMAC-SHA256,
/// AES-256-CBC); the MAC is HMAC-SHA256 — what OpenSSL 3 writes by default and
/// what current Windows, macOS, Firefox and NSS import. The password must not
/// be empty; hand the terminal owner a generated one (e.g. a random token)
/// rather than a chosen one.
pub fn pkcs12(
    issued: &IssuedTerminal,
    ca_cert_der: &[u8],
    friendly_name: &str,
    password: &SecretString,
) -> Result<Vec<u8>, PkiError> {
    if password.expose().is_empty() {
        return Err(PkiError::Pkcs12("the password must not be empty".into()));
    }
    if friendly_name.is_empty() || friendly_name.chars().any(char::is_control) {
        return Err(PkiError::Pkcs12(
            "the friendly name must be non-empty without control characters".into(),
        ));
    }

    let leaf = parse_cert(&issued.cert.cert_der)?;
    let ca = parse_cert(ca_cert_der)?;
    if leaf.issuer().as_raw() != ca.subject().as_raw() {
        return Err(PkiError::Pkcs12(
            "the certificate was not issued by this CA".into(),
        ));
    }

    let mut key = KeyPair::from_pem(issued.key_pem.expose())
        .map_err(|_| PkiError::Pkcs12("the key is not a PKCS#8 PEM private key".into()))?;
    let matches = leaf.public_key().subject_public_key.data.as_ref() == key.public_key_raw();
    let key_der = Zeroizing::new(key.serialize_der());
    key.zeroize();
    if !matches {
        return Err(PkiError::Pkcs12(
            "the key does not belong to the certificate".into(),
        ));
    }

    let p12_err = |e: p12_keystore::error::Error| PkiError::Pkcs12(e.to_string());
    // Note: p12-keystore keeps its own (unwiped) copy of the key while writing.
    let private_key = PrivateKey::from_der(&key_der).map_err(p12_err)?;
    let leaf_cert = Certificate::from_der(&issued.cert.cert_der).map_err(p12_err)?;
    let ca_cert = Certificate::from_der(ca_cert_der).map_err(p12_err)?;
    // localKeyId links the key bag to its certificate bag.
    let local_key_id = dsg_crypto::sha256(&issued.cert.cert_der).to_vec();
    let chain = PrivateKeyChain::new(local_key_id, private_key, [leaf_cert, ca_cert]);

    // The friendly name is a BMPString (UCS-2): a character beyond U+FFFF
    // (a terminal name may hold one) is shown as U+FFFD instead.
    let friendly_name: String = friendly_name
        .chars()
        .map(|c| if u32::from(c) > 0xFFFF { '\u{FFFD}' } else { c })
        .collect();
    let mut store = KeyStore::new();
    store.add_entry(&friendly_name, KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password.expose())
        .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
        .encryption_iterations(PKCS12_ITERATIONS)
        .mac_algorithm(MacAlgorithm::HmacSha256)
        .mac_iterations(PKCS12_ITERATIONS)
        .write()
        .map_err(p12_err)
}
