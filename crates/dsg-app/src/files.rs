//! Compartments and their files: the handler's side of dsg.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use dsg_blob::BlobStore;
use dsg_core::{
    AuditAction, AuditObject, AuditRecord, Compartment, Contract, EndInstruction, FileDirection,
    FileId, FileName, FileRecord, FileStatus, Outcome,
};
use dsg_policy::{Action, FileFacts, Resource};
use dsg_store::{NewFileVersion, UploadTarget};
use futures::{Stream, StreamExt};

use super::keys::{blob_context, open_file_with};
use super::policies::{with_decision, Decided};
use super::{App, AppError, Caller, RequestMeta};

/// A compartment with its contract, as listed to a handler.
#[derive(Debug, Clone)]
pub struct CompartmentView {
    /// The compartment.
    pub compartment: Compartment,
    /// Its contract.
    pub contract: Contract,
    /// Why it cannot be opened from this request, though the caller handles
    /// it (e.g. no registered terminal); `None` when it can be opened.
    pub blocked: Option<super::DenialReason>,
    /// Which way the caller's uploads travel (the agency provides, the
    /// company submits): a page offers the end-of-contract instruction
    /// only for provided files.
    pub uploads_travel: FileDirection,
}

/// A file as listed.
#[derive(Debug, Clone)]
pub struct FileView {
    /// The file.
    pub file: FileRecord,
    /// The display name of who uploaded its newest version.
    pub uploader: String,
}

/// One version of a file as listed.
#[derive(Debug, Clone)]
pub struct VersionView {
    /// Version number.
    pub version: u32,
    /// Plaintext size.
    pub size_bytes: i64,
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
    /// Uploaded at (Unix ms).
    pub created_at: i64,
    /// Uploader's user id.
    pub created_by: String,
}

/// What is uploaded.
#[derive(Debug, Clone)]
pub enum UploadRequest {
    /// A new file with this display name.
    NewFile {
        /// Display name as sent.
        name: String,
        /// On a provided file, what becomes of it at the contract's end
        /// (`return` or `destroy`), as sent.
        end_instruction: Option<String>,
    },
    /// The next version of this file.
    NextVersion {
        /// The file's id as sent.
        file_id: String,
    },
}

impl App {
    /// Decides `action` on the compartment named by `raw_id`. A missing
    /// compartment and a forbidden one take the same path (one lookup, one
    /// policy evaluation, one audit write) and give the same error.
    async fn authorize_compartment(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        raw_id: &str,
        action: Action,
        audit_action: AuditAction,
    ) -> Result<(Compartment, Decided), AppError> {
        let (compartment, _, decided) = self
            .authorize_data(meta, caller, (raw_id, None), action, audit_action)
            .await?;
        Ok((compartment, decided))
    }

    /// Decides `action` on the file `raw_file` of the compartment `raw_id`:
    /// on the file itself where it exists in that compartment, else on the
    /// compartment (so a missing file is not found after the same decision).
    /// Returns the file if it is active.
    pub(super) async fn authorize_file(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (raw_id, raw_file): (&str, &str),
        action: Action,
        audit_action: AuditAction,
    ) -> Result<(Compartment, FileRecord, Decided), AppError> {
        let (compartment, file, decided) = self
            .authorize_data(meta, caller, (raw_id, Some(raw_file)), action, audit_action)
            .await?;
        match file {
            // The policy refuses files marked for disposal; checked here too,
            // whatever a policy version says.
            Some(file) if file.status == FileStatus::Active => Ok((compartment, file, decided)),
            _ => {
                let object_id = dsg_core::text::clip_owned(raw_file, 64);
                let record = Self::audit(
                    meta,
                    caller,
                    audit_action,
                    AuditObject::RequestedFile(object_id),
                    Outcome::Failure,
                    "not_found",
                );
                self.record(&record).await?;
                Err(AppError::NotFound)
            }
        }
    }

