//! Disposal of files marked for it (第6-6): "delete" only marks a file; the
//! company's managers see what awaits disposal; whoever performs the
//! disposal records it (method, place, time), and a checker who is another
//! person confirms it, which destroys the versions' data keys
//! (crypto-shredding) in the same transaction, then deletes the blobs.
//! That the checker is not the performer is decided by the policy point
//! (`disposal-checker-not-performer`), and held again by the store.

use dsg_core::{
    AuditAction, AuditObject, CompanyId, CompartmentId, ContractId, DisposalId, DisposalMethod,
    DisposalPlace, FileRecord, FileStatus, UserId,
};
use dsg_policy::{Action, CompartmentFacts, DisposalFacts, Resource};
use dsg_store::DisposalRow;

use super::{App, AppError, Caller, RequestMeta};

/// A recorded disposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisposalView {
    /// Its id.
    pub id: DisposalId,
    /// The file disposed of.
    pub file_id: dsg_core::FileId,
    /// How.
    pub method: DisposalMethod,
    /// Where.
    pub place: String,
    /// Who performed it.
    pub performed_by: UserId,
    /// When (Unix ms).
    pub performed_at: i64,
    /// Who checked it, once checked.
    pub checked_by: Option<UserId>,
    /// When it was checked.
    pub checked_at: Option<i64>,
}

impl From<DisposalRow> for DisposalView {
    fn from(row: DisposalRow) -> Self {
        Self {
            id: row.id,
            file_id: row.file_id,
            method: row.method,
            place: row.place,
            performed_by: row.performed_by,
            performed_at: row.performed_at,
            checked_by: row.checked_by,
            checked_at: row.checked_at,
        }
    }
}

/// A file awaiting disposal, as its company's managers see it.
#[derive(Debug, Clone)]
pub struct DisposalCandidateView {
    /// The file, its name opened.
    pub file: FileRecord,
    /// How many of its versions still hold a key.
    pub versions: u32,
    /// Who marked it for disposal.
    pub deleted_by: Option<UserId>,
    /// When (Unix ms).
    pub deleted_at: Option<i64>,
    /// Its disposal, once recorded and awaiting its checker.
    pub disposal: Option<DisposalView>,
    /// Whether the caller may confirm that disposal (the policy point's
    /// answer: never to its performer), for a page to offer.
    pub confirmable: bool,
}

/// A disposal as its performer states it.
#[derive(Debug, Clone)]
pub struct DisposalInput {
    /// How (`crypto_shred` for a stored file).
    pub method: String,
    /// Where it was carried out.
    pub place: String,
}

