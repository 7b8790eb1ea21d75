//! The key hierarchy: master key → compartment key → one data key per
//! stored blob. Each wrap binds its purpose, owner and key version. The
//! compartment key also seals the names of the compartment's files.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use dsg_core::{Compartment, CompartmentId, FileId, FileName, FileRecord};
use dsg_crypto::{
    keyed_digest, open, seal, unwrap_key, wrap_key, BlobContext, SecretKey, WrapContext,
};
use dsg_store::{SealedName, StoredFile};

use super::{App, AppError};

const COMPARTMENT_KEY: &str = "compartment-key";
const DATA_KEY: &str = "data-key";
/// The purpose of a sealed file name, and the label of the key its hash is
/// made under (a key derived from the compartment key, never the key
/// itself).
const FILE_NAME: &str = "file-name";
/// Every name is sealed padded with NUL to this many bytes (a `FileName`
/// has at most 255 and no control character), so the stored length says
/// nothing about the name. A longer one, possible only for a name stored
/// before today's rules, is sealed as long as it is.
const SEALED_NAME_BYTES: usize = 256;

/// The owner a sealed name is bound to: the compartment and the file, so a
/// sealed name copied onto another row (another file, another compartment)
/// does not open.
fn file_name_owner(compartment: CompartmentId, file: FileId) -> String {
    format!("{compartment}/{file}")
}

/// The keyed hash of a name in a compartment (hex). Over the name as
/// `FileName` holds it (NFC), so names differing only in normalisation
/// hash alike; under a key of the compartment, so equal names of two
/// compartments do not, and nobody without the key can test a guess.
fn name_hash(
    compartment_key: &SecretKey,
    compartment: CompartmentId,
    name: &str,
) -> Result<String, AppError> {
    let digest = keyed_digest(
        compartment_key,
        FILE_NAME,
        &compartment.as_bytes(),
        name.as_bytes(),
    )?;
    Ok(hex::encode(digest))
}

/// The owner string a data key is bound to: one blob of one version.
fn data_key_owner(
    compartment: CompartmentId,
    file: FileId,
    version: u32,
    blob_key: &str,
) -> String {
    format!("{compartment}/{file}/{version}/{blob_key}")
}

impl App {
    /// A fresh compartment key, wrapped by the master key.
    pub(super) fn new_compartment_key(&self, id: CompartmentId) -> Result<String, AppError> {
        let key = SecretKey::generate(self.inner.rng.as_ref())?;
        let owner = id.to_string();
        let ctx = WrapContext {
            purpose: COMPARTMENT_KEY,
            owner: &owner,
            key_version: 1,
        };
        let wrapped = wrap_key(&self.inner.master_key, &key, &ctx, self.inner.rng.as_ref())?;
        Ok(STANDARD.encode(wrapped))
    }

    /// A file's name sealed under its compartment's key, with its keyed
    /// hash.
    pub(super) fn seal_name(
        &self,
        compartment: &Compartment,
        file: FileId,
        name: &str,
    ) -> Result<SealedName, AppError> {
        let key = self.compartment_key(compartment)?;
        self.seal_name_with(&key, compartment, file, name)
    }

    /// [`Self::seal_name`] with the compartment key already unwrapped.
    /// `name` is hashed as given: the caller passes a `FileName`'s text, or a
    /// stored name that was one.
    pub(super) fn seal_name_with(
        &self,
        key: &SecretKey,
        compartment: &Compartment,
        file: FileId,
        name: &str,
    ) -> Result<SealedName, AppError> {
        let owner = file_name_owner(compartment.id, file);
        let ctx = WrapContext {
            purpose: FILE_NAME,
            owner: &owner,
            key_version: compartment.key_version,
        };
        let mut padded = name.as_bytes().to_vec();
        padded.resize(SEALED_NAME_BYTES.max(name.len()), 0);
        let sealed = seal(key, &padded, &ctx, self.inner.rng.as_ref())?;
        Ok(SealedName {
            sealed: STANDARD.encode(sealed),
            hash: name_hash(key, compartment.id, name)?,
        })
    }

    /// A stored file with its name opened. A name that does not open (a
    /// sealed name moved from another row, a damaged one) is an error,
    /// never shown.
    pub(super) fn open_file(
        &self,
        compartment: &Compartment,
        file: StoredFile,
    ) -> Result<FileRecord, AppError> {
        let key = self.compartment_key(compartment)?;
        open_file_with(&key, compartment, file)
    }

    pub(super) fn compartment_key(&self, compartment: &Compartment) -> Result<SecretKey, AppError> {
        let wrapped = STANDARD
            .decode(&compartment.wrapped_key)
            .map_err(|_| AppError::Internal("compartment key is not base64".into()))?;
        let owner = compartment.id.to_string();
        let ctx = WrapContext {
            purpose: COMPARTMENT_KEY,
            owner: &owner,
            key_version: compartment.key_version,
        };
        Ok(unwrap_key(&self.inner.master_key, &wrapped, &ctx)?)
    }

