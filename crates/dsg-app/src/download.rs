//! Sending a file, and what happens when its stored blob is damaged.
//!
//! A download's access entry is committed before the first byte. Damage a
//! download can know in advance is answered before that, with a clear error
//! and no bytes: a version already marked damaged, a blob that is missing,
//! and, for versions up to `limits.verify_before_send_bytes`, any damage at
//! all (the blob is read through and checked once before it is sent).
//! Larger versions stream as they are checked; damage met on the way ends
//! the stream with an error (the client sees a reset after a true prefix)
//! and is recorded afterwards under the same request id. Either way the
//! download is recorded as failed with the reason, the version is marked
//! damaged with a `file.integrity_failure` entry (which raises the
//! `integrity` alert) and operators find it in `dsg admin scrub`.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use dsg_blob::{BlobError, DecryptedStream};
use dsg_core::{AuditAction, AuditObject, FileId, FileName, Outcome, RequestedRange};
use dsg_crypto::ChunkSpan;
use dsg_policy::Action;
use futures::Stream;

use super::keys::blob_context;
use super::{App, AppError, Caller, RequestMeta};

/// A download ready to stream. The access has been recorded.
pub struct Download {
    /// Display name.
    pub name: FileName,
    /// Plaintext size of the whole version.
    pub size_bytes: u64,
    /// The version sent.
    pub version: u32,
    /// A strong entity tag of the version's content (its SHA-256), for
    /// `ETag` and `If-Range`.
    pub entity_tag: String,
    /// The bytes sent, first and last included, when a range was asked
    /// for and served; `None` for the whole version.
    pub part: Option<(u64, u64)>,
    /// Verified plaintext.
    pub body: DownloadBody,
}

/// A download's verified plaintext, chunk by chunk. An error ends it early;
/// damage met that way is recorded (see the module documentation).
pub struct DownloadBody {
    plaintext: DecryptedStream,
    /// Who to tell about damage met while streaming; taken at the first.
    witness: Option<Witness>,
}

/// What recording an integrity failure of a download needs.
struct Witness {
    app: App,
    meta: RequestMeta,
    caller: Caller,
    file: FileId,
    version: u32,
}

impl Stream for DownloadBody {
    type Item = Result<Bytes, BlobError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = Pin::new(&mut self.plaintext).poll_next(cx);
        if let Poll::Ready(Some(Err(error))) = &item {
            let reason = error
                .damage()
                .map_or_else(|| error.to_string(), str::to_owned);
            let damaged = error.damage().is_some();
            if let Some(w) = self.witness.take() {
                // The response is past its headers: the failure is recorded
                // beside it, not in its way.
                tokio::spawn(async move {
                    w.app
                        .download_failed(&w.meta, &w.caller, (w.file, w.version), &reason, damaged)
                        .await;
                });
            }
        }
        item
    }
}

/// The plaintext of a version, whole or the chunks of `span`.
async fn open_plaintext(
    blobs: &dsg_blob::BlobStore,
    blob_key: &str,
    key: &dsg_crypto::SecretKey,
    context: dsg_crypto::BlobContext,
    span: Option<&ChunkSpan>,
) -> Result<DecryptedStream, BlobError> {
    match span {
        Some(span) => blobs.get_decrypted_span(blob_key, key, context, span).await,
        None => blobs.get_decrypted(blob_key, key, context, None).await,
    }
}

