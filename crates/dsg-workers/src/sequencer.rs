//! The audit sequencer: turns new rows of the audit table into salted
//! Merkle leaves (`dsg-audit`), writes signed checkpoints and company
//! sub-log heads, and runs retention hourly. The signing key is the
//! application's ([`App::audit_signer`]); the export and its offline
//! verification are `dsg-app` and `dsg-audit`.

use std::collections::HashMap;
use std::time::Duration;

use dsg_app::alert_rules::{KeyKind, LOG_KEY};
use dsg_app::AlertRule;
use dsg_app::{entry_bytes, internal, AppError, AuditSigner};
use dsg_audit::{hex32, leaf_hash, Checkpoint, CompactTree, CompanyHead, Hash, KeyPair};
use dsg_core::{AuditAction, AuditObject, AuditRecord, Outcome};
use dsg_store::{NewAlert, NewLeaf, StoredCheckpoint};
use tokio::sync::oneshot;

use crate::{forwarder, log_consistency, Context, TaskHandle};

/// Events sequenced per transaction.
const BATCH: i64 = 500;
/// How often the sequencer looks for new events.
const TICK: Duration = Duration::from_millis(500);

/// Prepares the sequencer: loads (or makes) the signing key and rebuilds
/// the tree from the stored leaf hashes.
pub async fn prepare(ctx: &Context) -> Result<Sequencer, AppError> {
    let signer = ctx.app.audit_signer().await?;
    let mut sequencer = Sequencer {
        ctx: ctx.clone(),
        signer,
        tree: CompactTree::new(),
        companies: HashMap::new(),
        checkpointed_size: 0,
        checkpointed_at_ms: 0,
        expired_at_ms: None,
        consistency_checked_at_ms: ctx.app.now(),
        contradiction: None,
    };
    sequencer.reload(true).await?;
    Ok(sequencer)
}

/// Starts the sequencer task (every 500 ms). Stop it with
/// [`TaskHandle::shutdown`], before the store closes, so it sequences
/// what is left and writes a final checkpoint.
pub async fn spawn(ctx: &Context) -> Result<TaskHandle, AppError> {
    let sequencer = prepare(ctx).await?;
    Ok(TaskHandle::spawn("audit sequencer", |stopped| {
        sequencer.run(stopped)
    }))
}

/// Turns new audit rows into leaves and writes checkpoints.
pub struct Sequencer {
    ctx: Context,
    signer: AuditSigner,
    tree: CompactTree,
    /// Each company's sub-log: the leaf hashes of the entries that concern
    /// it, in leaf order, and the size its newest head entry covers.
    companies: HashMap<String, SubLog>,
    checkpointed_size: u64,
    checkpointed_at_ms: i64,
    /// When expiry last ran (it runs at start, then hourly).
    expired_at_ms: Option<i64>,
    /// When the log was last proved against the signed checkpoints.
    consistency_checked_at_ms: i64,
    /// What contradicts a signed checkpoint, found while running: no
    /// checkpoint is signed while it stands.
    contradiction: Option<String>,
}

/// How often the sequencer drops content past its retention period.
const EXPIRY_INTERVAL_MS: i64 = 60 * 60 * 1000;

/// One company's sub-log as the sequencer keeps it.
#[derive(Default)]
struct SubLog {
    tree: CompactTree,
    head_size: u64,
}

impl Sequencer {
    /// Rebuilds the tree from the stored leaves and reads the newest
    /// checkpoint. Fails, so nothing is signed, when the stored log
    /// contradicts a checkpoint signed before (see [`log_consistency`]),
    /// after recording the contradiction and raising its alert.
    async fn reload(&mut self, at_start: bool) -> Result<(), AppError> {
        let store = self.ctx.ports.sequencing.as_ref();
        let checkpoints = store.checkpoints().await?;
        let last = checkpoints.last();
        let last_size = last.map_or(0, |c| c.tree_size);
        let mut leaves = Vec::new();
        let mut tree = CompactTree::new();
        let mut companies: HashMap<String, SubLog> = HashMap::new();
        for (index, (seq, hash, company)) in (0i64..).zip(store.leaf_hashes_by_company().await?) {
            if seq != index {
                return Err(AppError::Internal(format!(
                    "audit leaves are not contiguous: expected seq {index}, found {seq}"
                )));
            }
            let hash = hex32(&hash).ok_or_else(|| {
                AppError::Internal(format!("audit leaf {seq} has a malformed hash"))
            })?;
            tree.push(hash);
            leaves.push(hash);
            if let Some(company) = company {
                companies.entry(company).or_default().tree.push(hash);
            }
        }
        let key = self.signer.key.public_key().as_ref();
        let mut known = log_consistency::stored(&checkpoints, key)?;
        if let Some(dir) = &self.ctx.app.config().audit.publish.checkpoint_dir {
            known.extend(log_consistency::published(dir, &self.signer.log_id, key)?);
        }
        if let Some(why) = log_consistency::check(store, &leaves, &known).await? {
            // Reported once while it stands, not at every check.
            if at_start || self.contradiction.is_none() {
                self.report_contradiction(&why, at_start).await;
            }
            self.contradiction = Some(why.clone());
            return Err(log_consistency::refuse(&why));
        }
        if self.contradiction.take().is_some() {
            tracing::warn!("the audit log agrees with its checkpoints again; signing resumes");
        }
        for (company, reason) in store.company_head_reasons().await? {
            let head = CompanyHead::parse(&reason).map_err(internal("a stored company head"))?;
            let log = companies.entry(company).or_default();
            log.head_size = log.head_size.max(head.size);
        }
        self.tree = tree;
        self.companies = companies;
        self.checkpointed_size = u64::try_from(last_size).unwrap_or(0);
        self.checkpointed_at_ms = last.map_or(0, |c| c.timestamp_ms);
        Ok(())
    }