    /// One policy decision on a compartment or one of its files; see
    /// [`Self::authorize_compartment`] and [`Self::authorize_file`].
    pub(super) async fn authorize_data(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (raw_id, raw_file): (&str, Option<&str>),
        action: Action,
        audit_action: AuditAction,
    ) -> Result<(Compartment, Option<FileRecord>, Decided), AppError> {
        super::recorded_pair(action, audit_action);
        let compartment = match caller {
            Caller::User(user) => {
                self.inner
                    .org
                    .compartment_at(user.generation, raw_id)
                    .await?
            }
            Caller::Anonymous => self.inner.org.compartment(raw_id).await?,
        };
        let stored = match (&compartment, raw_file.map(str::parse::<FileId>)) {
            (Some(c), Some(Ok(id))) => self.inner.files.file(c.id, id).await?,
            _ => None,
        };
        let on_file = self.policy().engine.decides_files();
        let resource = match (&compartment, &stored) {
            (Some(c), stored) => {
                let facts = super::contract_end::compartment_facts(c, self.today());
                match stored {
                    Some(f) if on_file => Resource::File(FileFacts {
                        id: f.id,
                        compartment: facts,
                        status: f.status,
                    }),
                    _ => Resource::Compartment(facts),
                }
            }
            (None, _) => Resource::MissingCompartment(raw_id.to_owned()),
        };
        let decision = self.decide(caller, action, resource.clone());
        let object_id = dsg_core::text::clip_owned(raw_id, 64);
        match compartment {
            Some(c) if decision.allowed => {
                // The name is opened only for a request allowed to see it.
                let file = stored.map(|f| self.open_file(&c, f)).transpose()?;
                Ok((c, file, decision))
            }
            _ => {
                // Only a caller who would be allowed after re-authenticating
                // learns that a step-up is needed; everyone else gets the
                // uniform answer.
                let step_up = self.step_up_would_allow(caller, action, resource.clone());
                // A caller who would be allowed from their own registered
                // terminal with a passkey is told what is missing.
                let reason = self.entitled_denial(caller, action, resource, &decision);
                let record = Self::audit_decided(
                    meta,
                    caller,
                    audit_action,
                    AuditObject::RequestedCompartment(object_id),
                    Outcome::Denied,
                    &decision,
                );
                self.record(&record).await?;
                Err(match caller {
                    Caller::Anonymous => AppError::Unauthenticated,
                    Caller::User(_) if step_up => AppError::StepUpRequired,
                    Caller::User(_) => reason.map_or(AppError::NotFound, AppError::Denied),
                })
            }
        }
    }

    /// The compartments the caller may open, and those they handle but
    /// cannot open from this request (with the reason).
    pub async fn my_compartments(&self, caller: &Caller) -> Result<Vec<CompartmentView>, AppError> {
        let Caller::User(user) = caller else {
            return Err(AppError::Unauthenticated);
        };
        let uploads_travel = FileDirection::of_uploader(user.facts.company_kind);
        let mut views = Vec::new();
        for compartment in self.inner.org.list_compartments().await? {
            let resource = Resource::Compartment(super::contract_end::compartment_facts(
                &compartment,
                self.today(),
            ));
            let decision = self.decide(caller, Action::CompartmentView, resource.clone());
            let blocked = if decision.allowed {
                None
            } else {
                match self.entitled_denial(caller, Action::CompartmentView, resource, &decision) {
                    Some(reason) => Some(reason),
                    None => continue,
                }
            };
            if let Some(contract) = self.inner.org.contract(compartment.contract_id).await? {
                views.push(CompartmentView {
                    compartment,
                    contract,
                    blocked,
                    uploads_travel,
                });
            }
        }
        Ok(views)
    }

