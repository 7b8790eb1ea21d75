//! A backup's layout on disk and its signed manifest.
//!
//! ```text
//! <root>/blobs/<compartment>/<blob>        every blob, by its key; shared
//!                                          by the backups of this root
//! <root>/backups/<id>/dsg.db               the database snapshot
//! <root>/backups/<id>/manifest.json        what the backup holds
//! <root>/backups/<id>/manifest.sig         its signature (hex, DER)
//! ```
//!
//! The manifest names every file of the backup with its length and
//! SHA-256; it is signed with the audit log's checkpoint key (ECDSA P-256),
//! whose public key the operator publishes already. A backup without both
//! manifest files is incomplete (interrupted) and is never restored.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use dsg_crypto::Sha256Stream;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// The manifest's format name.
pub(super) const FORMAT: &str = "dsg-backup-v1";
/// The folder of the backups of one root.
pub(super) const BACKUPS: &str = "backups";
/// The snapshot's file name in a backup's folder.
pub(super) const DATABASE: &str = "dsg.db";
const MANIFEST: &str = "manifest.json";
const SIGNATURE: &str = "manifest.sig";

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    /// Relative to the backup root, `/`-separated.
    pub path: String,
    /// Its length.
    pub bytes: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
}

/// What a backup holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The backup's id (time-ordered: a later backup sorts after).
    pub id: String,
    /// When it was taken (Unix ms).
    pub created_at_ms: i64,
    /// The log the signing key signs checkpoints of.
    pub log_id: String,
    /// The signing key's public key (uncompressed SEC1 point, hex).
    pub public_key: String,
    /// The snapshot's path among `files`.
    pub database: String,
    /// Audit entries in the snapshot, and leaves its newest checkpoint covers.
    pub audit_entries: u64,
    /// Leaves covered by the snapshot's newest signed checkpoint.
    pub checkpointed: u64,
    /// Inventory items the backup is a copy of.
    pub items: u64,
    /// Every file.
    pub files: Vec<ManifestFile>,
}

fn io(what: &Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |e| AppError::Internal(format!("{}: {e}", what.display()))
}

/// A manifest path as a relative path under the root, refusing anything
/// that could leave it (a manifest is checked before it is trusted, but
/// its paths are read from it first).
pub(super) fn relative(path: &str) -> Result<PathBuf, AppError> {
    let p = Path::new(path);
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(part) => out.push(part),
            _ => {
                return Err(AppError::Internal(format!(
                    "backup path {path:?} is not a plain relative path"
                )))
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err(AppError::Internal("an empty backup path".into()));
    }
    Ok(out)
}

/// Length and SHA-256 of a file, read once.
pub(super) fn hash_file(path: &Path) -> Result<(u64, [u8; 32]), std::io::Error> {
    let mut file = std::fs::File::open(path)?;
    let mut hash = Sha256Stream::new();
    let mut buf = vec![0u8; 1024 * 1024];
    let mut bytes: u64 = 0;
    loop {
        let n = file.read(&mut buf)?;
        match buf.get(..n) {
            Some(chunk) if !chunk.is_empty() => {
                hash.update(chunk);
                bytes = bytes.saturating_add(n as u64);
            }
            _ => break,
        }
    }
    Ok((bytes, hash.finish()))
}

/// fsyncs a directory, so the entries made in it survive a power loss.
pub(super) fn sync_dir(dir: &Path) -> Result<(), AppError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// Writes `bytes` to `path` durably: a temporary file, fsynced, renamed.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Write;
    let tmp = path.with_extension("partial");
    let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// The folder of backup `id`.
pub(super) fn backup_dir(root: &Path, id: &str) -> Result<PathBuf, AppError> {
    Ok(root.join(BACKUPS).join(relative(id)?))
}

/// Writes the manifest and its signature into the backup's folder (the
/// manifest's bytes are what is signed). Returns the manifest's SHA-256.
pub(super) fn write_signed(
    dir: &Path,
    manifest: &Manifest,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, AppError>,
) -> Result<[u8; 32], AppError> {
    let body = serde_json::to_vec_pretty(manifest)
        .map_err(|e| AppError::Internal(format!("manifest: {e}")))?;
    let signature = sign(&body)?;
    write_durably(&dir.join(MANIFEST), &body)?;
    write_durably(&dir.join(SIGNATURE), hex::encode(signature).as_bytes())?;
    sync_dir(dir)?;
    Ok(dsg_crypto::sha256(&body))
}

/// Every complete backup of a root, oldest first.
pub fn backup_ids(root: &Path) -> Result<Vec<String>, AppError> {
    let dir = root.join(BACKUPS);
    let mut ids = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ids),
        Err(e) => return Err(io(&dir)(e)),
    };
    for entry in entries {
        let path = entry.map_err(io(&dir))?.path();
        if path.join(MANIFEST).is_file() && path.join(SIGNATURE).is_file() {
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                ids.push(name.to_owned());
            }
        }
    }
    ids.sort();
    Ok(ids)
}

