//! A master key kept under a key on a PKCS#11 token (an HSM, a smart card,
//! SoftHSM2 for tests).
//!
//! The token holds a non-extractable AES-256 key (`CKA_SENSITIVE`, not
//! `CKA_EXTRACTABLE`): it never leaves the token. The gateway's master key
//! is stored beside the configuration only encrypted under that token key
//! (AES-256-GCM computed on the token by `C_Encrypt`), and is decrypted on
//! the token (`C_Decrypt`) when the gateway starts. A copy of the disk, the
//! key directory included, opens nothing without the token and its PIN;
//! taking the token away stops the next start.
//!
//! Why not keep the master key itself on the token and wrap every
//! compartment key there: a gateway unwraps a compartment key for every
//! file it lists, uploads or sends, and a token round trip per request
//! would tie the gateway's throughput to the token's.
//!
//! Wrapped master key file (hex, one line):
//! `[FORMAT_VERSION = 1] ‖ iv (12, random) ‖ AES-256-GCM(master key) (32) ‖ tag (16)`,
//! AAD `b"dsg-master-key/pkcs11/v1" ‖ key label`, so a file made under one
//! token key label does not open under another.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SecureRandom;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use zeroize::{Zeroize, Zeroizing};

use crate::keyfile::KeyProvider;
use crate::{CryptoError, SecretKey, SecretString};

const FORMAT_VERSION: u8 = 1;
const AAD_LABEL: &[u8] = b"dsg-master-key/pkcs11/v1";
const IV_LEN: usize = 12;
const KEY_LEN: usize = 32;
const TAG_BITS: u64 = 128;
const WRAPPED_LEN: usize = 1 + IV_LEN + KEY_LEN + 16;
/// Upper bound on how much of a wrapped key file is read.
const MAX_FILE_LEN: u64 = 4096;

/// Where the token and its key are, and the wrapped master key file.
#[derive(Debug, Clone)]
pub struct Pkcs11Settings {
    /// The PKCS#11 module (shared library) of the token.
    pub module: PathBuf,
    /// The label of the token holding the key.
    pub token_label: String,
    /// The label of the AES-256 secret key object on the token.
    pub key_label: String,
    /// The user PIN of the token.
    pub pin: SecretString,
    /// The master key, encrypted under the token key.
    pub wrapped_key_file: PathBuf,
}

/// A [`KeyProvider`] whose master key is decrypted on a PKCS#11 token.
#[derive(Debug, Clone)]
pub struct Pkcs11KeyProvider {
    settings: Pkcs11Settings,
}

fn token_err(what: &str) -> impl Fn(P11Error) -> CryptoError + '_ {
    move |e| CryptoError::Token(format!("{what}: {e}"))
}

/// A logged-in session on the configured token; the library is finalized
/// when it is dropped.
struct TokenSession {
    session: Option<Session>,
    context: Option<Pkcs11>,
}

impl Drop for TokenSession {
    fn drop(&mut self) {
        drop(self.session.take());
        if let Some(context) = self.context.take() {
            let _ = context.finalize();
        }
    }
}

impl TokenSession {
    fn open(settings: &Pkcs11Settings, read_write: bool) -> Result<Self, CryptoError> {
        let context = Pkcs11::new(&settings.module).map_err(|e| {
            CryptoError::Token(format!(
                "cannot load the PKCS#11 module {}: {e}",
                settings.module.display()
            ))
        })?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(token_err("cannot initialise the PKCS#11 module")(e)),
        }
        let mut this = TokenSession {
            session: None,
            context: Some(context.clone()),
        };
        let slots = context
            .get_slots_with_token()
            .map_err(token_err("cannot list the token slots"))?;
        let mut found = None;
        for slot in slots {
            let info = context
                .get_token_info(slot)
                .map_err(token_err("cannot read token information"))?;
            if info.label().trim_end() == settings.token_label {
                found = Some(slot);
                break;
            }
        }
        let slot = found.ok_or_else(|| {
            CryptoError::Token(format!("no token labelled {:?}", settings.token_label))
        })?;
        let session = if read_write {
            context.open_rw_session(slot)
        } else {
            context.open_ro_session(slot)
        }
        .map_err(token_err("cannot open a session on the token"))?;
        let pin = AuthPin::from(settings.pin.expose().to_owned());
        session
            .login(UserType::User, Some(&pin))
            .map_err(token_err("cannot log in to the token"))?;
        this.session = Some(session);
        Ok(this)
    }

    fn session(&self) -> Result<&Session, CryptoError> {
        self.session
            .as_ref()
            .ok_or_else(|| CryptoError::Token("no session".into()))
    }

    fn find_key(&self, label: &str) -> Result<Option<ObjectHandle>, CryptoError> {
        let found = self
            .session()?
            .find_objects(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .map_err(token_err("cannot search the token"))?;
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(CryptoError::Token(format!(
                "more than one AES key labelled {label:?} on the token"
            ))),
        }
    }
}