    /// Opens a compartment: its contract and active files. Recorded.
    pub async fn list_files(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
    ) -> Result<(CompartmentView, Vec<FileView>), AppError> {
        let (compartment, decided) = self
            .authorize_compartment(
                meta,
                caller,
                compartment_id,
                Action::FileList,
                AuditAction::FileList,
            )
            .await?;
        let contract = self
            .inner
            .org
            .contract(compartment.contract_id)
            .await?
            .ok_or_else(|| AppError::Internal("compartment without contract".into()))?;
        let stored = self.inner.files.list_files(compartment.id).await?;
        let key = self.compartment_key(&compartment)?;
        let mut files = stored
            .into_iter()
            .map(|f| {
                let uploader = f.updated_by_name.clone();
                open_file_with(&key, &compartment, f).map(|file| FileView { file, uploader })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // By name (code point order), as the database ordered plaintext names.
        files.sort_by(|a, b| {
            (a.file.name.as_str(), a.file.id).cmp(&(b.file.name.as_str(), b.file.id))
        });
        let record = self.success(
            meta,
            caller,
            AuditAction::FileList,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        self.record(&record).await?;
        Ok((
            CompartmentView {
                compartment,
                contract,
                blocked: None,
                uploads_travel: match caller {
                    Caller::User(user) => FileDirection::of_uploader(user.facts.company_kind),
                    Caller::Anonymous => FileDirection::Submitted,
                },
            },
            files,
        ))
    }

    pub(super) fn success(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        action: AuditAction,
        object: AuditObject,
        decided: &Decided,
    ) -> AuditRecord {
        with_decision(
            Self::audit(
                meta,
                caller,
                action,
                object,
                Outcome::Success,
                decided.reason(),
            ),
            decided,
        )
    }

    /// Streams an upload in, encrypted, and registers it as a new file or
    /// the next version of one. All-or-nothing: if anything fails, no file or
    /// version appears and the blob is removed.
    pub async fn upload<S, E>(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
        request: UploadRequest,
        content_length: Option<u64>,
        body: S,
    ) -> Result<FileView, AppError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let audit_action = match request {
            UploadRequest::NewFile { .. } => AuditAction::FileUpload,
            UploadRequest::NextVersion { .. } => AuditAction::FileVersionUpload,
        };
        let (compartment, decided, target, version) = match &request {
            UploadRequest::NewFile {
                name,
                end_instruction,
            } => {
                let (compartment, decided) = self
                    .authorize_compartment(
                        meta,
                        caller,
                        compartment_id,
                        Action::FileUpload,
                        audit_action,
                    )
                    .await?;
                let name = FileName::parse(name)?;
                // The way it travels is the uploader's side, never declared.
                let Caller::User(uploader) = caller else {
                    return Err(AppError::Unauthenticated);
                };
                let direction = FileDirection::of_uploader(uploader.facts.company_kind);
                let end_instruction = end_instruction
                    .as_deref()
                    .filter(|raw| !raw.is_empty())
                    .map(EndInstruction::parse)
                    .transpose()?;
                if let Some(instruction) = end_instruction {
                    instruction.check_for(direction)?;
                }
                let file_id = FileId::random();
                let target = UploadTarget::NewFile {
                    file_id,
                    name: self.seal_name(&compartment, file_id, name.as_str())?,
                    direction,
                    end_instruction,
                };
                (compartment, decided, target, 1)
            }
            // A new version is decided on the file.
            UploadRequest::NextVersion { file_id } => {
                let (compartment, file, decided) = self
                    .authorize_file(
                        meta,
                        caller,
                        (compartment_id, file_id),
                        Action::FileUpload,
                        audit_action,
                    )
                    .await?;
                let target = UploadTarget::NextVersion { file_id: file.id };
                (compartment, decided, target, file.current_version + 1)
            }
        };
        let file_id = match &target {
            UploadTarget::NewFile { file_id, .. } | UploadTarget::NextVersion { file_id } => {
                *file_id
            }
        };
        let result = self
            .store_upload(
                meta,
                caller,
                &compartment,
                &target,
                file_id,
                version,
                content_length,
                body,
                &decided,
            )
            .await;
        if let Err(error) = &result {
            let record = Self::audit(
                meta,
                caller,
                audit_action,
                AuditObject::File(file_id),
                Outcome::Failure,
                error.code(),
            );
            // The failure entry is best effort: the upload changed nothing.
            if let Err(e) = self.record(&record).await {
                tracing::error!(error = %e, "could not record a failed upload");
            }
        }
        result
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one upload's parts, after authorization"
    )]
    async fn store_upload<S, E>(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment: &Compartment,
        target: &UploadTarget,
        file_id: FileId,
        version: u32,
        content_length: Option<u64>,
        body: S,
        decided: &Decided,
    ) -> Result<FileView, AppError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let limits = &self.inner.config.limits;
        // The space used is read fresh: the compartment the decision saw
        // may come from the facts cache, and uploads do not invalidate it.
        let used = self
            .inner
            .org
            .compartment(&compartment.id.to_string())
            .await?
            .map_or(compartment.used_bytes, |c| c.used_bytes);
        let quota_left = u64::try_from(compartment.quota_bytes - used).unwrap_or(0);
        let refusal = |size: u64| -> Option<AppError> {
            if size > limits.max_file_bytes {
                Some(AppError::TooLarge)
            } else if size > quota_left {
                Some(AppError::QuotaExceeded)
            } else {
                None
            }
        };
        let declared = content_length.unwrap_or(0);
        if let Some(error) = refusal(declared) {
            return Err(error);
        }
        let blobs = &self.inner.blobs;
        let reserve = limits.free_space_reserve_bytes;
        // Space is promised before the bytes it stands for are accepted
        // (see `space.rs`), so concurrent uploads cannot overcommit it.
        let mut promise = self
            .inner
            .space
            .promise(blobs.free_bytes(), reserve, declared)
            .ok_or(AppError::InsufficientStorage)?;
        let out_of_space = AtomicBool::new(false);
        let mut received: u64 = 0;
        let body = body.map(|piece| {
            let piece = piece.map_err(|e| e.to_string())?;
            received = received.saturating_add(piece.len() as u64);
            if !promise.covers(received) && !promise.cover(blobs.free_bytes(), reserve, received) {
                out_of_space.store(true, Ordering::Release);
                return Err("the data volume is at its free-space reserve".to_owned());
            }
            Ok(piece)
        });
        let max_bytes = limits.max_file_bytes.min(quota_left);
        let blob_key = BlobStore::new_key(&compartment.id.to_string());
        let (data_key, wrapped_key) =
            self.new_data_key(compartment, file_id, version, &blob_key)?;
        let context = blob_context(compartment.id, file_id, version);
        let stored = match blobs
            .put_encrypted(&blob_key, &data_key, context, body, max_bytes)
            .await
        {
            Ok(stored) => stored,
            // Name the limit that was reached.
            Err(dsg_blob::BlobError::TooLarge) => {
                return Err(refusal(max_bytes.saturating_add(1)).unwrap_or(AppError::TooLarge))
            }
            Err(_) if out_of_space.load(Ordering::Acquire) => {
                return Err(AppError::InsufficientStorage)
            }
            Err(e) => return Err(e.into()),
        };
        let user_id = caller.user_id().ok_or(AppError::Unauthenticated)?;
        let size_bytes = i64::try_from(stored.size_bytes).map_err(|_| AppError::TooLarge)?;
        let new_version = NewFileVersion {
            version,
            blob_key: blob_key.clone(),
            size_bytes,
            sha256: hex::encode(stored.sha256),
            wrapped_key,
            created_by: user_id,
            terminal: meta.terminal.clone(),
        };
        let audit_action = match target {
            UploadTarget::NewFile { .. } => AuditAction::FileUpload,
            UploadTarget::NextVersion { .. } => AuditAction::FileVersionUpload,
        };
        let record = self.success(
            meta,
            caller,
            audit_action,
            AuditObject::File(file_id),
            decided,
        );
        let now = self.now();
        if let Err(e) = self
            .inner
            .files
            .commit_upload(compartment.id, target, &new_version, now, &record)
            .await
        {
            if let Err(cleanup) = self.inner.blobs.delete(&blob_key).await {
                tracing::warn!(error = %cleanup, blob = %blob_key, "unused blob left for the sweep");
            }
            return Err(e.into());
        }
        let stored = self
            .inner
            .files
            .file(compartment.id, file_id)
            .await?
            .ok_or_else(|| AppError::Internal("uploaded file vanished".into()))?;
        Ok(FileView {
            uploader: stored.updated_by_name.clone(),
            file: self.open_file(compartment, stored)?,
        })
    }