/// A manifest as read, and whether its signature holds.
pub(super) struct ReadManifest {
    /// The manifest.
    pub(super) manifest: Manifest,
    /// `None` when the signature verifies under the manifest's key (and the
    /// pinned key, if one was given); else what is wrong.
    pub(super) signature_problem: Option<String>,
}

/// Reads backup `id` (the newest complete one when `None`) and checks its
/// signature under its own public key and, if given, `pinned` (hex).
pub(super) fn read(
    root: &Path,
    id: Option<&str>,
    pinned: Option<&str>,
) -> Result<ReadManifest, AppError> {
    let id = match id {
        Some(id) => id.to_owned(),
        None => backup_ids(root)?.pop().ok_or_else(|| {
            AppError::Internal(format!("{}: no complete backup in it", root.display()))
        })?,
    };
    let dir = backup_dir(root, &id)?;
    let body = std::fs::read(dir.join(MANIFEST)).map_err(io(&dir.join(MANIFEST)))?;
    let signature =
        std::fs::read_to_string(dir.join(SIGNATURE)).map_err(io(&dir.join(SIGNATURE)))?;
    let manifest: Manifest = serde_json::from_slice(&body).map_err(|e| {
        AppError::Internal(format!(
            "backups/{id}/{MANIFEST}: not a backup manifest: {e}"
        ))
    })?;
    if manifest.format != FORMAT {
        return Err(AppError::Internal(format!(
            "backups/{id}/{MANIFEST}: unknown format {:?}",
            manifest.format
        )));
    }
    let mut problem = None;
    if let Some(pinned) = pinned {
        if !pinned.trim().eq_ignore_ascii_case(&manifest.public_key) {
            problem = Some(format!(
                "backups/{id}/{MANIFEST}: signed by key {}, not the published key",
                manifest.public_key
            ));
        }
    }
    let verified = match (
        hex::decode(&manifest.public_key),
        hex::decode(signature.trim()),
    ) {
        (Ok(key), Ok(sig)) => dsg_audit::verify_statement(&key, &body, &sig).is_ok(),
        _ => false,
    };
    if !verified {
        problem = Some(format!(
            "backups/{id}/{MANIFEST}: the signature does not verify (the manifest or its signature was altered)"
        ));
    }
    Ok(ReadManifest {
        manifest,
        signature_problem: problem,
    })
}

/// The files of the newest backup signed by `public_key`, by path: what a
/// new backup need not copy or hash again. Empty when there is none (or it
/// does not verify, so nothing of it is trusted).
pub(super) fn previous_files(root: &Path, public_key: &str) -> HashMap<String, ManifestFile> {
    match read(root, None, Some(public_key)) {
        Ok(read) if read.signature_problem.is_none() => read
            .manifest
            .files
            .into_iter()
            .map(|f| (f.path.clone(), f))
            .collect(),
        _ => HashMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dsg_audit::{EcdsaKeyPair, KeyPair, SystemRandom, ECDSA_P256_SHA256_ASN1_SIGNING};

    #[test]
    fn a_manifest_path_never_leaves_the_root() {
        assert!(relative("blobs/c/b").is_ok());
        for bad in ["../x", "/etc/passwd", "blobs/../../x", "", "./x"] {
            assert!(relative(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_signature_covers_every_byte_of_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let public_key = hex::encode(key.public_key().as_ref());
        let backup = backup_dir(root, "b1").unwrap();
        std::fs::create_dir_all(&backup).unwrap();
        let manifest = Manifest {
            format: FORMAT.to_owned(),
            id: "b1".to_owned(),
            created_at_ms: 1,
            log_id: "dsg-k".to_owned(),
            public_key: public_key.clone(),
            database: "backups/b1/dsg.db".to_owned(),
            audit_entries: 3,
            checkpointed: 2,
            items: 0,
            files: Vec::new(),
        };
        let rng = SystemRandom::new();
        write_signed(&backup, &manifest, |body| {
            Ok(key.sign(&rng, body).unwrap().as_ref().to_vec())
        })
        .unwrap();
        let read_back = read(root, None, Some(&public_key)).unwrap();
        assert!(read_back.signature_problem.is_none());
        assert_eq!(read_back.manifest.audit_entries, 3);
        assert_eq!(previous_files(root, &public_key).len(), 0);

        let other = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let other = hex::encode(other.public_key().as_ref());
        assert!(read(root, None, Some(&other))
            .unwrap()
            .signature_problem
            .is_some());

        let path = backup.join(MANIFEST);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace("\"audit_entries\": 3", "\"audit_entries\": 4"),
        )
        .unwrap();
        let altered = read(root, None, None).unwrap();
        assert!(altered.signature_problem.is_some());
    }
}