fn aad(label: &str) -> Vec<u8> {
    let mut aad = AAD_LABEL.to_vec();
    aad.extend_from_slice(label.as_bytes());
    aad
}

impl Pkcs11KeyProvider {
    /// A provider for these settings (the token is not touched until used).
    pub fn new(settings: Pkcs11Settings) -> Self {
        Pkcs11KeyProvider { settings }
    }

    /// Generates the token key: an AES-256 key that is sensitive and not
    /// extractable, kept on the token. Fails if the token already has an
    /// AES key with that label.
    pub fn create_token_key(&self) -> Result<(), CryptoError> {
        let token = TokenSession::open(&self.settings, true)?;
        let label = &self.settings.key_label;
        if token.find_key(label)?.is_some() {
            return Err(CryptoError::Token(format!(
                "the token already has a key labelled {label:?}"
            )));
        }
        token
            .session()?
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                    Attribute::ValueLen(32.into()),
                    Attribute::Label(label.as_bytes().to_vec()),
                ],
            )
            .map_err(token_err("cannot generate the token key"))?;
        Ok(())
    }

    /// Creates a fresh master key, encrypts it on the token and writes the
    /// wrapped key file (mode 0600, fsynced). Fails if the file exists.
    pub fn create_wrapped_master_key(&self, rng: &dyn SecureRandom) -> Result<(), CryptoError> {
        self.wrap_master_key(&SecretKey::generate(rng)?, rng)
    }

    /// Encrypts `key` on the token and writes the wrapped key file (mode
    /// 0600, fsynced): how a gateway moves the master key of its key file
    /// under the token. Fails if the file exists.
    pub fn wrap_master_key(
        &self,
        key: &SecretKey,
        rng: &dyn SecureRandom,
    ) -> Result<(), CryptoError> {
        let token = TokenSession::open(&self.settings, false)?;
        let label = &self.settings.key_label;
        let handle = token
            .find_key(label)?
            .ok_or_else(|| CryptoError::Token(format!("no AES key labelled {label:?}")))?;
        let mut iv = [0u8; IV_LEN];
        rng.fill(&mut iv).map_err(|_| CryptoError::Rng)?;
        let aad = aad(label);
        let mut iv_param = iv;
        let params = GcmParams::new(&mut iv_param, &aad, TAG_BITS.into())
            .map_err(token_err("invalid GCM parameters"))?;
        let sealed = token
            .session()?
            .encrypt(&Mechanism::AesGcm(params), handle, key.expose())
            .map_err(token_err("cannot encrypt on the token"))?;
        drop(token);
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&sealed);
        if out.len() != WRAPPED_LEN {
            return Err(CryptoError::Token(
                "the token returned a ciphertext of unexpected length".into(),
            ));
        }
        write_new_file(&self.settings.wrapped_key_file, &hex::encode(out))
    }
}