    /// The versions of a file, newest first. Recorded.
    pub async fn versions(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
        file_id: &str,
    ) -> Result<(FileRecord, Vec<VersionView>), AppError> {
        let (_, file, decided) = self
            .authorize_file(
                meta,
                caller,
                (compartment_id, file_id),
                Action::FileRead,
                AuditAction::FileVersions,
            )
            .await?;
        let versions = self.inner.files.versions(file.id).await?;
        let record = self.success(
            meta,
            caller,
            AuditAction::FileVersions,
            AuditObject::File(file.id),
            &decided,
        );
        self.record(&record).await?;
        let views = versions
            .into_iter()
            .map(|v| VersionView {
                version: v.version,
                size_bytes: v.size_bytes,
                sha256: v.sha256,
                created_at: v.created_at,
                created_by: v.created_by.to_string(),
            })
            .collect();
        Ok((file, views))
    }

    /// Marks a file for disposal. Nothing is erased: the versions stay until
    /// a recorded disposal.
    pub async fn delete_file(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
        file_id: &str,
    ) -> Result<(), AppError> {
        let (compartment, file, decided) = self
            .authorize_file(
                meta,
                caller,
                (compartment_id, file_id),
                Action::FileDelete,
                AuditAction::FileDelete,
            )
            .await?;
        let user = caller.user_id().ok_or(AppError::Unauthenticated)?;
        let record = self.success(
            meta,
            caller,
            AuditAction::FileDelete,
            AuditObject::File(file.id),
            &decided,
        );
        self.inner
            .files
            .mark_for_disposal(compartment.id, file.id, user, self.now(), &record)
            .await?;
        Ok(())
    }

    /// The data volume's size when it is smaller than the free-space reserve
    /// (`limits.free_space_reserve_bytes`): then no upload can ever be
    /// accepted, which the operator should hear at start.
    pub fn volume_below_reserve(&self) -> Option<u64> {
        let size = self.inner.blobs.volume_bytes()?;
        (size < self.inner.config.limits.free_space_reserve_bytes).then_some(size)
    }

    /// Removes every staging file of an interrupted local upload (for the
    /// gateway's start, when no upload can be in progress here).
    pub async fn remove_upload_staging(&self) -> Result<usize, AppError> {
        Ok(self.inner.blobs.remove_staging_files().await?)
    }

    /// Removes blobs no version refers to that are older than `min_age_ms`.
    pub async fn sweep_orphans(&self, min_age_ms: i64) -> Result<usize, AppError> {
        let cutoff = self.now() - min_age_ms;
        let files = Arc::clone(&self.inner.files);
        let removed = self
            .inner
            .blobs
            .sweep_orphans(cutoff, move |key| {
                let files = Arc::clone(&files);
                async move {
                    files
                        .blob_in_use(&key)
                        .await
                        .map_err(|e| dsg_blob::BlobError::Config(e.to_string()))
                }
            })
            .await?;
        Ok(removed)
    }
}
