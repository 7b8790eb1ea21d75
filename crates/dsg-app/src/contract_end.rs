//! The end of a contract (第6-7): the compartment's phase as the policy
//! point reads it; the company's request to keep the information longer
//! and the agency's decision; the closing of the compartment proposed by
//! one agency person and approved by another, which destroys the
//! compartment key (crypto-shredding), deletes its blobs and expires the
//! accounts whose only contract it was. Who may do each is decided by the
//! policy point (`agency-decides-contract-end`,
//! `end-request-not-self-decided`, …); the domain rules (no closing while
//! an inventory item is open, an extension only past the last day) are
//! `dsg-core`'s `contract_end`, and held again by the store.

use dsg_core::{
    AuditAction, AuditObject, CalendarDate, CompanyId, CompanyKind, Compartment, CompartmentId,
    CompartmentPhase, ContractId, EndInstruction, EndRequestId, EndRequestKind, EndRequestStatus,
    FileDirection, FileId, LedgerLine, Role, UserId,
};
use dsg_policy::{Action, CompartmentFacts, EndRequestFacts, Resource};
use dsg_store::EndRequestRow;

use super::{App, AppError, Caller, Decided, RequestMeta, SessionUser};

/// A compartment as the policy sees it on `today`.
pub(super) fn compartment_facts(c: &Compartment, today: CalendarDate) -> CompartmentFacts {
    CompartmentFacts {
        id: c.id,
        contract: c.contract_id,
        company: c.company_id,
        phase: c.end.phase(today),
    }
}

/// A request about a contract's end, for a page or the API.
#[derive(Debug, Clone)]
pub struct EndRequestView {
    /// The stored request.
    pub row: EndRequestRow,
    /// Whether the caller may decide it (the policy point's answer).
    pub decidable: bool,
}

/// A provided file and what becomes of it at the end (第6-7(1)).
#[derive(Debug, Clone)]
pub struct EndInstructionView {
    /// The file.
    pub file_id: FileId,
    /// Its name.
    pub name: String,
    /// Return to the agency, or destroy with a record.
    pub instruction: Option<EndInstruction>,
}

/// A compartment's end: its phase, what was provided and how it ends, the
/// requests, and what the caller may do.
#[derive(Debug, Clone)]
pub struct ContractEndView {
    /// The compartment.
    pub compartment: CompartmentId,
    /// Its phase today.
    pub phase: CompartmentPhase,
    /// The contract's last day.
    pub ends_on: CalendarDate,
    /// The last day of an approved extension of keeping.
    pub kept_until: Option<CalendarDate>,
    /// When it was closed.
    pub closed_at: Option<i64>,
    /// Inventory items not closed yet (returned or disposed of closes them).
    pub unclosed_items: u64,
    /// The provided files with their instructions (none once closed: the
    /// names are sealed under the destroyed key).
    pub provided: Vec<EndInstructionView>,
    /// Every request, oldest first.
    pub requests: Vec<EndRequestView>,
    /// The caller may ask for an extension of keeping.
    pub may_request_extension: bool,
    /// The caller may propose closing.
    pub may_propose_close: bool,
}

/// A request the company or an agency person makes.
#[derive(Debug, Clone)]
pub struct EndRequestInput {
    /// Why.
    pub reason: String,
    /// An extension: the last day asked for (`YYYY-MM-DD`).
    pub until: Option<String>,
}

/// A decision on a request.
#[derive(Debug, Clone)]
pub struct EndDecisionInput {
    /// Approve (else refuse).
    pub approve: bool,
    /// Why.
    pub reason: String,
}

impl App {
    /// Whether the caller is entitled to know the compartment exists (so a
    /// refusal tells them so rather than not-found): its company's people,
    /// the agency's operators, and the agency participants of its contract.
    fn knows(caller: &Caller, c: &Compartment) -> Option<CompanyId> {
        let Caller::User(user) = caller else {
            return None;
        };
        let facts = &user.facts;
        let agency_side = facts.company_kind == CompanyKind::Agency
            && (facts.role == Role::Operator || facts.participant_of.contains(&c.contract_id));
        (facts.company == c.company_id || agency_side).then_some(facts.company)
    }