fn write_new_file(path: &Path, text: &str) -> Result<(), CryptoError> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut file = opts.open(path).map_err(|e| {
        CryptoError::KeyFile(format!("cannot create key file {}: {e}", path.display()))
    })?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(CryptoError::KeyFile(format!(
            "cannot write key file {}: {e}",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

impl KeyProvider for Pkcs11KeyProvider {
    fn master_key(&self) -> Result<SecretKey, CryptoError> {
        let path = &self.settings.wrapped_key_file;
        let p = path.display();
        let file = File::open(path)
            .map_err(|e| CryptoError::KeyFile(format!("cannot open key file {p}: {e}")))?;
        let mut raw = Vec::with_capacity(128);
        file.take(MAX_FILE_LEN + 1)
            .read_to_end(&mut raw)
            .map_err(|e| CryptoError::KeyFile(format!("cannot read key file {p}: {e}")))?;
        let wrapped = hex::decode(raw.trim_ascii())
            .ok()
            .filter(|w| w.len() == WRAPPED_LEN && w.first() == Some(&FORMAT_VERSION))
            .ok_or_else(|| {
                CryptoError::KeyFile(format!("{p} is not a master key wrapped by a token"))
            })?;
        let (iv, sealed) = wrapped
            .get(1..)
            .and_then(|rest| rest.split_at_checked(IV_LEN))
            .ok_or(CryptoError::Integrity)?;
        let mut iv: [u8; IV_LEN] = iv.try_into().map_err(|_| CryptoError::Integrity)?;
        let label = &self.settings.key_label;
        let token = TokenSession::open(&self.settings, false)?;
        let handle = token
            .find_key(label)?
            .ok_or_else(|| CryptoError::Token(format!("no AES key labelled {label:?}")))?;
        let aad = aad(label);
        let params = GcmParams::new(&mut iv, &aad, TAG_BITS.into())
            .map_err(token_err("invalid GCM parameters"))?;
        let plain = Zeroizing::new(
            token
                .session()?
                .decrypt(&Mechanism::AesGcm(params), handle, sealed)
                .map_err(|_| CryptoError::Integrity)?,
        );
        let mut bytes: [u8; KEY_LEN] = plain
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::Integrity)?;
        let key = SecretKey::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    fn describe(&self) -> String {
        format!(
            "pkcs11:{} token {:?} key {:?} ({})",
            self.settings.module.display(),
            self.settings.token_label,
            self.settings.key_label,
            self.settings.wrapped_key_file.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(dir: &Path, module: &str) -> Pkcs11KeyProvider {
        Pkcs11KeyProvider::new(Pkcs11Settings {
            module: PathBuf::from(module),
            token_label: "t".into(),
            key_label: "k".into(),
            pin: SecretString::new("secret-pin".into()),
            wrapped_key_file: dir.join("master.key.p11"),
        })
    }

    #[test]
    fn a_malformed_wrapped_file_is_refused_before_the_token_is_asked() {
        let dir = tempfile::tempdir().unwrap();
        let p = provider(dir.path(), "/nonexistent/module.so");
        assert!(matches!(p.master_key(), Err(CryptoError::KeyFile(_))));
        for text in [
            "zz".to_owned(),
            hex::encode([1u8; WRAPPED_LEN - 1]),
            hex::encode([2u8; WRAPPED_LEN]),
        ] {
            fs::write(dir.path().join("master.key.p11"), text).unwrap();
            let err = p.master_key().unwrap_err();
            assert!(matches!(err, CryptoError::KeyFile(_)), "{err:?}");
        }
        // Well-formed: now the module is loaded, and its absence is said.
        fs::write(
            dir.path().join("master.key.p11"),
            hex::encode([1u8; WRAPPED_LEN]),
        )
        .unwrap();
        let err = p.master_key().unwrap_err();
        assert!(matches!(err, CryptoError::Token(_)), "{err:?}");
        assert!(err.to_string().contains("/nonexistent/module.so"), "{err}");
    }

    #[test]
    fn the_description_names_the_token_not_the_pin() {
        let dir = tempfile::tempdir().unwrap();
        let p = provider(dir.path(), "/m.so");
        assert!(p.describe().contains("/m.so"));
        assert!(!p.describe().contains("secret-pin"));
        assert!(!format!("{p:?}").contains("secret-pin"));
    }
}
