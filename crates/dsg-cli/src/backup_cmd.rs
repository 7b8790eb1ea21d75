//! `dsg admin backup …`: online backup, verification, restore and the
//! scheduled restore test (see `docs/design/backup.md`).
//!
//! `create` and `restore-test` open the gateway's database like every
//! `dsg admin` command does, while the gateway serves; `verify` and
//! `restore` read the backup only and need neither the database nor the
//! master key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use dsg_app::clock::SystemClock;
use dsg_app::config::BlobBackend;
use dsg_app::Config;
use dsg_workers::{Gateway, KeyChecks};

use crate::{load_config, DirArgs};

#[derive(Subcommand)]
pub(crate) enum BackupCommand {
    /// Take a consistent backup while the gateway serves: the database as
    /// of one commit, every blob it refers to (ciphertext; blobs already
    /// in the target are not copied again) and a manifest of SHA-256
    /// hashes signed with the audit checkpoint key. Never the master key.
    Create {
        #[command(flatten)]
        dirs: DirArgs,
        /// The backup directory (created if missing; reuse it for
        /// incremental backups).
        #[arg(long)]
        to: PathBuf,
    },
    /// Check a backup without restoring it: the manifest's signature and
    /// every file's hash. Names each damaged file; exits non-zero.
    Verify {
        /// The backup directory.
        dir: PathBuf,
        /// Which backup (its id under `backups/`); default the newest.
        #[arg(long)]
        backup: Option<String>,
        /// The published checkpoint public key (hex): the manifest must be
        /// signed with it. Without it, the key in the manifest is trusted.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Restore a backup into a new data directory (checked while copied).
    /// Start the gateway on it with the key directory holding the master
    /// key; it verifies its audit log as it starts.
    Restore {
        /// The backup directory.
        dir: PathBuf,
        /// The new data directory (must not exist, or be empty).
        #[arg(long)]
        data: PathBuf,
        /// Which backup; default the newest.
        #[arg(long)]
        backup: Option<String>,
        /// The published checkpoint public key (hex), as for `verify`.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// The scheduled restore test (for cron): restore the newest backup
    /// into a scratch directory, decrypt every stored version with the
    /// master key, verify the restored audit log, remove the scratch copy
    /// and record the result in the gateway's audit log as evidence.
    /// Exits non-zero when the test failed.
    RestoreTest {
        #[command(flatten)]
        dirs: DirArgs,
        /// The backup directory.
        dir: PathBuf,
        /// Where the scratch copy goes (default: the system's temporary
        /// directory). It needs room for the whole backup.
        #[arg(long)]
        work: Option<PathBuf>,
    },
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, dsg_app::AppError> + Send + 'static,
) -> Result<T> {
    Ok(tokio::task::spawn_blocking(f).await??)
}

pub(crate) async fn run(cli_config: Option<&PathBuf>, command: BackupCommand) -> Result<()> {
    match command {
        BackupCommand::Create { dirs, to } => {
            let config = load_config(cli_config, &dirs, false)?;
            let gateway = Gateway::open(config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
            let result = gateway.app.backup_create(&to).await;
            gateway.close().await;
            let r = result?;
            println!("backup {} written to {}", r.id, to.display());
            println!(
                "files: {}; blobs copied: {}; blobs already in the backup: {}; \
                 bytes written: {}",
                r.files, r.blobs_copied, r.blobs_kept, r.bytes_written
            );
            if r.blobs_gone > 0 {
                println!(
                    "{} blob(s) disposed of since the snapshot (keys destroyed) not copied",
                    r.blobs_gone
                );
            }
            println!(
                "audit entries in the snapshot: {}; inventory copy events: {}",
                r.audit_entries, r.items
            );
            println!("manifest sha256: {}", r.manifest_sha256);
            Ok(())
        }
        BackupCommand::Verify {
            dir,
            backup,
            public_key,
        } => {
            let report = blocking(move || {
                dsg_app::verify_backup(&dir, backup.as_deref(), public_key.as_deref())
            })
            .await?;
            for p in &report.problems {
                println!("DAMAGED: {p}");
            }
            if !report.problems.is_empty() {
                bail!(
                    "backup {} verification FAILED: {} problem(s)",
                    report.id,
                    report.problems.len()
                );
            }
            println!(
                "verified backup {}: {} files, {} bytes, manifest signed by {}",
                report.id, report.files, report.bytes, report.public_key
            );
            Ok(())
        }
        BackupCommand::Restore {
            dir,
            data,
            backup,
            public_key,
        } => {
            let target = data.clone();
            let report = blocking(move || {
                dsg_app::restore_backup(&dir, backup.as_deref(), &target, public_key.as_deref())
            })
            .await?;
            println!(
                "restored backup {} into {}: {} files, {} bytes, each checked",
                report.id,
                data.display(),
                report.files,
                report.bytes
            );
            println!(
                "start the gateway with --data-dir {} and the key directory holding the master key",
                data.display()
            );
            Ok(())
        }
        BackupCommand::RestoreTest { dirs, dir, work } => {
            let config = load_config(cli_config, &dirs, false)?;
            restore_test(config, &dir, work).await
        }
    }
}

async fn restore_test(config: Config, root: &Path, work: Option<PathBuf>) -> Result<()> {
    let live = Gateway::open(config.clone(), KeyChecks::Strict, Arc::new(SystemClock)).await?;
    let public_key = match live.app.audit_signer().await {
        Ok(signer) => hex::encode(dsg_audit::KeyPair::public_key(&signer.key).as_ref()),
        Err(e) => {
            live.close().await;
            return Err(e.into());
        }
    };
    let id = dsg_app::backup_ids(root)
        .ok()
        .and_then(|mut ids| ids.pop())
        .unwrap_or_else(|| "none".to_owned());
    let scratch = work
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("dsg-restore-test-{}", std::process::id()));
    let outcome = restore_and_check(&config, root, &scratch, &public_key).await;
    let _ = std::fs::remove_dir_all(&scratch);
    let (passed, detail) = match &outcome {
        Ok(detail) => (true, detail.clone()),
        Err(e) => (false, format!("failed: {e:#}")),
    };
    let recorded = live.app.record_restore_test(&id, passed, &detail).await;
    live.close().await;
    recorded.context("recording the restore test")?;
    match outcome {
        Ok(detail) => {
            println!("restore test of backup {id} passed: {detail}");
            Ok(())
        }
        Err(e) => bail!("restore test of backup {id} FAILED: {e:#}"),
    }
}

/// Restores the newest backup into `scratch` and checks it as a gateway
/// started on it would be used: every version decrypted and its SHA-256
/// checked, the audit log verified under the gateway's checkpoint key.
async fn restore_and_check(
    config: &Config,
    root: &Path,
    scratch: &Path,
    public_key: &str,
) -> Result<String> {
    let data = scratch.join("data");
    let report = {
        let (root, data, key) = (root.to_path_buf(), data.clone(), public_key.to_owned());
        blocking(move || dsg_app::restore_backup(&root, None, &data, Some(&key))).await?
    };
    let mut restored_config = config.clone();
    restored_config.storage.data_dir = data;
    restored_config.storage.database_url = None;
    restored_config.storage.blob_backend = BlobBackend::Local;
    restored_config.scrub.bytes_per_second = 0;
    let restored = Gateway::open(restored_config, KeyChecks::Strict, Arc::new(SystemClock)).await?;
    let scrub = restored.app.scrub(true).await;
    let export = restored.app.audit_export().await;
    restored.close().await;
    let scrub = scrub?;
    if !scrub.damaged.is_empty() || scrub.unchecked > 0 {
        bail!(
            "{} damaged and {} unreadable version(s) in the restored copy",
            scrub.damaged.len(),
            scrub.unchecked
        );
    }
    let mut text = export?.join("\n");
    text.push('\n');
    let key = hex::decode(public_key).context("the checkpoint key")?;
    let log = dsg_audit::verify_export_published(&text, Some(&key), &[])
        .map_err(|e| anyhow::anyhow!("the restored audit log does not verify: {e}"))?;
    Ok(format!(
        "files={} bytes={} versions_decrypted={} audit_entries={} checkpoints={} unanchored={}",
        report.files, report.bytes, scrub.checked, log.entries, log.checkpoints, log.unanchored
    ))
}