    /// Decides `action` on the compartment a request names (a stand-in for
    /// an id naming none); a refusal answers as [`App::authorize_named`].
    async fn authorize_end(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
        (action, audit_action): (Action, AuditAction),
    ) -> Result<(Compartment, Box<SessionUser>, Decided), AppError> {
        let compartment = self.inner.org.compartment(compartment_id).await?;
        let (resource, owner, object) = match &compartment {
            Some(c) => (
                Resource::Compartment(compartment_facts(c, self.today())),
                Self::knows(caller, c).or(Some(c.company_id)),
                AuditObject::Compartment(c.id),
            ),
            None => (
                Resource::MissingCompartment(dsg_core::text::clip_owned(compartment_id, 64)),
                None,
                AuditObject::RequestedCompartment(dsg_core::text::clip_owned(compartment_id, 64)),
            ),
        };
        let (user, decided) = self
            .authorize_named(
                meta,
                caller,
                (action, resource),
                owner,
                audit_action,
                object,
            )
            .await?;
        let Some(compartment) = compartment else {
            return Err(AppError::NotFound);
        };
        Ok((compartment, user, decided))
    }

    /// Decides `action` on a request of a compartment (a stand-in of no
    /// company for ids naming none).
    async fn authorize_end_request(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        (compartment_id, request_id): (&str, &str),
        (action, audit_action): (Action, AuditAction),
    ) -> Result<(Compartment, EndRequestRow, Box<SessionUser>, Decided), AppError> {
        let compartment = self.inner.org.compartment(compartment_id).await?;
        let request = match (&compartment, request_id.parse::<EndRequestId>()) {
            (Some(c), Ok(id)) => self.inner.files.end_request(c.id, id).await?,
            _ => None,
        };
        let (facts, owner, object) = match (&compartment, &request) {
            (Some(c), Some(r)) => (
                EndRequestFacts {
                    id: r.id.to_string(),
                    compartment: compartment_facts(c, self.today()),
                    kind: r.kind,
                    requested_by: r.requested_by,
                },
                Self::knows(caller, c).or(Some(c.company_id)),
                AuditObject::Compartment(c.id),
            ),
            _ => (
                EndRequestFacts {
                    id: dsg_core::text::clip_owned(request_id, 64),
                    compartment: CompartmentFacts {
                        id: CompartmentId::random(),
                        contract: ContractId::random(),
                        company: CompanyId::random(),
                        phase: CompartmentPhase::Active,
                    },
                    kind: EndRequestKind::Extension,
                    requested_by: UserId::random(),
                },
                None,
                AuditObject::RequestedCompartment(dsg_core::text::clip_owned(compartment_id, 64)),
            ),
        };
        let (user, decided) = self
            .authorize_named(
                meta,
                caller,
                (action, Resource::EndRequest(facts)),
                owner,
                audit_action,
                object,
            )
            .await?;
        let (Some(compartment), Some(request)) = (compartment, request) else {
            return Err(AppError::NotFound);
        };
        Ok((compartment, request, user, decided))
    }

