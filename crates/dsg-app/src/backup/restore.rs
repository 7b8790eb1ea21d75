//! Checking a backup without restoring it, and restoring one into a fresh
//! data directory. Both read the backup only; neither needs the gateway or
//! the master key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dsg_blob::copy_file_hashed;

use super::manifest::{self, hash_file, relative, sync_dir, Manifest};
use crate::AppError;

/// What `verify` found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The backup checked.
    pub id: String,
    /// The key that signed its manifest (hex).
    pub public_key: String,
    /// Files checked.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Each problem, naming its file; empty when the backup is intact.
    pub problems: Vec<String>,
}

/// What `restore` wrote.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The backup restored.
    pub id: String,
    /// Files written (each checked against the manifest as it was copied).
    pub files: u64,
    /// Bytes written.
    pub bytes: u64,
    /// The manifest, for what it says of the log.
    pub manifest: Manifest,
}

fn io(what: &Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |e| AppError::Internal(format!("{}: {e}", what.display()))
}

/// Checks backup `id` (the newest when `None`) in `root`: the manifest's
/// signature (under `pinned`, the published checkpoint key in hex, when
/// given) and every file's length and SHA-256. Problems are reported, not
/// raised; an error means the backup could not be read at all.
pub fn verify_backup(
    root: &Path,
    id: Option<&str>,
    pinned: Option<&str>,
) -> Result<VerifyReport, AppError> {
    let read = manifest::read(root, id, pinned)?;
    let m = read.manifest;
    let mut report = VerifyReport {
        id: m.id.clone(),
        public_key: m.public_key.clone(),
        files: 0,
        bytes: 0,
        problems: read.signature_problem.into_iter().collect(),
    };
    if !m.files.iter().any(|f| f.path == m.database) {
        report.problems.push(format!(
            "{}: the snapshot is not in the manifest",
            m.database
        ));
    }
    for file in &m.files {
        let path = match relative(&file.path) {
            Ok(rel) => root.join(rel),
            Err(e) => {
                report.problems.push(e.to_string());
                continue;
            }
        };
        report.files += 1;
        match hash_file(&path) {
            Ok((bytes, sha)) => {
                report.bytes = report.bytes.saturating_add(bytes);
                if bytes != file.bytes {
                    report.problems.push(format!(
                        "{}: {bytes} bytes, the manifest says {}",
                        file.path, file.bytes
                    ));
                } else if hex::encode(sha) != file.sha256 {
                    report.problems.push(format!(
                        "{}: SHA-256 does not match the manifest (altered)",
                        file.path
                    ));
                }
            }
            Err(e) => report
                .problems
                .push(format!("{}: cannot be read: {e}", file.path)),
        }
    }
    Ok(report)
}

/// Where a backup file goes in a data directory: the snapshot becomes the
/// database (`dsg.db`), a blob goes under `blobs/` by its key, as the local
/// blob store keeps it.
fn destination(m: &Manifest, data_dir: &Path, path: &str) -> Result<PathBuf, AppError> {
    if path == m.database {
        return Ok(data_dir.join(manifest::DATABASE));
    }
    let rel = relative(path)?;
    if !rel.starts_with("blobs") {
        return Err(AppError::Internal(format!(
            "{path}: neither the snapshot nor a blob"
        )));
    }
    Ok(data_dir.join("blobs").join(rel))
}

/// Restores backup `id` (the newest when `None`) of `root` into
/// `data_dir`, which must not exist or be empty. The manifest's signature
/// must hold (under `pinned` when given) and every file is checked against
/// it while it is copied; on any mismatch nothing is left half-restored
/// silently: the error names the file, and the directory is removed.
pub fn restore_backup(
    root: &Path,
    id: Option<&str>,
    data_dir: &Path,
    pinned: Option<&str>,
) -> Result<RestoreReport, AppError> {
    let read = manifest::read(root, id, pinned)?;
    if let Some(problem) = read.signature_problem {
        return Err(AppError::Internal(problem));
    }
    let m = read.manifest;
    if data_dir.exists() {
        let mut entries = std::fs::read_dir(data_dir).map_err(io(data_dir))?;
        if entries.next().is_some() {
            return Err(AppError::Internal(format!(
                "{}: not empty; restore into a new data directory",
                data_dir.display()
            )));
        }
    }
    let result = copy_all(root, &m, data_dir);
    match result {
        Ok((files, bytes)) => Ok(RestoreReport {
            id: m.id.clone(),
            files,
            bytes,
            manifest: m,
        }),
        Err(e) => {
            let _ = std::fs::remove_dir_all(data_dir);
            Err(e)
        }
    }
}

/// Files restored at once: each ends in an fsync, which a disk serves
/// better several at a time.
const PARALLEL_COPIES: usize = 4;

fn copy_all(root: &Path, m: &Manifest, data_dir: &Path) -> Result<(u64, u64), AppError> {
    use std::os::unix::fs::DirBuilderExt;
    let mut dirs = BTreeSet::new();
    let mut jobs = Vec::with_capacity(m.files.len());
    for file in &m.files {
        let from = root.join(relative(&file.path)?);
        let to = destination(m, data_dir, &file.path)?;
        if let Some(parent) = to.parent() {
            if dirs.insert(parent.to_path_buf()) {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(io(parent))?;
            }
        }
        jobs.push((file, from, to));
    }
    let per_thread = jobs.len().div_ceil(PARALLEL_COPIES).max(1);
    let results: Vec<Result<u64, AppError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    let mut bytes: u64 = 0;
                    for (file, from, to) in chunk {
                        let copied = copy_file_hashed(from, to).map_err(io(from))?;
                        if copied.bytes != file.bytes || hex::encode(copied.sha256) != file.sha256 {
                            return Err(AppError::Internal(format!(
                                "{}: does not match the manifest (altered); nothing restored",
                                file.path
                            )));
                        }
                        bytes = bytes.saturating_add(copied.bytes);
                    }
                    Ok(bytes)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(AppError::Internal("a restore thread failed".into())))
            })
            .collect()
    });
    let mut bytes: u64 = 0;
    for r in results {
        bytes = bytes.saturating_add(r?);
    }
    // Every directory entry made is durable, up to the data directory's own.
    dirs.insert(data_dir.to_path_buf());
    if let Some(parent) = data_dir.parent() {
        dirs.insert(parent.to_path_buf());
    }
    for d in dirs.iter().rev() {
        sync_dir(d)?;
    }
    Ok((m.files.len() as u64, bytes))
}
