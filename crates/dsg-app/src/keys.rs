//! The key hierarchy: master key → compartment key → one data key per
//! stored blob. Each wrap binds its purpose, owner and key version.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use dsg_core::{Compartment, CompartmentId, FileId};
use dsg_crypto::{unwrap_key, wrap_key, BlobContext, SecretKey, WrapContext};

use super::{App, AppError};

const COMPARTMENT_KEY: &str = "compartment-key";
const DATA_KEY: &str = "data-key";

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

    fn compartment_key(&self, compartment: &Compartment) -> Result<SecretKey, AppError> {
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