    /// A compartment's end: phase, instructions, requests and offers.
    /// Read by whoever reads its inventory. Recorded.
    pub async fn contract_end(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
    ) -> Result<ContractEndView, AppError> {
        let (compartment, _, decided) = self
            .authorize_end(
                meta,
                caller,
                compartment_id,
                (Action::LedgerView, AuditAction::ContractEndView),
            )
            .await?;
        let today = self.today();
        let facts = compartment_facts(&compartment, today);
        let phase = facts.phase;
        let mut provided = Vec::new();
        if phase.readable() {
            let key = self.compartment_key(&compartment)?;
            for stored in self.inner.files.list_files(compartment.id).await? {
                let file = super::keys::open_file_with(&key, &compartment, stored)?;
                if file.direction == FileDirection::Provided {
                    provided.push(EndInstructionView {
                        file_id: file.id,
                        name: file.name.as_str().to_owned(),
                        instruction: file.end_instruction,
                    });
                }
            }
        }
        let requests = self
            .inner
            .files
            .end_requests(compartment.id)
            .await?
            .into_iter()
            .map(|row| {
                let action = match row.kind {
                    EndRequestKind::Extension => Action::KeepingDecide,
                    EndRequestKind::Close => Action::CompartmentCloseApprove,
                };
                let decidable = row.status == EndRequestStatus::Pending
                    && self.permits(
                        caller,
                        action,
                        Resource::EndRequest(EndRequestFacts {
                            id: row.id.to_string(),
                            compartment: facts.clone(),
                            kind: row.kind,
                            requested_by: row.requested_by,
                        }),
                    );
                EndRequestView { row, decidable }
            })
            .collect();
        let resource = Resource::Compartment(facts);
        let view = ContractEndView {
            compartment: compartment.id,
            phase,
            ends_on: compartment.end.ends_on,
            kept_until: compartment.end.kept_until,
            closed_at: compartment.end.closed_at,
            unclosed_items: self
                .inner
                .files
                .unclosed_ledger_items(compartment.id)
                .await?,
            provided,
            requests,
            may_request_extension: self.permits(caller, Action::KeepingRequest, resource.clone()),
            may_propose_close: phase != CompartmentPhase::Active
                && self.permits(caller, Action::CompartmentClose, resource),
        };
        let record = self.success(
            meta,
            caller,
            AuditAction::ContractEndView,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        self.record(&record).await?;
        Ok(view)
    }

    /// The company asks to keep the contract's information until a later
    /// day (第6-7(2)). Awaits the agency's decision.
    pub async fn request_extension(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
        input: &EndRequestInput,
    ) -> Result<EndRequestRow, AppError> {
        let (compartment, user, decided) = self
            .authorize_end(
                meta,
                caller,
                compartment_id,
                (Action::KeepingRequest, AuditAction::KeepingRequest),
            )
            .await?;
        let reason = LedgerLine::parse("reason", &input.reason)?;
        let until = CalendarDate::parse("until", input.until.as_deref().unwrap_or(""))?;
        compartment.end.check_extension(self.today(), until)?;
        let row = EndRequestRow {
            id: EndRequestId::random(),
            compartment_id: compartment.id,
            kind: EndRequestKind::Extension,
            requested_by: user.user.id,
            requested_at: self.now(),
            reason: reason.as_str().to_owned(),
            until: Some(until),
            status: EndRequestStatus::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
        };
        let mut record = self.success(
            meta,
            caller,
            AuditAction::KeepingRequest,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        record.reason = format!("{};request={};until={until}", record.reason, row.id);
        self.inner.files.add_end_request(&row, &record).await?;
        Ok(row)
    }

    /// The agency approves or refuses an extension of keeping: never who
    /// asked for it.
    pub async fn decide_extension(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        ids: (&str, &str),
        input: &EndDecisionInput,
    ) -> Result<(), AppError> {
        let audit_action = if input.approve {
            AuditAction::KeepingApprove
        } else {
            AuditAction::KeepingRefuse
        };
        let (compartment, request, user, decided) = self
            .authorize_end_request(meta, caller, ids, (Action::KeepingDecide, audit_action))
            .await?;
        if request.kind != EndRequestKind::Extension {
            return Err(AppError::NotFound);
        }
        dsg_core::check_end_decider(&request.requested_by, &user.user.id)?;
        let reason = LedgerLine::parse("reason", &input.reason)?;
        if input.approve {
            let until = request
                .until
                .ok_or_else(|| AppError::Internal("an extension without its day".into()))?;
            compartment.end.check_extension(self.today(), until)?;
        }
        let mut record = self.success(
            meta,
            caller,
            audit_action,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        record.reason = format!("{};request={}", record.reason, request.id);
        self.inner
            .files
            .decide_extension(
                &request,
                (user.user.id, input.approve, reason.as_str()),
                self.now(),
                &record,
            )
            .await?;
        Ok(())
    }

    /// An agency person proposes to close the compartment, once its
    /// contract has ended and every inventory item is closed. Another
    /// person approves.
    pub async fn propose_close(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        compartment_id: &str,
        input: &EndRequestInput,
    ) -> Result<EndRequestRow, AppError> {
        let (compartment, user, decided) = self
            .authorize_end(
                meta,
                caller,
                compartment_id,
                (
                    Action::CompartmentClose,
                    AuditAction::CompartmentCloseProposal,
                ),
            )
            .await?;
        let reason = LedgerLine::parse("reason", &input.reason)?;
        let open = self
            .inner
            .files
            .unclosed_ledger_items(compartment.id)
            .await?;
        compartment.end.check_close(self.today(), open)?;
        let row = EndRequestRow {
            id: EndRequestId::random(),
            compartment_id: compartment.id,
            kind: EndRequestKind::Close,
            requested_by: user.user.id,
            requested_at: self.now(),
            reason: reason.as_str().to_owned(),
            until: None,
            status: EndRequestStatus::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
        };
        let mut record = self.success(
            meta,
            caller,
            AuditAction::CompartmentCloseProposal,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        record.reason = format!("{};request={}", record.reason, row.id);
        self.inner.files.add_end_request(&row, &record).await?;
        Ok(row)
    }

    /// Another agency person approves (or refuses) the closing. On
    /// approval, in one transaction with its entry: the compartment key
    /// and every data key destroyed, the compartment closed, the accounts
    /// whose only contract it was expired; then the blobs are deleted.
    pub async fn decide_close(
        &self,
        meta: &RequestMeta,
        caller: &Caller,
        ids: (&str, &str),
        input: &EndDecisionInput,
    ) -> Result<(), AppError> {
        let (compartment, request, user, decided) = self
            .authorize_end_request(
                meta,
                caller,
                ids,
                (
                    Action::CompartmentCloseApprove,
                    AuditAction::CompartmentClose,
                ),
            )
            .await?;
        if request.kind != EndRequestKind::Close {
            return Err(AppError::NotFound);
        }
        dsg_core::check_end_decider(&request.requested_by, &user.user.id)?;
        let reason = LedgerLine::parse("reason", &input.reason)?;
        let mut record = self.success(
            meta,
            caller,
            AuditAction::CompartmentClose,
            AuditObject::Compartment(compartment.id),
            &decided,
        );
        record.reason = format!(
            "{};request={};proposed_by={};approve={}",
            record.reason, request.id, request.requested_by, input.approve
        );
        if !input.approve {
            return Ok(self
                .inner
                .files
                .refuse_close(
                    &request,
                    (user.user.id, reason.as_str()),
                    self.now(),
                    &record,
                )
                .await?);
        }
        let open = self
            .inner
            .files
            .unclosed_ledger_items(compartment.id)
            .await?;
        compartment.end.check_close(self.today(), open)?;
        let mut expiry = record.clone();
        expiry.action = AuditAction::AccountExpire;
        expiry.reason = format!("compartment={}", compartment.id);
        let closed = self
            .inner
            .files
            .close_compartment(
                &request,
                (user.user.id, reason.as_str()),
                self.now(),
                (&record, &expiry),
            )
            .await?;
        // The keys are gone: what is left of each blob is ciphertext nobody
        // can open. One that fails to go now is swept later (no version
        // with a key holds it).
        for key in closed.blobs {
            if let Err(error) = self.inner.blobs.delete(&key).await {
                tracing::warn!(%error, "a closed compartment's blob stays until the sweep");
            }
        }
        Ok(())
    }
}