impl App {
    /// Opens a file version for download, whole or, when `range` is given,
    /// the bytes it names. The access entry is committed before this
    /// returns, so before the first byte is sent.
    ///
    /// A range is honoured only when `if_range` is absent or is the
    /// version's entity tag (so a resumed download never splices two
    /// versions); otherwise the whole version is sent, as HTTP says.
    pub async fn download(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (compartment_id, file_id): (&str, &str),
        version: Option<u32>,
        (range, if_range): (Option<RequestedRange>, Option<&str>),
    ) -> Result<Download, AppError> {
        let (compartment, file, decided) = self
            .authorize_file(
                meta,
                caller,
                (compartment_id, file_id),
                Action::FileRead,
                AuditAction::FileDownload,
            )
            .await?;
        let wanted = version.unwrap_or(file.current_version);
        let Some(stored) = self.inner.files.version(file.id, wanted).await? else {
            return Err(AppError::NotFound);
        };
        let which = (file.id, wanted);
        if let Some(damage) = self.inner.files.version_damage(file.id, wanted).await? {
            let record = Self::audit(
                meta,
                caller,
                AuditAction::FileDownload,
                AuditObject::FileVersion(file.id, wanted),
                Outcome::Failure,
                format!("damaged: {damage}"),
            );
            self.record(&record).await?;
            return Err(AppError::Damaged);
        }
        let key = self.data_key(
            &compartment,
            file.id,
            wanted,
            &stored.blob_key,
            &stored.wrapped_key,
        )?;
        // The chunks' GCM tags under this version's own data key and
        // context prove the content is what was uploaded as this version
        // (see `BlobStore::get_decrypted`); the SHA-256 recorded at upload
        // is not recomputed here: it is for the user to compare, and the
        // scrub checks it.
        let context = blob_context(compartment.id, file.id, wanted);
        let blobs = &self.inner.blobs;
        let size = u64::try_from(stored.size_bytes).unwrap_or(0);
        let entity_tag = format!("\"sha256-{}\"", stored.sha256);
        let range = range.filter(|_| if_range.is_none_or(|tag| tag == entity_tag));
        let part = match range.map(|r| r.resolve(size)) {
            None => None,
            Some(Some(part)) => Some(part),
            Some(None) => {
                let record = Self::audit(
                    meta,
                    caller,
                    AuditAction::FileDownload,
                    AuditObject::FileVersion(file.id, wanted),
                    Outcome::Failure,
                    "range not satisfiable",
                );
                self.record(&record).await?;
                return Err(AppError::RangeNotSatisfiable { size });
            }
        };
        let span = match part {
            None => None,
            Some((first, last)) => Some(ChunkSpan::of(size, first, last).ok_or_else(|| {
                AppError::Internal(format!("no chunk span for {first}-{last} of {size}"))
            })?),
        };
        let open = || open_plaintext(blobs, &stored.blob_key, &key, context, span.as_ref());
        let sent_len = span.as_ref().map_or(size, |s| s.len);
        if sent_len <= self.inner.config.limits.verify_before_send_bytes {
            let checked = match open().await {
                Ok(plaintext) => plaintext.verify_to_end().await.map(|_| ()),
                Err(e) => Err(e),
            };
            if let Err(e) = checked {
                return Err(self.blob_failed(meta, caller, which, e).await);
            }
        }
        let plaintext = match open().await {
            Ok(plaintext) => plaintext,
            Err(e) => return Err(self.blob_failed(meta, caller, which, e).await),
        };
        let record = self.success(
            meta,
            caller,
            AuditAction::FileDownload,
            AuditObject::FileVersion(file.id, wanted),
            &decided,
        );
        // A download is a copy on a terminal (第6-2: 複製): the inventory's
        // copy commits with the access entry, before the first byte.
        let holder = caller.user_id().ok_or(AppError::Unauthenticated)?;
        self.record_copy(meta, &compartment, (file.id, wanted), holder, &record)
            .await?;
        Ok(Download {
            name: file.name,
            size_bytes: size,
            version: wanted,
            entity_tag,
            part,
            body: DownloadBody {
                plaintext,
                witness: Some(Witness {
                    app: self.clone(),
                    meta: meta.clone(),
                    caller: caller.clone(),
                    file: file.id,
                    version: wanted,
                }),
            },
        })
    }

    /// Records a download that failed on its blob before sending anything
    /// and gives its answer: [`AppError::Damaged`] for damage, the error's
    /// own otherwise.
    async fn blob_failed(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        which: (FileId, u32),
        error: BlobError,
    ) -> AppError {
        match error.damage() {
            Some(damage) => {
                self.download_failed(meta, caller, which, damage, true)
                    .await;
                AppError::Damaged
            }
            None => {
                let reason = dsg_core::text::clip_owned(&error.to_string(), 200);
                self.download_failed(meta, caller, which, &reason, false)
                    .await;
                error.into()
            }
        }
    }

    /// Records a download that failed on its blob: the download's failure
    /// entry with the reason and, when the blob is damaged, the version's
    /// damaged mark with its `file.integrity_failure` entry. Best effort:
    /// the request has failed already; a write that fails is logged.
    async fn download_failed(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (file, version): (FileId, u32),
        reason: &str,
        damaged: bool,
    ) {
        let object = format!("{file}@{version}");
        let record = Self::audit(
            meta,
            caller,
            AuditAction::FileDownload,
            AuditObject::FileVersion(file, version),
            Outcome::Failure,
            if damaged {
                format!("integrity: {reason}")
            } else {
                format!("read: {reason}")
            },
        );
        if let Err(e) = self.record(&record).await {
            tracing::error!(error = %e, "could not record a failed download");
        }
        if damaged {
            let damage = format!("download: {reason}");
            if let Err(e) = self
                .mark_damaged(meta, caller, (file, version), &damage)
                .await
            {
                tracing::error!(error = %e, file = %object, "could not mark a damaged version");
            }
        }
    }

    /// Marks a version damaged with its `file.integrity_failure` entry.
    pub(super) async fn mark_damaged(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (file, version): (FileId, u32),
        damage: &str,
    ) -> Result<bool, AppError> {
        tracing::error!(file = %file, version, damage, "a stored file version is damaged");
        let record = Self::audit(
            meta,
            caller,
            AuditAction::FileIntegrityFailure,
            AuditObject::FileVersion(file, version),
            Outcome::Failure,
            damage,
        );
        Ok(self
            .inner
            .files
            .mark_damaged(file, version, self.now(), damage, &record)
            .await?)
    }
}
