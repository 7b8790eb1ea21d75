//! `[keys]`: where the master key comes from.

use std::path::{Path, PathBuf};

use dsg_crypto::SecretString;
use serde::Deserialize;

use super::ConfigError;

/// Where the master key comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// `file` (the default: `<key_dir>/master.key`) or `pkcs11`.
    pub provider: KeyProviderKind,
    /// The token, when `provider = "pkcs11"`.
    pub pkcs11: Option<Pkcs11Config>,
}

/// Which master key provider the gateway uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyProviderKind {
    /// A key file in the key directory.
    #[default]
    File,
    /// A master key decrypted on a PKCS#11 token by a key that never
    /// leaves it.
    Pkcs11,
}

/// A PKCS#11 token holding the key that wraps the master key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pkcs11Config {
    /// The token's PKCS#11 module (shared library).
    pub module: PathBuf,
    /// The token's label.
    pub token_label: String,
    /// The label of the AES-256 key on the token.
    pub key_label: String,
    /// The token's user PIN (prefer `DSG_KEYS__PKCS11__PIN_FILE`).
    pub pin: SecretString,
    /// The master key wrapped by the token key; default
    /// `<key_dir>/master.key.p11`.
    #[serde(default)]
    pub wrapped_key_file: Option<PathBuf>,
}

impl Pkcs11Config {
    /// The wrapped master key file.
    pub fn wrapped_key_file(&self, key_dir: &Path) -> PathBuf {
        self.wrapped_key_file
            .clone()
            .unwrap_or_else(|| key_dir.join("master.key.p11"))
    }
}

impl KeysConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match (self.provider, &self.pkcs11) {
            (KeyProviderKind::Pkcs11, None) => Err(ConfigError(
                "keys.provider = \"pkcs11\" needs a [keys.pkcs11] section".into(),
            )),
            (KeyProviderKind::Pkcs11, Some(p11)) => {
                if p11.token_label.is_empty() || p11.key_label.is_empty() {
                    return Err(ConfigError(
                        "keys.pkcs11.token_label and key_label must not be empty".into(),
                    ));
                }
                if p11.pin.expose().is_empty() {
                    return Err(ConfigError(
                        "keys.pkcs11.pin must not be empty (set DSG_KEYS__PKCS11__PIN_FILE)".into(),
                    ));
                }
                Ok(())
            }
            (KeyProviderKind::File, Some(_)) => Err(ConfigError(
                "[keys.pkcs11] is set but keys.provider is not \"pkcs11\"".into(),
            )),
            (KeyProviderKind::File, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_file_provider_is_the_default() {
        let config = Config::load(None, env(&[])).unwrap();
        assert_eq!(config.keys.provider, super::KeyProviderKind::File);
    }

    #[test]
    fn a_pkcs11_provider_is_read_with_its_pin_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let pin = dir.path().join("pin");
        std::fs::write(&pin, "123456\n").unwrap();
        let config = Config::load(
            None,
            env(&[
                ("DSG_KEYS__PROVIDER", "pkcs11"),
                ("DSG_KEYS__PKCS11__MODULE", "/opt/hsm/lib.so"),
                ("DSG_KEYS__PKCS11__TOKEN_LABEL", "dsg"),
                ("DSG_KEYS__PKCS11__KEY_LABEL", "master"),
                ("DSG_KEYS__PKCS11__PIN_FILE", pin.to_str().unwrap()),
            ]),
        )
        .unwrap();
        let p11 = config.keys.pkcs11.unwrap();
        assert_eq!(p11.pin.expose(), "123456");
        assert_eq!(
            p11.wrapped_key_file(std::path::Path::new("k")),
            std::path::Path::new("k/master.key.p11")
        );
    }

    #[test]
    fn an_incomplete_or_unknown_keys_section_is_refused() {
        for pairs in [
            &[("DSG_KEYS__PROVIDER", "pkcs11")][..],
            &[("DSG_KEYS__PROVIDER", "hsm")][..],
            &[("DSG_KEYS__ROTATE", "true")][..],
            &[
                ("DSG_KEYS__PROVIDER", "pkcs11"),
                ("DSG_KEYS__PKCS11__MODULE", "/m.so"),
                ("DSG_KEYS__PKCS11__TOKEN_LABEL", "dsg"),
                ("DSG_KEYS__PKCS11__KEY_LABEL", "master"),
                ("DSG_KEYS__PKCS11__PIN", "1234"),
                ("DSG_KEYS__PKCS11__SLOT", "0"),
            ][..],
            &[
                ("DSG_KEYS__PROVIDER", "pkcs11"),
                ("DSG_KEYS__PKCS11__MODULE", "/m.so"),
                ("DSG_KEYS__PKCS11__TOKEN_LABEL", "dsg"),
                ("DSG_KEYS__PKCS11__KEY_LABEL", "master"),
                ("DSG_KEYS__PKCS11__PIN", "\"\""),
            ][..],
        ] {
            assert!(Config::load(None, env(pairs)).is_err(), "{pairs:?}");
        }
    }
}