    /// Gives every unsequenced event a leaf. Returns how many.
    pub async fn sequence(&mut self) -> Result<u64, AppError> {
        let mut total = 0;
        loop {
            let store = &self.ctx.ports.sequencing;
            let events = store.unsequenced_events(BATCH).await?;
            if events.is_empty() {
                return Ok(total);
            }
            let mut leaves = Vec::with_capacity(events.len());
            let mut hashes: Vec<(Hash, Option<String>)> = Vec::with_capacity(events.len());
            for e in &events {
                let mut salt = [0u8; 32];
                self.ctx
                    .rng
                    .fill(&mut salt)
                    .map_err(|_| AppError::Internal("random number generator failed".into()))?;
                let hash = leaf_hash(&salt, &entry_bytes(e));
                leaves.push(NewLeaf {
                    event_id: e.id.clone(),
                    salt: hex::encode(salt),
                    leaf_hash: hex::encode(hash),
                });
                hashes.push((hash, e.company_id.clone()));
            }
            let first = i64::try_from(self.tree.size())
                .map_err(|_| AppError::Internal("log too large".into()))?;
            if let Err(e) = store.append_leaves(first, &leaves).await {
                // Someone else changed the leaves: start again from what is
                // stored rather than sign a tree the database disagrees with.
                tracing::error!(error = %e, "appending audit leaves failed; reloading the tree");
                self.reload(false).await?;
                return Err(e.into());
            }
            for (hash, company) in hashes {
                self.tree.push(hash);
                if let Some(company) = company {
                    self.companies.entry(company).or_default().tree.push(hash);
                }
            }
            total += events.len() as u64;
            if (events.len() as i64) < BATCH {
                return Ok(total);
            }
        }
    }

    /// Records a contradiction (`audit.consistency_failure`) and makes sure
    /// its `log_consistency` alert exists: at start the alert watcher will
    /// not run, so the alert is raised here; while running the watcher
    /// raises it (and calls the webhook) once the entry is sequenced.
    async fn report_contradiction(&self, why: &str, at_start: bool) {
        let ports = &self.ctx.ports;
        let record = AuditRecord {
            request_id: dsg_core::RequestId::new().to_string(),
            actor: None,
            source: None,
            terminal: None,
            action: AuditAction::AuditConsistencyFailure,
            object: AuditObject::Gateway,
            outcome: Outcome::Failure,
            reason: dsg_core::text::clip_owned(why, 1000),
            decision: None,
        };
        let now = self.ctx.app.now();
        let outcome = if at_start {
            match ports.sequencing.record_returning_id(now, &record).await {
                Ok(entry) => ports
                    .alerts
                    .raise_alert(
                        &NewAlert {
                            rule: AlertRule::LogConsistency.as_str(),
                            key: LOG_KEY,
                            key_kind: KeyKind::Object.as_str(),
                            severity: dsg_core::AlertSeverity::High,
                            entries: &[entry],
                            period_from: None,
                        },
                        now,
                    )
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            }
        } else {
            ports.sequencing.record(now, &record).await
        };
        if let Err(e) = outcome {
            tracing::error!(error = %e, "could not record the log contradiction or its alert");
        }
    }

    /// Proves the stored log against the signed checkpoints again, every
    /// `audit.consistency_check_seconds`. A contradiction stops signing
    /// until a later check passes (the database restored).
    async fn recheck(&mut self) {
        let every_ms = self
            .ctx
            .app
            .config()
            .audit
            .consistency_check_seconds
            .saturating_mul(1000);
        let now = self.ctx.app.now();
        let due = i64::try_from(every_ms).is_ok_and(|every| {
            every > 0 && now.saturating_sub(self.consistency_checked_at_ms) >= every
        });
        if !due {
            return;
        }
        self.consistency_checked_at_ms = now;
        if let Err(e) = self.reload(false).await {
            tracing::error!(error = %e, "audit consistency check failed");
        }
    }

