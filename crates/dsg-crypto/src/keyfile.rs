//! Master key providers.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SecureRandom;
use zeroize::{Zeroize, Zeroizing};

use crate::{CryptoError, SecretKey};

/// Upper bound on how much of a key file is read (it should be 65 bytes).
const MAX_KEY_FILE_LEN: u64 = 4096;

/// Source of the master key-encryption key.
pub trait KeyProvider: Send + Sync {
    /// Loads the master key.
    fn master_key(&self) -> Result<SecretKey, CryptoError>;
    /// Human-readable description (no secrets), e.g. for startup logs.
    fn describe(&self) -> String;
}

/// Master key stored hex-encoded in a local file (64 hex chars + newline).
#[derive(Debug, Clone)]
pub struct FileKeyProvider {
    path: PathBuf,
}

impl FileKeyProvider {
    /// A provider reading the key file at `path` (not accessed until used).
    pub fn new(path: PathBuf) -> Self {
        FileKeyProvider { path }
    }

    /// The key file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates a new key file containing 32 random bytes, hex-encoded, with
    /// mode 0600, and fsyncs it. Fails if the file already exists.
    pub fn create(path: &Path, rng: &dyn SecureRandom) -> Result<(), CryptoError> {
        let key = SecretKey::generate(rng)?;
        let mut contents = Zeroizing::new(hex::encode(key.expose()));
        contents.push('\n');

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
            .write_all(contents.as_bytes())
            .and_then(|()| file.sync_all());
        if let Err(e) = written {
            drop(file);
            let _ = fs::remove_file(path);
            return Err(CryptoError::KeyFile(format!(
                "cannot write key file {}: {e}",
                path.display()
            )));
        }
        // Best effort: persist the directory entry too.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    /// On unix, rejects a key file accessible by group or others
    /// (`mode & 0o077 != 0`). Always `Ok` on other platforms.
    pub fn check_permissions(&self) -> Result<(), CryptoError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let meta = fs::metadata(&self.path).map_err(|e| {
                CryptoError::KeyFile(format!("cannot stat key file {}: {e}", self.path.display()))
            })?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(CryptoError::KeyFile(format!(
                    "key file {} is readable by group or others (mode {mode:03o}); chmod 600 {}",
                    self.path.display(),
                    self.path.display()
                )));
            }
        }
        Ok(())
    }
}

impl KeyProvider for FileKeyProvider {
    fn master_key(&self) -> Result<SecretKey, CryptoError> {
        let p = self.path.display();
        let file = File::open(&self.path)
            .map_err(|e| CryptoError::KeyFile(format!("cannot open key file {p}: {e}")))?;
        let mut raw = Zeroizing::new(Vec::with_capacity(80));
        file.take(MAX_KEY_FILE_LEN + 1)
            .read_to_end(&mut raw)
            .map_err(|e| CryptoError::KeyFile(format!("cannot read key file {p}: {e}")))?;
        let invalid = || {
            CryptoError::KeyFile(format!(
                "key file {p} must contain exactly 64 hex characters (32 bytes)"
            ))
        };
        let trimmed = raw.trim_ascii();
        if trimmed.len() != 64 {
            return Err(invalid());
        }
        let mut bytes = [0u8; 32];
        if hex::decode_to_slice(trimmed, &mut bytes).is_err() {
            bytes.zeroize();
            return Err(invalid());
        }
        let key = SecretKey::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    fn describe(&self) -> String {
        format!("file:{}", self.path.display())
    }
}