impl App {
    /// The files of a compartment marked for disposal and not yet disposed
    /// of, with any recorded disposal awaiting its checker. Recorded.
    pub async fn disposal_candidates(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
    ) -> Result<Vec<DisposalCandidateView>, AppError> {
        let (compartment, _, decided) = self
            .authorize_data(
                meta,
                caller,
                (compartment_id, None),
                Action::DisposalView,
                AuditAction::DisposalView,
            )
            .await?;
        let key = self.compartment_key(&compartment)?;
        let mut views = Vec::new();
        for candidate in self.inner.files.disposal_candidates(compartment.id).await? {
            let confirmable = candidate.disposal.as_ref().is_some_and(|d| {
                let facts = DisposalFacts {
                    id: d.id.to_string(),
                    compartment: super::contract_end::compartment_facts(&compartment, self.today()),
                    performed_by: d.performed_by,
                };
                self.decide(caller, Action::DisposalConfirm, Resource::Disposal(facts))
                    .allowed
            });
            views.push(DisposalCandidateView {
                confirmable,
                file: super::keys::open_file_with(&key, &compartment, candidate.file)?,
                versions: candidate.versions,
                deleted_by: candidate.deleted_by,
                deleted_at: candidate.deleted_at,
                disposal: candidate.disposal.map(DisposalView::from),
            });
        }
        let record = self.success(
            meta,
            caller,
            AuditAction::DisposalView,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        self.record(&record).await?;
        Ok(views)
    }

    /// Records the disposal of a file marked for it, performed by the
    /// caller now. It awaits another person's confirmation.
    pub async fn record_disposal(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (compartment_id, file_id): (&str, &str),
        input: &DisposalInput,
    ) -> Result<DisposalView, AppError> {
        let (compartment, file, decided) = self
            .authorize_data(
                meta,
                caller,
                (compartment_id, Some(file_id)),
                Action::DisposalRecord,
                AuditAction::DisposalRecord,
            )
            .await?;
        let Some(file) = file.filter(|f| f.status == FileStatus::DisposalCandidate) else {
            return Err(AppError::NotFound);
        };
        let method = DisposalMethod::parse(&input.method)?;
        method.check_for_stored_file()?;
        let place = DisposalPlace::parse(&input.place)?;
        let Some(performer) = caller.user_id() else {
            return Err(AppError::Unauthenticated);
        };
        let row = DisposalRow {
            id: DisposalId::random(),
            compartment_id: compartment.id,
            file_id: file.id,
            method,
            place: place.as_str().to_owned(),
            performed_by: performer,
            performed_at: self.now(),
            checked_by: None,
            checked_at: None,
        };
        let mut record = self.success(
            meta,
            caller,
            AuditAction::DisposalRecord,
            AuditObject::File(file.id),
            &decided,
        );
        record.reason = format!(
            "{};method={};disposal={}",
            record.reason,
            method.as_str(),
            row.id
        );
        self.inner.files.record_disposal(&row, &record).await?;
        Ok(row.into())
    }

    /// Confirms a recorded disposal as its checker: never who performed
    /// it. The file's data keys are destroyed with the confirmation, then
    /// its blobs deleted.
    pub async fn confirm_disposal(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (compartment_id, disposal_id): (&str, &str),
    ) -> Result<(), AppError> {
        let compartment = self.inner.org.compartment(compartment_id).await?;
        let disposal = match (&compartment, disposal_id.parse::<DisposalId>()) {
            (Some(c), Ok(id)) => self.inner.files.disposal(c.id, id).await?,
            _ => None,
        };
        let (resource, owner) = match (&compartment, &disposal) {
            (Some(c), Some(d)) if d.checked_by.is_none() => (
                DisposalFacts {
                    id: d.id.to_string(),
                    compartment: super::contract_end::compartment_facts(c, self.today()),
                    performed_by: d.performed_by,
                },
                Some(c.company_id),
            ),
            // A record that names nothing (or is confirmed already) is
            // decided as one of no company, performed by nobody.
            _ => (
                DisposalFacts {
                    id: dsg_core::text::clip_owned(disposal_id, 64),
                    compartment: CompartmentFacts {
                        id: CompartmentId::random(),
                        contract: ContractId::random(),
                        company: CompanyId::random(),
                        phase: dsg_core::CompartmentPhase::Active,
                    },
                    performed_by: UserId::random(),
                },
                None,
            ),
        };
        let object = match &disposal {
            Some(d) => AuditObject::File(d.file_id),
            None => AuditObject::RequestedFile(dsg_core::text::clip_owned(disposal_id, 64)),
        };
        let (checker, decided) = self
            .authorize_named(
                meta,
                caller,
                (Action::DisposalConfirm, Resource::Disposal(resource)),
                owner,
                AuditAction::DisposalConfirm,
                object,
            )
            .await?;
        let (Some(compartment), Some(disposal)) = (compartment, disposal) else {
            return Err(AppError::NotFound);
        };
        dsg_core::check_disposal_checker(&disposal.performed_by, &checker.user.id)?;
        let mut record = self.success(
            meta,
            caller,
            AuditAction::DisposalConfirm,
            AuditObject::File(disposal.file_id),
            &decided,
        );
        record.reason = format!(
            "{};disposal={};performed_by={}",
            record.reason, disposal.id, disposal.performed_by
        );
        let blobs = self
            .inner
            .files
            .confirm_disposal(
                compartment.id,
                disposal.id,
                checker.user.id,
                self.now(),
                &record,
            )
            .await?;
        // The keys are gone: what is left of each blob is ciphertext nobody
        // can open. A blob that fails to go now is swept later (a version
        // whose key is destroyed no longer holds its blob).
        for key in blobs {
            if let Err(error) = self.inner.blobs.delete(&key).await {
                tracing::warn!(%error, "a disposed blob stays until the orphan sweep");
            }
        }
        Ok(())
    }
}