    /// Writes a signed checkpoint if the tree grew since the last one and
    /// `audit.checkpoint_seconds` passed (or `force`); with 0, the default,
    /// after every batch that grew the tree, so what is sequenced is signed
    /// (and published) within the same step. Returns whether it wrote one.
    pub async fn checkpoint(&mut self, force: bool) -> Result<bool, AppError> {
        if self.contradiction.is_some() {
            return Ok(false);
        }
        let size = self.tree.size();
        let now = self.ctx.app.now();
        let interval_ms = i64::try_from(
            self.ctx
                .app
                .config()
                .audit
                .checkpoint_seconds
                .saturating_mul(1000),
        )
        .unwrap_or(i64::MAX);
        let due = force || now.saturating_sub(self.checkpointed_at_ms) >= interval_ms;
        if size <= self.checkpointed_size || !due {
            return Ok(false);
        }
        // Heads of the sub-logs that grew go into the tree this checkpoint
        // signs, so each company's extract is anchored at once.
        if self.write_company_heads().await? > 0 {
            self.sequence().await?;
        }
        let size = self.tree.size();
        let root = self.tree.root();
        // The retention period in force is part of the statement, so a
        // verifier can tell an expiry at its end from content erased early.
        let retention = self.ctx.app.config().audit.retention_days;
        let signed = Checkpoint::new(self.signer.log_id.clone(), size, root, now)
            .map(|c| c.with_retention(retention))
            .and_then(|c| c.sign(&self.signer.key, self.ctx.rng.as_ref()))
            .map_err(internal("signing a checkpoint"))?;
        let json = signed
            .to_json()
            .map_err(internal("encoding a checkpoint"))?;
        let stored = StoredCheckpoint {
            tree_size: i64::try_from(size)
                .map_err(|_| AppError::Internal("log too large".into()))?,
            root: hex::encode(root),
            timestamp_ms: now,
            signed: json,
        };
        self.ctx.ports.sequencing.insert_checkpoint(&stored).await?;
        self.checkpointed_size = size;
        self.checkpointed_at_ms = now;
        // Published after it is stored, never before: a file the database
        // lacks would, after a crash, meet a different checkpoint of the
        // same size signed at the next start.
        if let Some(dir) = &self.ctx.app.config().audit.publish.checkpoint_dir {
            let key = self.signer.key.public_key().as_ref();
            if let Err(e) =
                forwarder::publish_checkpoint(dir, &self.signer.log_id, key, &stored).await
            {
                tracing::error!(error = %e, "publishing a checkpoint failed; the forwarder retries");
            }
        }
        Ok(true)
    }

    /// Records a head entry for every company whose sub-log grew since its
    /// last head. Returns how many.
    async fn write_company_heads(&mut self) -> Result<usize, AppError> {
        let mut written = 0;
        let request_id = uuid::Uuid::now_v7().to_string();
        for (company, log) in &mut self.companies {
            let size = log.tree.size();
            if size <= log.head_size {
                continue;
            }
            let head = CompanyHead {
                size,
                root: log.tree.root(),
            };
            let record = AuditRecord {
                request_id: request_id.clone(),
                actor: None,
                source: None,
                terminal: None,
                action: AuditAction::CompanyLogHead,
                object: AuditObject::CompanyLog(company.clone()),
                outcome: Outcome::Success,
                reason: head.to_reason(),
                decision: None,
            };
            self.ctx
                .ports
                .sequencing
                .record(self.ctx.app.now(), &record)
                .await?;
            log.head_size = size;
            written += 1;
        }
        Ok(written)
    }

    async fn step(&mut self, force: bool) {
        if let Err(e) = self.sequence().await {
            tracing::error!(error = %e, "audit sequencing failed");
            return;
        }
        let now = self.ctx.app.now();
        if self
            .expired_at_ms
            .is_none_or(|last| now.saturating_sub(last) >= EXPIRY_INTERVAL_MS)
        {
            self.expired_at_ms = Some(now);
            match self.ctx.app.expire_audit().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(entries = n, "audit content past its retention dropped"),
                Err(e) => tracing::error!(error = %e, "audit expiry failed"),
            }
        }
        self.recheck().await;
        if let Err(e) = self.checkpoint(force).await {
            tracing::error!(error = %e, "audit checkpoint failed");
        }
    }

    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => self.step(false).await,
                _ = &mut stop => break,
            }
        }
        self.step(true).await;
    }
}