    /// A fresh data key for one blob, and its wrapped form for the database.
    pub(super) fn new_data_key(
        &self,
        compartment: &Compartment,
        file: FileId,
        version: u32,
        blob_key: &str,
    ) -> Result<(SecretKey, String), AppError> {
        let kek = self.compartment_key(compartment)?;
        let key = SecretKey::generate(self.inner.rng.as_ref())?;
        let owner = data_key_owner(compartment.id, file, version, blob_key);
        let ctx = WrapContext {
            purpose: DATA_KEY,
            owner: &owner,
            key_version: compartment.key_version,
        };
        let wrapped = wrap_key(&kek, &key, &ctx, self.inner.rng.as_ref())?;
        Ok((key, STANDARD.encode(wrapped)))
    }

    /// Unwraps the data key of one stored blob.
    pub(super) fn data_key(
        &self,
        compartment: &Compartment,
        file: FileId,
        version: u32,
        blob_key: &str,
        wrapped: &str,
    ) -> Result<SecretKey, AppError> {
        let kek = self.compartment_key(compartment)?;
        let wrapped = STANDARD
            .decode(wrapped)
            .map_err(|_| AppError::Internal("data key is not base64".into()))?;
        let owner = data_key_owner(compartment.id, file, version, blob_key);
        let ctx = WrapContext {
            purpose: DATA_KEY,
            owner: &owner,
            key_version: compartment.key_version,
        };
        Ok(unwrap_key(&kek, &wrapped, &ctx)?)
    }
}

/// The encryption context of one blob: binds compartment, file and version.
pub(super) fn blob_context(compartment: CompartmentId, file: FileId, version: u32) -> BlobContext {
    BlobContext {
        compartment: compartment.as_bytes(),
        file: file.as_bytes(),
        version,
    }
}

/// Opens a stored file's name under its compartment's key.
pub(super) fn open_file_with(
    key: &SecretKey,
    compartment: &Compartment,
    file: StoredFile,
) -> Result<FileRecord, AppError> {
    let sealed = STANDARD
        .decode(&file.name_sealed)
        .map_err(|_| AppError::Internal("sealed file name is not base64".into()))?;
    let owner = file_name_owner(compartment.id, file.id);
    let ctx = WrapContext {
        purpose: FILE_NAME,
        owner: &owner,
        key_version: compartment.key_version,
    };
    let plain = open(key, &sealed, &ctx)?;
    let end = plain
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |last| last + 1);
    let text = std::str::from_utf8(plain.get(..end).unwrap_or_default())
        .map_err(|_| AppError::Internal("sealed file name is not UTF-8".into()))?;
    Ok(FileRecord {
        id: file.id,
        compartment_id: file.compartment_id,
        name: FileName::parse(text)?,
        current_version: file.current_version,
        size_bytes: file.size_bytes,
        status: file.status,
        direction: file.direction,
        end_instruction: file.end_instruction,
        created_at: file.created_at,
        updated_at: file.updated_at,
        updated_by: file.updated_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dsg_crypto::SystemRandom;

    fn key() -> SecretKey {
        SecretKey::generate(&SystemRandom::new()).unwrap()
    }

    fn hash_of(key: &SecretKey, compartment: CompartmentId, raw: &str) -> String {
        let name = FileName::parse(raw).unwrap();
        name_hash(key, compartment, name.as_str()).unwrap()
    }

    #[test]
    fn names_equal_after_normalisation_hash_alike() {
        let k = key();
        let c = CompartmentId::random();
        // が composed (NFC) and decomposed (か + combining dakuten, NFD).
        let composed = hash_of(&k, c, "\u{304c}いど.txt");
        assert_eq!(composed, hash_of(&k, c, "\u{304b}\u{3099}いど.txt"));
        assert_ne!(composed, hash_of(&k, c, "\u{304b}いど.txt"));
        // Half-width katakana is another name (NFC, not NFKC).
        assert_ne!(hash_of(&k, c, "ガ.txt"), hash_of(&k, c, "ｶﾞ.txt"));
    }

    #[test]
    fn one_name_hashes_differently_in_two_compartments() {
        let name = "次期救難機 油圧系統.pdf";
        // Even under one key: the compartment is part of the derivation.
        let k = key();
        let (a, b) = (CompartmentId::random(), CompartmentId::random());
        assert_ne!(hash_of(&k, a, name), hash_of(&k, b, name));
        // And under each compartment's own key, as stored.
        assert_ne!(hash_of(&k, a, name), hash_of(&key(), a, name));
        // The hash is not a plain hash of the name.
        let plain = hex::encode(dsg_crypto::sha256(
            FileName::parse(name).unwrap().as_str().as_bytes(),
        ));
        assert_ne!(hash_of(&k, a, name), plain);
    }
}
