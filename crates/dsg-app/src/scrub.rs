//! The scrub: every stored version read back, each chunk's tag and the
//! plaintext's SHA-256 checked, so damage is found before a download meets
//! it. What it finds is marked and recorded as a download's finding is
//! (`file.integrity_failure`, which raises the `integrity` alert); the run
//! itself is recorded as `storage.scrub` with its counts.

use std::collections::HashMap;
use std::time::Duration;

use dsg_core::{AuditAction, AuditObject, Compartment, CompartmentId, Outcome};
use dsg_store::{DamagedVersion, StoredVersion};

use super::keys::blob_context;
use super::{App, AppError, Caller, RequestMeta};

/// Versions fetched per page while walking the store.
const PAGE: i64 = 200;

/// What a scrub found.
#[derive(Debug, Clone, Default)]
pub struct ScrubReport {
    /// Versions read and checked.
    pub checked: u64,
    /// Plaintext bytes read.
    pub bytes: u64,
    /// Versions found damaged in this run (now marked).
    pub newly_damaged: u64,
    /// Versions that could not be checked for a reason other than damage
    /// (a read error, an unreadable key); they are not marked.
    pub unchecked: u64,
    /// Every version marked damaged, this run's findings included.
    pub damaged: Vec<DamagedVersion>,
}

impl App {
    /// Runs one scrub; `on_host` when an operator started it on the gateway
    /// host (`dsg admin scrub`), else it is the background task. Reads at
    /// most `scrub.bytes_per_second`.
    pub async fn scrub(&self, on_host: bool) -> Result<ScrubReport, AppError> {
        let meta = if on_host {
            super::policies::host_meta()
        } else {
            RequestMeta {
                request_id: dsg_core::RequestId::new().to_string(),
                source: None,
                user_agent: None,
                terminal: None,
                certificate: None,
            }
        };
        let rate = self.inner.config.scrub.bytes_per_second;
        let mut report = ScrubReport::default();
        let mut compartments: HashMap<CompartmentId, Compartment> = HashMap::new();
        let mut after = None;
        loop {
            let page = self.inner.files.stored_versions(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some((last.version.file_id, last.version.version));
            for stored in &page {
                if stored.damage.is_some() {
                    continue;
                }
                let compartment = match compartments.get(&stored.compartment_id) {
                    Some(c) => c.clone(),
                    None => {
                        let id = stored.compartment_id.to_string();
                        let Some(c) = self.inner.org.compartment(&id).await? else {
                            report.unchecked += 1;
                            continue;
                        };
                        compartments.insert(c.id, c.clone());
                        c
                    }
                };
                let bytes = self
                    .scrub_one(&meta, &compartment, stored, &mut report)
                    .await?;
                report.bytes = report.bytes.saturating_add(bytes);
                if rate > 0 && bytes > 0 {
                    tokio::time::sleep(Duration::from_millis(bytes.saturating_mul(1000) / rate))
                        .await;
                }
            }
        }
        report.damaged = self.inner.files.damaged_versions().await?;
        let record = Self::audit(
            &meta,
            &Caller::Anonymous,
            AuditAction::StorageScrub,
            AuditObject::Gateway,
            if report.newly_damaged > 0 {
                Outcome::Failure
            } else {
                Outcome::Success
            },
            format!(
                "checked={} damaged={} already_damaged={} unchecked={}",
                report.checked,
                report.newly_damaged,
                report.damaged.len() as u64 - report.newly_damaged.min(report.damaged.len() as u64),
                report.unchecked
            ),
        );
        self.record(&record).await?;
        Ok(report)
    }

    /// Checks one version; returns the plaintext bytes read.
    async fn scrub_one(
        &self,
        meta: &RequestMeta,
        compartment: &Compartment,
        stored: &StoredVersion,
        report: &mut ScrubReport,
    ) -> Result<u64, AppError> {
        let v = &stored.version;
        let expected: Option<[u8; 32]> =
            hex::decode(&v.sha256).ok().and_then(|d| d.try_into().ok());
        let (Some(expected), Ok(key)) = (
            expected,
            self.data_key(
                compartment,
                v.file_id,
                v.version,
                &v.blob_key,
                &v.wrapped_key,
            ),
        ) else {
            tracing::warn!(file = %v.file_id, version = v.version, "scrub: key or digest unreadable");
            report.unchecked += 1;
            return Ok(0);
        };
        let context = blob_context(compartment.id, v.file_id, v.version);
        let checked = match self
            .inner
            .blobs
            .get_decrypted(&v.blob_key, &key, context, Some(expected))
            .await
        {
            Ok(plaintext) => plaintext.verify_to_end().await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(bytes) => {
                report.checked += 1;
                Ok(bytes)
            }
            Err(e) => match e.damage() {
                Some(damage) => {
                    report.checked += 1;
                    let damage = format!("scrub: {damage}");
                    if self
                        .mark_damaged(meta, &Caller::Anonymous, (v.file_id, v.version), &damage)
                        .await?
                    {
                        report.newly_damaged += 1;
                    }
                    Ok(0)
                }
                None => {
                    tracing::warn!(error = %e, file = %v.file_id, version = v.version, "scrub: blob unreadable");
                    report.unchecked += 1;
                    Ok(0)
                }
            },
        }
    }
}
